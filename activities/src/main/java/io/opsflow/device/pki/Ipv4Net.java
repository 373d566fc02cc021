package io.opsflow.device.pki;

import java.util.HexFormat;

/**
 * An IPv4 address with a mask, as a Nebula certificate holds it: two big-endian 32-bit words on the
 * wire. A host certificate's entry is the host's address in its mesh network ({@code
 * 192.168.100.5/24}); a CA's entries are the networks its certificates may use.
 *
 * @param address the address, big-endian (the first octet in the high byte)
 * @param mask the mask, big-endian; normally a prefix mask, but any 32 bits survive a round trip
 */
public record Ipv4Net(int address, int mask) {

  /** A tenant's mesh network when none is configured. */
  public static final Ipv4Net DEFAULT_MESH = parse("192.168.100.0/24");

  /**
   * Parses {@code a.b.c.d/n}.
   *
   * @throws IllegalArgumentException when it is not a dotted-quad address with a prefix of 0 to 32
   */
  public static Ipv4Net parse(String cidr) {
    String[] parts = cidr == null ? new String[0] : cidr.strip().split("/", -1);
    if (parts.length != 2 || !parts[1].matches("[0-9]{1,2}")) {
      throw new IllegalArgumentException("not an IPv4 CIDR (a.b.c.d/n): '" + cidr + "'");
    }
    int prefix = Integer.parseInt(parts[1]);
    if (prefix > 32) {
      throw new IllegalArgumentException("prefix longer than 32 bits in '" + cidr + "'");
    }
    return new Ipv4Net(parseAddress(parts[0], cidr), prefixMask(prefix));
  }

  /** The mask of a {@code prefix}-bit network. */
  public static int prefixMask(int prefix) {
    if (prefix < 0 || prefix > 32) {
      throw new IllegalArgumentException("prefix must be 0 to 32, was " + prefix);
    }
    return prefix == 0 ? 0 : -1 << (32 - prefix);
  }

  private static int parseAddress(String dotted, String input) {
    String[] octets = dotted.split("\\.", -1);
    if (octets.length != 4) {
      throw new IllegalArgumentException("not an IPv4 address in '" + input + "'");
    }
    int address = 0;
    for (String octet : octets) {
      if (!octet.matches("[0-9]{1,3}") || Integer.parseInt(octet) > 255) {
        throw new IllegalArgumentException("not an IPv4 address in '" + input + "'");
      }
      address = address << 8 | Integer.parseInt(octet);
    }
    return address;
  }

  /** The prefix length, or -1 when the mask is not a run of ones followed by zeros. */
  public int prefixLength() {
    int ones = Integer.bitCount(mask);
    return mask == prefixMask(ones) ? ones : -1;
  }

  /** The network this address is in ({@code 192.168.100.0/24} for {@code 192.168.100.5/24}). */
  public Ipv4Net network() {
    return new Ipv4Net(address & mask, mask);
  }

  /**
   * Whether {@code other} lies within this network the way Nebula checks a certificate against its
   * CA: its address is in this network and its mask is, byte for byte, at least as long.
   */
  public boolean contains(Ipv4Net other) {
    if ((other.address & mask) != (address & mask)) {
      return false;
    }
    for (int shift = 24; shift >= 0; shift -= 8) {
      if ((mask >>> shift & 0xff) > (other.mask >>> shift & 0xff)) {
        return false;
      }
    }
    return true;
  }

  /** The dotted-quad address without the mask. */
  public String addressString() {
    return (address >>> 24)
        + "."
        + (address >>> 16 & 0xff)
        + "."
        + (address >>> 8 & 0xff)
        + "."
        + (address & 0xff);
  }

  /**
   * {@code a.b.c.d/n} as {@code nebula-cert print} shows it; a mask that is not a prefix is shown
   * in hex ({@code a.b.c.d/ffff00ff}), as Go does.
   */
  @Override
  public String toString() {
    int prefix = prefixLength();
    return addressString()
        + "/"
        + (prefix >= 0 ? Integer.toString(prefix) : HexFormat.of().toHexDigits(mask));
  }
}
