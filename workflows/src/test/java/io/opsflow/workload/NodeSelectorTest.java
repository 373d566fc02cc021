package io.opsflow.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeSelectorTest {

  private static NodeCapacity active(String id, double cpu, long memoryMb, int workloads) {
    return new NodeCapacity(id, NodeStatus.ACTIVE, cpu, memoryMb, workloads);
  }

  private static Optional<String> spread(List<NodeCapacity> nodes, double cpu, long memoryMb) {
    return NodeSelector.choose(nodes, cpu, memoryMb, PlacementPolicy.SPREAD, Set.of());
  }

  private static Optional<String> binPack(List<NodeCapacity> nodes, double cpu, long memoryMb) {
    return NodeSelector.choose(nodes, cpu, memoryMb, PlacementPolicy.BIN_PACK, Set.of());
  }

  @Test
  void neverPicksAnInactiveNodeHoweverEmpty() {
    List<NodeCapacity> nodes =
        List.of(
            new NodeCapacity("idle-but-gone", NodeStatus.INACTIVE, 64, 262_144, 0),
            active("busy", 1, 1024, 7));

    assertThat(spread(nodes, 0.5, 256)).contains("busy");
    assertThat(spread(nodes, 2, 256)).isEmpty();
  }

  @Test
  void neverPicksANodeWithoutRoomForTheCpu() {
    // The seed's old scheduler took the first active node: here the first has memory, not cores.
    List<NodeCapacity> nodes = List.of(active("a", 0.5, 65_536, 0), active("b", 2, 1024, 3));

    assertThat(spread(nodes, 1, 512)).contains("b");
    assertThat(binPack(nodes, 1, 512)).contains("b");
  }

  @Test
  void neverPicksANodeWithoutRoomForTheMemory() {
    List<NodeCapacity> nodes = List.of(active("a", 16, 511, 0), active("b", 1, 512, 3));

    assertThat(spread(nodes, 0.5, 512)).contains("b");
    assertThat(binPack(nodes, 0.5, 512)).contains("b");
    assertThat(spread(nodes, 0.5, 513)).isEmpty();
  }

  @Test
  void overcommittedNodeTakesNothingEvenWithoutRequests() {
    List<NodeCapacity> nodes = List.of(active("over", -0.5, 1024, 4));

    assertThat(spread(nodes, 0, 0)).isEmpty();
  }

  @Test
  void requestsAddingUpExactlyFitDespiteFloatingPoint() {
    // 0.1 + 0.2 cores already placed on a 0.6-core node leave 0.30000000000000004 requested.
    List<NodeCapacity> nodes = List.of(active("a", 0.6 - (0.1 + 0.2), 256, 2));

    assertThat(spread(nodes, 0.3, 256)).contains("a");
  }

  @Test
  void spreadPicksTheNodeWithTheMostRoomLeft() {
    List<NodeCapacity> nodes =
        List.of(
            active("small", 1, 2048, 0), active("large", 8, 16_384, 5), active("mid", 4, 8192, 1));

    assertThat(spread(nodes, 1, 1024)).contains("large");
  }

  @Test
  void binPackPicksTheFullestNodeThatStillFits() {
    List<NodeCapacity> nodes =
        List.of(
            active("tiny", 0.5, 512, 0), active("snug", 1, 1024, 3), active("large", 8, 16_384, 0));

    // "tiny" is fuller but does not fit a 1-core request.
    assertThat(binPack(nodes, 1, 1024)).contains("snug");
    assertThat(binPack(nodes, 0.25, 256)).contains("tiny");
  }

  @Test
  void excludedNodesAreSkipped() {
    List<NodeCapacity> nodes = List.of(active("lost", 8, 16_384, 0), active("other", 2, 2048, 4));

    assertThat(NodeSelector.choose(nodes, 1, 512, PlacementPolicy.SPREAD, List.of("lost")))
        .contains("other");
    assertThat(
            NodeSelector.choose(nodes, 1, 512, PlacementPolicy.BIN_PACK, List.of("lost", "other")))
        .isEmpty();
    assertThat(NodeSelector.choose(nodes, 1, 512, PlacementPolicy.SPREAD, null)).contains("lost");
  }

  @Test
  void tiesGoToFewerWorkloadsThenTheSmallerIdWhateverTheOrder() {
    List<NodeCapacity> nodes =
        new ArrayList<>(
            List.of(
                active("n3", 2, 2048, 1),
                active("n2", 2, 2048, 1),
                active("n1", 2, 2048, 2),
                active("n4", 2, 2048, 1)));
    Random random = new Random(7);
    for (int i = 0; i < 20; i++) {
      Collections.shuffle(nodes, random);
      assertThat(spread(nodes, 1, 1024)).contains("n2");
      assertThat(binPack(nodes, 1, 1024)).contains("n2");
    }
  }

  @Test
  void nullPolicyMeansSpread() {
    List<NodeCapacity> nodes = List.of(active("small", 1, 1024, 0), active("large", 4, 4096, 0));

    assertThat(NodeSelector.choose(nodes, 0.5, 256, null, null)).contains("large");
  }

  @Test
  void negativeOrNaNRequestIsRejected() {
    List<NodeCapacity> nodes = List.of(active("a", 4, 4096, 0));

    assertThatThrownBy(() -> spread(nodes, -1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> spread(nodes, Double.NaN, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> spread(nodes, 0, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void noNodesNoChoice() {
    assertThat(spread(List.of(), 0, 0)).isEmpty();
  }
}
