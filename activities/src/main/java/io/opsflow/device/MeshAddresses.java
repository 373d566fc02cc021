package io.opsflow.device;

import io.opsflow.device.pki.Ipv4Net;
import java.util.Set;

/**
 * The host addresses of one tenant's mesh: every address of the network but the network address
 * itself, the broadcast address and the reserved ones (the lighthouse). Pure: the database decides
 * which address is taken, this only picks the next candidate.
 */
public final class MeshAddresses {

  private final Ipv4Net network;
  private final int first;
  private final int last;
  private final Set<Integer> reserved;

  /**
   * @param mesh the tenant's mesh CIDR, a prefix of 8 to 30 bits
   * @param reserved addresses never handed out (the lighthouse's)
   */
  public MeshAddresses(Ipv4Net mesh, Set<Integer> reserved) {
    int prefix = mesh.prefixLength();
    if (prefix < 8 || prefix > 30) {
      throw new IllegalArgumentException("a mesh needs a prefix of 8 to 30 bits, was " + mesh);
    }
    this.network = mesh.network();
    this.first = network.address() + 1;
    this.last = (network.address() | ~network.mask()) - 1;
    this.reserved = Set.copyOf(reserved);
  }

  public Ipv4Net network() {
    return network;
  }

  public int prefixLength() {
    return network.prefixLength();
  }

  /** How many addresses a device may get: the hosts minus the reserved ones inside the network. */
  public long capacity() {
    long hosts = Integer.toUnsignedLong(last) - Integer.toUnsignedLong(first) + 1;
    return hosts - reserved.stream().filter(this::isHost).count();
  }

  /** Whether {@code address} is a host address of this mesh (not network, not broadcast). */
  public boolean isHost(int address) {
    return Integer.compareUnsigned(address, first) >= 0
        && Integer.compareUnsigned(address, last) <= 0;
  }

  /**
   * The lowest host address that is neither reserved nor in {@code taken}, or -1 when every one is
   * (-1 is 255.255.255.255, never a host address of a prefix of 8 bits or more).
   */
  public int lowestFree(Set<Integer> taken) {
    for (long a = Integer.toUnsignedLong(first); a <= Integer.toUnsignedLong(last); a++) {
      int address = (int) a;
      if (!taken.contains(address) && !reserved.contains(address)) {
        return address;
      }
    }
    return -1;
  }

  /** {@code a.b.c.d} of an address. */
  public static String format(int address) {
    return new Ipv4Net(address, -1).addressString();
  }

  /** The address of {@code a.b.c.d}. */
  public static int parse(String dotted) {
    return Ipv4Net.parse(dotted + "/32").address();
  }
}
