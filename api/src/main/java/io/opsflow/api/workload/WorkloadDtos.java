package io.opsflow.api.workload;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Request bodies keep the seed's camelCase field names (a persys client works unchanged; the
 * snake_case spelling is accepted too); responses are snake_case like the rest of the API.
 */
public final class WorkloadDtos {

  private WorkloadDtos() {}

  /**
   * @param restartPolicy {@code never} (default), {@code on-failure}, {@code always}; also {@code
   *     on-failure:3} (Docker's spelling)
   * @param maxRestarts restarts allowed by on-failure/always (default 3 for on-failure, 0 = no
   *     limit for always)
   * @param cpu requested cores
   * @param memory requested memory in MiB
   */
  @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
  public record ScheduleWorkload(
      @NotBlank @Size(max = 200) String name,
      String type,
      @NotBlank String image,
      String command,
      @JsonAlias("env_vars") Map<String, String> envVars,
      @DecimalMin("0") Double cpu,
      @Min(0) Long memory,
      @JsonAlias("restart_policy") String restartPolicy,
      @JsonAlias("max_restarts") @Min(0) Integer maxRestarts) {}

  public record Scheduled(String workloadId, String nodeId, String status) {}

  @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
  public record RegisterNode(
      @NotBlank @Size(max = 200) String nodeId,
      @JsonAlias("ip_address") String ipAddress,
      String hostname,
      String status) {}

  /**
   * @param availableCpu cores the node offers to workloads
   * @param availableMemory MiB the node offers to workloads
   */
  @JsonNaming(PropertyNamingStrategies.LowerCamelCaseStrategy.class)
  public record NodeHeartbeat(
      @NotBlank String nodeId,
      String status,
      @JsonAlias("available_cpu") @DecimalMin("0") Double availableCpu,
      @JsonAlias("available_memory") @Min(0) Long availableMemory) {}

  public record NodeRow(
      String nodeId,
      String ipAddress,
      String hostname,
      String status,
      double availableCpu,
      long availableMemory,
      double freeCpu,
      long freeMemory,
      int workloads,
      Instant registeredAt,
      Instant lastHeartbeatAt,
      Instant inactiveSince) {}

  public record WorkloadRow(
      String id,
      String name,
      String type,
      String image,
      List<String> command,
      Map<String, String> envVars,
      double cpu,
      long memory,
      String restartPolicy,
      int maxRestarts,
      String nodeId,
      String status,
      Integer exitCode,
      String message,
      String logs,
      int revision,
      int restarts,
      Instant createdAt,
      Instant updatedAt) {}

  public record WorkloadEvent(
      long id,
      int revision,
      int sequence,
      String status,
      String nodeId,
      String message,
      Instant createdAt) {}

  public record ClusterMetrics(
      Map<String, Long> nodesByStatus,
      Map<String, Long> workloadsByStatus,
      double availableCpu,
      long availableMemory,
      double freeCpu,
      long freeMemory) {}
}
