package io.opsflow.pass;

import java.time.Instant;

/**
 * One executor process of a pass.
 *
 * @param passId the pass
 * @param kind {@code pod} (Kubernetes) or {@code process} (a JVM on the launching host)
 * @param id the Pod's UID, or the process id
 * @param name the Pod's name, or the host the process runs on
 * @param startedAt when it was launched
 */
public record ExecutorHandle(long passId, String kind, String id, String name, Instant startedAt) {

  public static final String POD = "pod";
  public static final String PROCESS = "process";
}
