package io.opsflow.simulators.flight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dronefleet.mavlink.common.GlobalPositionInt;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The forwarder replays the real VTOL tlog to real loopback sockets as RFC 5424 syslog. */
class TlogForwarderTest {

  static final Path VTOL = FlightData.vtolTlog();
  private static List<TlogRecord> forwarded;

  @BeforeAll
  static void decode() throws IOException {
    forwarded =
        TlogReader.readAll(VTOL).stream()
            .filter(r -> MavlinkTelemetry.FORWARDED.contains(r.name()))
            .toList();
  }

  @Test
  void tcpCarriesEveryTelemetryMessageOctetCountedInLogOrder() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<List<String>> received =
          CompletableFuture.supplyAsync(() -> readOctetCounted(server));
      TlogForwarder.Result result;
      try (TlogForwarder forwarder =
          TlogForwarder.open(
              URI.create("tcp://127.0.0.1:" + server.getLocalPort()), "drone-7", 0)) {
        result = forwarder.replay(VTOL, Long.MAX_VALUE);
      }
      List<Syslog5424> lines =
          received.get(60, TimeUnit.SECONDS).stream().map(Syslog5424::parse).toList();

      assertThat(result.sent()).isEqualTo(forwarded.size());
      assertThat(lines).hasSize(forwarded.size());
      assertThat(countByMsgId(lines))
          .isEqualTo(
              forwarded.stream()
                  .collect(Collectors.groupingBy(TlogRecord::name, TreeMap::new, counting())));
      for (int i = 0; i < lines.size(); i++) {
        Syslog5424 line = lines.get(i);
        TlogRecord record = forwarded.get(i);
        assertThat(line.timestamp().toInstant())
            .as("line %d keeps the log's time", i)
            .isEqualTo(record.time());
        assertThat(line.hostname()).isEqualTo("drone-7");
        assertThat(line.appName()).isEqualTo("mavlink");
        assertThat(line.msgId()).isEqualTo(record.name());
        assertThat(line.structuredData()).containsOnlyKeys("mavlink@32473");
        assertThat(line.msg()).isNotBlank();
      }
    }
  }

  @Test
  void udpDatagramsCarryPositionInSiUnits() throws Exception {
    int limit = 400;
    try (DatagramSocket receiver =
        new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      receiver.setReceiveBufferSize(1 << 22);
      receiver.setSoTimeout(10_000);
      CompletableFuture<List<String>> received =
          CompletableFuture.supplyAsync(() -> receive(receiver, limit));
      try (TlogForwarder forwarder =
          TlogForwarder.open(
              URI.create("udp://127.0.0.1:" + receiver.getLocalPort()), "drone-1", 0)) {
        assertThat(forwarder.replay(VTOL, limit).sent()).isEqualTo(limit);
      }
      List<Syslog5424> lines =
          received.get(30, TimeUnit.SECONDS).stream().map(Syslog5424::parse).toList();
      assertThat(lines).hasSize(limit);
      int positions = 0;
      for (int i = 0; i < limit; i++) {
        Syslog5424 line = lines.get(i);
        assertThat(line.pri()).as("facility user, severity 0-7").isBetween(8, 15);
        if (forwarded.get(i).payload() instanceof GlobalPositionInt g) {
          Map<String, String> p = line.structuredData().get("mavlink@32473");
          assertThat(Double.parseDouble(p.get("lat"))).isEqualTo(g.lat() / 1e7);
          assertThat(Double.parseDouble(p.get("lon"))).isEqualTo(g.lon() / 1e7);
          assertThat(Double.parseDouble(p.get("relative_alt"))).isEqualTo(g.relativeAlt() / 1e3);
          assertThat(Double.parseDouble(p.get("alt"))).isEqualTo(g.alt() / 1e3);
          assertThat(Double.parseDouble(p.get("vz"))).isEqualTo(g.vz() / 1e2);
          positions++;
        }
      }
      assertThat(positions).isPositive();
    }
  }

  @Test
  void speedPacesByTheLogsOwnTimestamps() throws Exception {
    int limit = 300;
    double speed = 50;
    Duration span = Duration.between(forwarded.get(0).time(), forwarded.get(limit - 1).time());
    try (DatagramSocket receiver =
            new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        TlogForwarder forwarder =
            TlogForwarder.open(
                URI.create("udp://127.0.0.1:" + receiver.getLocalPort()), "drone-1", speed)) {
      TlogForwarder.Result result = forwarder.replay(VTOL, limit);
      assertThat(result.elapsed()).isGreaterThanOrEqualTo(span.dividedBy((long) speed));
    }
  }

  @Test
  void onlyLoopbackTargetsAreAccepted() {
    assertThatThrownBy(() -> TlogForwarder.open(URI.create("udp://192.0.2.10:5514"), "drone-1", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("to must be a loopback address");
    assertThatThrownBy(() -> TlogForwarder.open(URI.create("http://127.0.0.1:5514"), "drone-1", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("udp://, tcp:// or relp://");
    assertThatThrownBy(() -> TlogForwarder.open(URI.create("udp://127.0.0.1:5514"), "drone-1", -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("speed");
  }

  @Test
  void paramValuesEscapeQuoteBackslashAndBracket() {
    TelemetryMessage message =
        new TelemetryMessage(
            forwarded.get(0).time(),
            "STATUSTEXT",
            2,
            Map.of("text", "a \"b\" \\c] d"),
            "a \"b\" \\c] d");
    Syslog5424 line = Syslog5424.parse(Rfc5424.format(message, "drone 1"));
    assertThat(line.pri()).isEqualTo(8 + 2);
    assertThat(line.hostname()).isEqualTo("drone_1");
    assertThat(line.structuredData().get("mavlink@32473")).containsEntry("text", "a \"b\" \\c] d");
  }

  private static java.util.stream.Collector<TlogRecord, ?, Long> counting() {
    return Collectors.counting();
  }

  private static Map<String, Long> countByMsgId(List<Syslog5424> lines) {
    return lines.stream()
        .collect(Collectors.groupingBy(Syslog5424::msgId, TreeMap::new, Collectors.counting()));
  }

  private static List<String> readOctetCounted(ServerSocket server) {
    List<String> lines = new ArrayList<>();
    try (Socket socket = server.accept();
        InputStream in = new BufferedInputStream(socket.getInputStream())) {
      while (true) {
        int length = 0;
        int c = in.read();
        if (c < 0) {
          return lines;
        }
        while (c != ' ') {
          if (c < '0' || c > '9') {
            throw new IllegalStateException("octet count expected, got byte " + c);
          }
          length = length * 10 + (c - '0');
          c = in.read();
        }
        byte[] frame = in.readNBytes(length);
        if (frame.length != length) {
          throw new IllegalStateException("frame cut short");
        }
        lines.add(new String(frame, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> receive(DatagramSocket socket, int count) {
    List<String> lines = new ArrayList<>();
    byte[] buffer = new byte[65_535];
    try {
      while (lines.size() < count) {
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        socket.receive(packet);
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        copy.write(packet.getData(), packet.getOffset(), packet.getLength());
        lines.add(copy.toString(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return lines;
  }
}
