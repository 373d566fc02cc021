package io.opsflow.device.telemetry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Datagrams the Linux kernel dropped on a UDP socket because its receive buffer was full: the last
 * column ({@code drops}) of the socket's line in /proc/net/udp and /proc/net/udp6.
 */
public final class UdpDrops {

  private UdpDrops() {}

  /** The drops of the socket bound to this local port, -1 when unknown (not Linux). */
  public static long forPort(int port) {
    if (port < 0) {
      return -1;
    }
    String hexPort = String.format(Locale.ROOT, ":%04X", port);
    long drops = -1;
    for (String file : List.of("/proc/net/udp", "/proc/net/udp6")) {
      try {
        for (String line : Files.readAllLines(Path.of(file))) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 12 && f[1].endsWith(hexPort)) {
            drops = Math.max(drops, 0) + Long.parseLong(f[f.length - 1]);
          }
        }
      } catch (IOException | NumberFormatException e) {
        // no such file here: unknown
      }
    }
    return drops;
  }
}
