package io.opsflow.simulators.syslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The RELP sender against a receiver written here on a real loopback socket: the first session
 * acknowledges some messages and then breaks, the second one gets the rest again, in order.
 */
class RelpSenderTest {

  private record Frame(long txnr, String command, String data) {}

  private static Frame read(InputStream in) throws IOException {
    ByteArrayOutputStream header = new ByteArrayOutputStream();
    int spaces = 0;
    int b;
    while (true) {
      b = in.read();
      if (b < 0) {
        return null;
      }
      if ((b == ' ' && ++spaces == 3) || (b == '\n' && spaces == 2)) {
        break;
      }
      header.write(b);
    }
    String[] parts = header.toString(StandardCharsets.US_ASCII).split(" ");
    int length = Integer.parseInt(parts[2]);
    String data = "";
    if (b == ' ') {
      data = new String(in.readNBytes(length), StandardCharsets.UTF_8);
      assertThat(in.read()).isEqualTo('\n');
    }
    return new Frame(Long.parseLong(parts[0]), parts[1], data);
  }

  private static void rsp(OutputStream out, long txnr, String data) throws IOException {
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    out.write((txnr + " rsp " + bytes.length + " ").getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.write('\n');
    out.flush();
  }

  /** Answers open; acknowledges the first {@code ackFirst} syslog frames, then ends abruptly. */
  private static List<String> session(ServerSocket server, int ackFirst, int expect)
      throws IOException {
    List<String> received = new ArrayList<>();
    try (Socket s = server.accept()) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      Frame open = read(in);
      assertThat(open.command()).isEqualTo("open");
      assertThat(open.data()).contains("relp_version=0").contains("commands=syslog");
      rsp(out, open.txnr(), "200 OK\nrelp_version=0\ncommands=syslog");
      while (received.size() < expect) {
        Frame f = read(in);
        if (f == null || f.command().equals("close")) {
          if (f != null) {
            rsp(out, f.txnr(), "200 OK");
          }
          break;
        }
        assertThat(f.command()).isEqualTo("syslog");
        received.add(f.data());
        if (received.size() <= ackFirst) {
          rsp(out, f.txnr(), "200 OK");
        }
      }
    }
    return received;
  }

  @Test
  void unacknowledgedMessagesAreResentInOrderAfterTheConnectionBreaks() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
      CompletableFuture<List<List<String>>> receiver =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  // first session: 10 messages arrive, 4 acknowledged, then the receiver dies
                  List<String> first = session(server, 4, 10);
                  // second session: everything is acknowledged
                  List<String> second = session(server, Integer.MAX_VALUE, 6);
                  return List.of(first, second);
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      List<String> messages = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        messages.add("<13>1 - drone-1 app - - - message " + i);
      }
      try (RelpSender sender =
          new RelpSender(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()),
              InetAddress.getLoopbackAddress(),
              10,
              Duration.ofMillis(200))) {
        for (String m : messages) {
          sender.send(m);
        }
        sender.flush();
        assertThat(sender.awaitAcknowledged(Duration.ofSeconds(20))).isTrue();

        List<List<String>> sessions = receiver.get(20, TimeUnit.SECONDS);
        assertThat(sessions.get(0)).isEqualTo(messages);
        assertThat(sessions.get(1)).isEqualTo(messages.subList(4, 10));
        RelpSender.Stats stats = sender.stats();
        assertThat(stats.sent()).isEqualTo(10);
        assertThat(stats.acknowledged()).isEqualTo(10);
        assertThat(stats.resent()).isEqualTo(6);
        assertThat(stats.sessions()).isEqualTo(2);
        assertThat(stats.unacknowledged()).isZero();
      }
    }
  }

  @Test
  void aRefusedMessageIsCountedAndNotSentAgain() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> receiver =
          CompletableFuture.runAsync(
              () -> {
                try (Socket s = server.accept()) {
                  InputStream in = new BufferedInputStream(s.getInputStream());
                  OutputStream out = s.getOutputStream();
                  Frame open = read(in);
                  rsp(out, open.txnr(), "200 OK\nrelp_version=0\ncommands=syslog");
                  Frame f = read(in);
                  rsp(out, f.txnr(), "500 not today");
                  Frame close = read(in);
                  assertThat(close.command()).isEqualTo("close");
                  rsp(out, close.txnr(), "200 OK");
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      try (RelpSender sender =
          new RelpSender(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()))) {
        sender.send("<13>1 - drone-1 app - - - refused");
        sender.flush();
        assertThat(sender.awaitAcknowledged(Duration.ofSeconds(20))).isTrue();
        assertThat(sender.stats().refused()).isEqualTo(1);
        assertThat(sender.stats().acknowledged()).isZero();
      }
      receiver.get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void onlyLoopbackTargetsAreAccepted() {
    assertThatThrownBy(
            () ->
                new RelpSender(
                    new InetSocketAddress(InetAddress.getByName("192.0.2.10"), 20514),
                    InetAddress.getLoopbackAddress(),
                    128,
                    Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loopback");
  }
}
