package io.opsflow.workload;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Picks the node for a request among ACTIVE nodes with enough free CPU and memory, never the first
 * active node regardless of capacity (the seed's old bug). Pure, so it is unit-tested and used
 * inside the placement transaction.
 *
 * <p>Policy: {@link PlacementPolicy#SPREAD} takes the node with the most room left after placing
 * the request, {@link PlacementPolicy#BIN_PACK} the one with the least room left that still fits.
 * Ties go to the node with fewer live workloads, then to the smaller node id, so the choice does
 * not depend on the order of the list.
 */
public final class NodeSelector {

  /** Tolerance for CPU sums such as 0.1 + 0.2 that must fit into 0.3 free cores. */
  private static final double CPU_EPSILON = 1e-9;

  private NodeSelector() {}

  /**
   * @param cpu requested cores, 0 for none
   * @param memoryMb requested MiB, 0 for none
   * @param policy null means SPREAD
   * @param exclude node ids never chosen (may be null)
   * @return the chosen node id, empty when no node fits
   * @throws IllegalArgumentException for a negative or NaN request
   */
  public static Optional<String> choose(
      List<NodeCapacity> nodes,
      double cpu,
      long memoryMb,
      PlacementPolicy policy,
      Collection<String> exclude) {
    if (!(cpu >= 0) || memoryMb < 0) {
      throw new IllegalArgumentException(
          "requests must not be negative: cpu=" + cpu + " memoryMb=" + memoryMb);
    }
    Comparator<NodeCapacity> byRoomLeft =
        Comparator.comparingDouble((NodeCapacity n) -> roomLeft(n, cpu, memoryMb));
    Comparator<NodeCapacity> order =
        (policy == PlacementPolicy.BIN_PACK ? byRoomLeft : byRoomLeft.reversed())
            .thenComparingInt(NodeCapacity::workloads)
            .thenComparing(NodeCapacity::nodeId);
    return nodes.stream()
        .filter(n -> n.status() == NodeStatus.ACTIVE)
        .filter(n -> exclude == null || !exclude.contains(n.nodeId()))
        .filter(n -> fits(n, cpu, memoryMb))
        .min(order)
        .map(NodeCapacity::nodeId);
  }

  /** Whether the node has the free CPU and memory the request needs (status aside). */
  public static boolean fits(NodeCapacity n, double cpu, long memoryMb) {
    return n.freeCpu() + CPU_EPSILON >= cpu && n.freeMemoryMb() >= memoryMb;
  }

  /**
   * Room left on the node after placing the request: free cores plus free GiB (one core weighs as
   * much as one GiB, the usual ratio of cloud instance shapes).
   */
  public static double roomLeft(NodeCapacity n, double cpu, long memoryMb) {
    return (n.freeCpu() - cpu) + (n.freeMemoryMb() - memoryMb) / 1024.0;
  }
}
