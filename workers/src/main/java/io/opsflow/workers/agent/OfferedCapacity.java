package io.opsflow.workers.agent;

import java.lang.management.ManagementFactory;

/**
 * What a node offers to the scheduler. Configured values win; otherwise the machine's processors
 * and physical memory minus a reserve for the OS, the agent and the engine. The scheduler subtracts
 * the requests of the workloads it placed here, so the offer is the node's size, not its momentary
 * free memory (which would count the running workloads twice).
 *
 * @param cpu cores
 * @param memoryMb MiB
 */
record OfferedCapacity(double cpu, long memoryMb) {

  private static final long MIB = 1024L * 1024L;

  static OfferedCapacity of(
      double configuredCpu, long configuredMemoryMb, double reservedCpu, long reservedMemoryMb) {
    double cpu =
        configuredCpu > 0
            ? configuredCpu
            : Math.max(0, Runtime.getRuntime().availableProcessors() - Math.max(0, reservedCpu));
    long memory =
        configuredMemoryMb > 0
            ? configuredMemoryMb
            : Math.max(0, totalMemoryMb() - Math.max(0, reservedMemoryMb));
    return new OfferedCapacity(cpu, memory);
  }

  static long totalMemoryMb() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize() / MIB;
    }
    // Not a HotSpot-like JVM: what this JVM may use is the best lower bound at hand.
    return Runtime.getRuntime().maxMemory() / MIB;
  }
}
