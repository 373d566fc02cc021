package io.opsflow.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsflow.device.pki.Ipv4Net;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The mesh address picker: whatever the network and whatever is already taken, every address it
 * hands out is a host of the mesh (never the network or broadcast address, never the lighthouse),
 * never one already taken, and it says "none" only when every host is taken.
 */
class MeshAddressesPropertyTest {

  @Provide
  Arbitrary<Ipv4Net> meshes() {
    return Arbitraries.integers()
        .between(22, 30)
        .flatMap(
            prefix ->
                Arbitraries.integers()
                    .map(a -> new Ipv4Net(a, Ipv4Net.prefixMask(prefix)).network()));
  }

  @Property(tries = 300)
  void allocationsStayInsideTheMeshAreHostsAndNeverRepeat(
      @ForAll("meshes") Ipv4Net mesh,
      @ForAll @IntRange(min = 0, max = 3) int lighthouseOffset,
      @ForAll List<@IntRange(min = 0, max = 1100) Integer> preTaken) {
    int lighthouse = mesh.address() + 1 + lighthouseOffset;
    MeshAddresses pool = new MeshAddresses(mesh, Set.of(lighthouse));
    int broadcast = mesh.address() | ~mesh.mask();
    Set<Integer> taken = new HashSet<>();
    preTaken.forEach(offset -> taken.add(mesh.address() + offset));
    Set<Integer> handedOut = new HashSet<>();
    long hosts = Integer.toUnsignedLong(broadcast) - Integer.toUnsignedLong(mesh.address()) - 1;
    for (long i = 0; i <= hosts; i++) {
      int next = pool.lowestFree(taken);
      if (next == -1) {
        break;
      }
      assertThat(mesh.contains(new Ipv4Net(next, mesh.mask()))).isTrue();
      assertThat(next)
          .isNotEqualTo(mesh.address())
          .isNotEqualTo(broadcast)
          .isNotEqualTo(lighthouse);
      assertThat(taken).doesNotContain(next);
      assertThat(handedOut.add(next)).isTrue();
      taken.add(next);
    }
    // Exhausted: every host but the lighthouse is taken.
    assertThat(pool.lowestFree(taken)).isEqualTo(-1);
    for (long a = Integer.toUnsignedLong(mesh.address()) + 1;
        a < Integer.toUnsignedLong(broadcast);
        a++) {
      assertThat(taken.contains((int) a) || (int) a == lighthouse).isTrue();
    }
  }

  @Property
  void capacityIsTheHostsMinusTheLighthouse(
      @ForAll("meshes") Ipv4Net mesh, @ForAll @IntRange(min = 1, max = 2) int lighthouseOffset) {
    MeshAddresses pool = new MeshAddresses(mesh, Set.of(mesh.address() + lighthouseOffset));
    long hosts = (1L << (32 - mesh.prefixLength())) - 2;
    assertThat(pool.capacity()).isEqualTo(hosts - 1);
  }

  @Test
  void theDefaultMeshHandsOutDotTwoFirstWhenTheLighthouseHasDotOne() {
    MeshAddresses pool =
        new MeshAddresses(Ipv4Net.DEFAULT_MESH, Set.of(MeshAddresses.parse("192.168.100.1")));
    assertThat(MeshAddresses.format(pool.lowestFree(Set.of()))).isEqualTo("192.168.100.2");
    assertThat(pool.capacity()).isEqualTo(253);
  }

  @Test
  void aMeshWithoutHostsIsRefused() {
    assertThatThrownBy(() -> new MeshAddresses(Ipv4Net.parse("10.0.0.0/31"), Set.of()))
        .hasMessageContaining("prefix of 8 to 30");
  }
}
