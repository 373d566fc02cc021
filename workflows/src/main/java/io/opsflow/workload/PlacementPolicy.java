package io.opsflow.workload;

/** How a node is chosen among those with room (opsflow.workloads.placement). */
public enum PlacementPolicy {
  /** The node with the most free capacity after placement (Nomad's spread): even load. */
  SPREAD,
  /** The node with the least free capacity that still fits (Nomad's default binpack). */
  BIN_PACK
}
