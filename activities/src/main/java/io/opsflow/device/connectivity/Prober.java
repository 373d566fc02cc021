package io.opsflow.device.connectivity;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One probe of an address: an ICMP echo through the system {@code ping -c 1 -W <s> -n <ip>} (round
 * trip as ping reports it), or a TCP connect (round trip: the handshake). A TCP probe answers only
 * when the connection is accepted: a refused connection is a failure.
 */
public final class Prober {

  private static final Pattern TIME = Pattern.compile("time[=<]([0-9.]+) ms");

  /**
   * @param success it answered
   * @param rttMs the round trip when it did
   * @param error why not
   */
  public record Outcome(boolean success, Double rttMs, String error) {}

  private Prober() {}

  public static Outcome icmp(String ip, Duration timeout) {
    long seconds = Math.max(1, (timeout.toMillis() + 999) / 1000);
    ProcessBuilder builder =
        new ProcessBuilder(List.of("ping", "-c", "1", "-W", Long.toString(seconds), "-n", ip))
            .redirectErrorStream(true);
    Process ping;
    try {
      ping = builder.start();
    } catch (IOException e) {
      return new Outcome(false, null, "ping not runnable: " + e.getMessage());
    }
    try {
      String out;
      try (var in = ping.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!ping.waitFor(seconds + 2, TimeUnit.SECONDS)) {
        ping.destroyForcibly();
        return new Outcome(false, null, "timeout");
      }
      if (ping.exitValue() == 0) {
        Matcher time = TIME.matcher(out);
        return new Outcome(true, time.find() ? Double.parseDouble(time.group(1)) : null, null);
      }
      return new Outcome(false, null, ping.exitValue() == 1 ? "timeout" : firstLine(out));
    } catch (IOException e) {
      return new Outcome(false, null, "ping failed: " + e.getMessage());
    } catch (InterruptedException e) {
      ping.destroyForcibly();
      Thread.currentThread().interrupt();
      return new Outcome(false, null, "interrupted");
    }
  }

  public static Outcome tcp(String ip, int port, Duration timeout) {
    long start = System.nanoTime();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(ip, port), (int) Math.max(1, timeout.toMillis()));
      return new Outcome(true, (System.nanoTime() - start) / 1e6, null);
    } catch (SocketTimeoutException e) {
      return new Outcome(false, null, "timeout");
    } catch (ConnectException e) {
      String message =
          e.getMessage() == null ? "" : e.getMessage().toLowerCase(java.util.Locale.ROOT);
      return new Outcome(
          false, null, message.contains("refused") ? "connection refused" : e.getMessage());
    } catch (IOException e) {
      return new Outcome(false, null, String.valueOf(e.getMessage()));
    }
  }

  private static String firstLine(String out) {
    String trimmed = out.strip();
    int nl = trimmed.indexOf('\n');
    String line = nl < 0 ? trimmed : trimmed.substring(0, nl);
    return line.isEmpty() ? "no answer" : line;
  }
}
