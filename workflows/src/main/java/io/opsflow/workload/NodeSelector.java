package io.opsflow.workload;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Picks the node for a request among ACTIVE nodes with enough free CPU and memory, never the first
 * active node regardless of capacity (the seed's old bug). Pure, so it is unit-tested and used
 * inside the placement transaction.
 */
public final class NodeSelector {

  private NodeSelector() {}

  public static Optional<String> choose(
      List<NodeCapacity> nodes,
      double cpu,
      long memoryMb,
      PlacementPolicy policy,
      Collection<String> exclude) {
    Comparator<NodeCapacity> byRoomLeft =
        Comparator.comparingDouble((NodeCapacity n) -> score(n, cpu, memoryMb));
    Comparator<NodeCapacity> order =
        (policy == PlacementPolicy.BIN_PACK ? byRoomLeft : byRoomLeft.reversed())
            .thenComparingInt(NodeCapacity::workloads)
            .thenComparing(NodeCapacity::nodeId);
    return nodes.stream()
        .filter(n -> n.status() == NodeStatus.ACTIVE)
        .filter(n -> exclude == null || !exclude.contains(n.nodeId()))
        .filter(n -> n.freeCpu() + 1e-9 >= cpu && n.freeMemoryMb() >= memoryMb)
        .min(order)
        .map(NodeCapacity::nodeId);
  }

  /**
   * Room left on the node after placing the request: free cores plus free GiB (one core weighs as
   * much as one GiB, the usual ratio of cloud instance shapes).
   */
  static double score(NodeCapacity n, double cpu, long memoryMb) {
    return (n.freeCpu() - cpu) + (n.freeMemoryMb() - memoryMb) / 1024.0;
  }
}
