package io.opsflow.workers.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Reads the kernel's socket tables (no network traffic) to tell where a port is listening. */
final class ListeningSockets {
  private static final String LISTEN = "0A";

  private ListeningSockets() {}

  /**
   * The local addresses listening on a TCP port: "127.0.0.1", "0.0.0.0", or the IPv6 address in hex
   * for /proc/net/tcp6 entries (e.g. "::" for the wildcard is "000...0").
   */
  static List<String> listeners(int port) throws IOException {
    List<String> addresses = new ArrayList<>();
    String hexPort = String.format("%04X", port);
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path path = Path.of(table);
      if (!Files.isReadable(path)) {
        continue;
      }
      List<String> lines = Files.readAllLines(path);
      for (String line : lines.subList(1, lines.size())) {
        String[] fields = line.trim().split("\\s+");
        String[] local = fields[1].split(":");
        if (local[1].equals(hexPort) && fields[3].equals(LISTEN)) {
          addresses.add(local[0].length() == 8 ? ipv4(local[0]) : ipv6(local[0]));
        }
      }
    }
    return addresses;
  }

  /** IPv4-mapped addresses (::ffff:a.b.c.d, as Netty's epoll sockets bind) as "a.b.c.d". */
  private static String ipv6(String hex) {
    if (hex.startsWith("0000000000000000FFFF0000")) {
      return ipv4(hex.substring(24));
    }
    return hex.equals("0".repeat(32)) ? "::" : "ipv6:" + hex;
  }

  private static String ipv4(String littleEndianHex) {
    byte[] bytes = HexFormat.of().parseHex(littleEndianHex);
    return (bytes[3] & 0xff)
        + "."
        + (bytes[2] & 0xff)
        + "."
        + (bytes[1] & 0xff)
        + "."
        + (bytes[0] & 0xff);
  }
}
