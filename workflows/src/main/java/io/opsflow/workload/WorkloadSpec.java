package io.opsflow.workload;

import java.util.List;
import java.util.Map;

/**
 * What the client asked for ({@code POST /api/v1/workloads/schedule}, seed field names).
 *
 * @param name the display name (container label {@code displayName})
 * @param type {@code docker-container}, the only type
 * @param image the image, which must be present on the node (never pulled here)
 * @param command the command, split like a shell would without expansions; empty: the image's
 * @param envVars environment variables
 * @param cpu requested cores (0 = no request)
 * @param memoryMb requested memory in MiB (0 = no request)
 * @param restart the restart policy
 */
public record WorkloadSpec(
    String name,
    String type,
    String image,
    List<String> command,
    Map<String, String> envVars,
    double cpu,
    long memoryMb,
    RestartPolicy restart) {
  public WorkloadSpec {
    command = command == null ? List.of() : List.copyOf(command);
    envVars = envVars == null ? Map.of() : Map.copyOf(envVars);
    restart = restart == null ? RestartPolicy.NEVER : restart;
  }
}
