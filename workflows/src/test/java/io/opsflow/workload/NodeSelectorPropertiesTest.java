package io.opsflow.workload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** NodeSelector's guarantees over generated clusters (few distinct values, so ties are common). */
class NodeSelectorPropertiesTest {

  @Property
  void chosenNodeIsActiveNotExcludedAndFits(
      @ForAll("clusters") List<NodeCapacity> nodes,
      @ForAll("cpus") double cpu,
      @ForAll("memories") long memoryMb,
      @ForAll PlacementPolicy policy,
      @ForAll @IntRange(min = 0, max = 3) int excluded) {
    List<String> exclude = nodes.stream().limit(excluded).map(NodeCapacity::nodeId).toList();

    Optional<String> chosen = NodeSelector.choose(nodes, cpu, memoryMb, policy, exclude);

    List<NodeCapacity> eligible = eligible(nodes, cpu, memoryMb, exclude);
    if (chosen.isEmpty()) {
      assertThat(eligible).isEmpty();
      return;
    }
    NodeCapacity node = byId(nodes, chosen.get());
    assertThat(node.status()).isEqualTo(NodeStatus.ACTIVE);
    assertThat(exclude).doesNotContain(node.nodeId());
    assertThat(node.freeCpu() + 1e-9).isGreaterThanOrEqualTo(cpu);
    assertThat(node.freeMemoryMb()).isGreaterThanOrEqualTo(memoryMb);
  }

  @Property
  void spreadLeavesNoFittingNodeWithMoreRoom(
      @ForAll("clusters") List<NodeCapacity> nodes,
      @ForAll("cpus") double cpu,
      @ForAll("memories") long memoryMb) {
    Optional<String> chosen =
        NodeSelector.choose(nodes, cpu, memoryMb, PlacementPolicy.SPREAD, List.of());

    chosen.ifPresent(
        id -> {
          double room = NodeSelector.roomLeft(byId(nodes, id), cpu, memoryMb);
          assertThat(eligible(nodes, cpu, memoryMb, List.of()))
              .allSatisfy(
                  other ->
                      assertThat(NodeSelector.roomLeft(other, cpu, memoryMb))
                          .isLessThanOrEqualTo(room));
        });
  }

  @Property
  void binPackLeavesNoFittingNodeWithLessRoom(
      @ForAll("clusters") List<NodeCapacity> nodes,
      @ForAll("cpus") double cpu,
      @ForAll("memories") long memoryMb) {
    Optional<String> chosen =
        NodeSelector.choose(nodes, cpu, memoryMb, PlacementPolicy.BIN_PACK, List.of());

    chosen.ifPresent(
        id -> {
          double room = NodeSelector.roomLeft(byId(nodes, id), cpu, memoryMb);
          assertThat(eligible(nodes, cpu, memoryMb, List.of()))
              .allSatisfy(
                  other ->
                      assertThat(NodeSelector.roomLeft(other, cpu, memoryMb))
                          .isGreaterThanOrEqualTo(room));
        });
  }

  @Property
  void choiceDoesNotDependOnTheOrderOfTheNodes(
      @ForAll("clusters") List<NodeCapacity> nodes,
      @ForAll("cpus") double cpu,
      @ForAll("memories") long memoryMb,
      @ForAll PlacementPolicy policy,
      @ForAll long seed) {
    List<NodeCapacity> shuffled = new ArrayList<>(nodes);
    Collections.shuffle(shuffled, new Random(seed));

    assertThat(NodeSelector.choose(shuffled, cpu, memoryMb, policy, List.of()))
        .isEqualTo(NodeSelector.choose(nodes, cpu, memoryMb, policy, List.of()));
  }

  @Provide
  Arbitrary<List<NodeCapacity>> clusters() {
    Arbitrary<NodeStatus> status =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(4, Arbitraries.just(NodeStatus.ACTIVE)),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(NodeStatus.INACTIVE)));
    Arbitrary<double[]> shape =
        Combinators.combine(
                Arbitraries.of(-0.5, 0.0, 0.5, 1.0, 2.0, 4.0),
                Arbitraries.of(-256L, 0L, 256L, 1024L, 2048L, 8192L),
                Arbitraries.integers().between(0, 3),
                status)
            .as((c, m, w, s) -> new double[] {c, m, w, s.ordinal()});
    return shape
        .list()
        .ofMaxSize(6)
        .map(
            shapes -> {
              List<NodeCapacity> nodes = new ArrayList<>();
              for (int i = 0; i < shapes.size(); i++) {
                double[] s = shapes.get(i);
                nodes.add(
                    new NodeCapacity(
                        "n" + i, NodeStatus.values()[(int) s[3]], s[0], (long) s[1], (int) s[2]));
              }
              return nodes;
            });
  }

  @Provide
  Arbitrary<Double> cpus() {
    return Arbitraries.of(0.0, 0.25, 0.5, 1.0, 2.0, 3.0);
  }

  @Provide
  Arbitrary<Long> memories() {
    return Arbitraries.of(0L, 128L, 256L, 1024L, 4096L);
  }

  private static List<NodeCapacity> eligible(
      List<NodeCapacity> nodes, double cpu, long memoryMb, List<String> exclude) {
    return nodes.stream()
        .filter(n -> n.status() == NodeStatus.ACTIVE)
        .filter(n -> !exclude.contains(n.nodeId()))
        .filter(n -> NodeSelector.fits(n, cpu, memoryMb))
        .toList();
  }

  private static NodeCapacity byId(List<NodeCapacity> nodes, String id) {
    return nodes.stream().filter(n -> n.nodeId().equals(id)).findFirst().orElseThrow();
  }
}
