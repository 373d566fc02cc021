package io.opsflow.workers;

/**
 * Sizing of the JVM's virtual-thread scheduler, set by the main methods before any virtual thread
 * exists. Tomcat's request handlers, the Temporal pollers, activities and cached workflows all run
 * on virtual threads, carried by as many platform threads as there are cores. A virtual thread that
 * waits for a class to be initialised, or sits in native code, keeps its carrier; on a 2-core
 * machine two such waits at start-up leave no carrier for the rest, requests included. At least 4
 * carriers keep that from stalling the process; an explicit {@value #PARALLELISM} wins.
 */
public final class VirtualThreads {

  /** The JDK's system property for the number of carrier threads. */
  public static final String PARALLELISM = "jdk.virtualThreadScheduler.parallelism";

  static final int MINIMUM_CARRIERS = 4;

  private VirtualThreads() {}

  /** Sets the carrier count to max(cores, 4) unless it is set already. */
  public static void configure() {
    if (System.getProperty(PARALLELISM) == null) {
      int carriers = Math.max(Runtime.getRuntime().availableProcessors(), MINIMUM_CARRIERS);
      System.setProperty(PARALLELISM, Integer.toString(carriers));
    }
  }
}
