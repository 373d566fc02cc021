package io.opsflow.api.workload;

import io.opsflow.api.workload.WorkloadDtos.ClusterMetrics;
import io.opsflow.api.workload.WorkloadDtos.NodeHeartbeat;
import io.opsflow.api.workload.WorkloadDtos.NodeRow;
import io.opsflow.api.workload.WorkloadDtos.RegisterNode;
import io.opsflow.api.workload.WorkloadDtos.ScheduleWorkload;
import io.opsflow.api.workload.WorkloadDtos.Scheduled;
import io.opsflow.api.workload.WorkloadDtos.WorkloadEvent;
import io.opsflow.api.workload.WorkloadDtos.WorkloadRow;
import jakarta.validation.Valid;
import java.util.List;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The seed's scheduler routes: workloads, nodes (agent routes for node_agent tokens or
 * AGENT_SECRET), metrics.
 */
@RestController
@RequestMapping("/api/v1")
public class WorkloadController {

  private final WorkloadService service;
  private final WorkloadQueries queries;

  public WorkloadController(WorkloadService service, WorkloadQueries queries) {
    this.service = service;
    this.queries = queries;
  }

  /** Places the workload and answers at once with its id and node; Docker runs afterwards. */
  @PostMapping("/workloads/schedule")
  public Scheduled schedule(@Valid @RequestBody ScheduleWorkload body) {
    return service.schedule(body);
  }

  @GetMapping("/workloads")
  public List<WorkloadRow> workloads(
      @RequestParam(required = false) String status,
      @RequestParam(name = "node_id", required = false) String nodeId) {
    return queries.workloads(status, nodeId);
  }

  @GetMapping("/workloads/{id}")
  public WorkloadRow workload(@PathVariable String id) {
    return queries.workload(id);
  }

  /** The workload's append-only event log. */
  @GetMapping("/workloads/{id}/events")
  public List<WorkloadEvent> events(@PathVariable String id) {
    queries.workload(id);
    return queries.events(id);
  }

  /** Stops and removes the container; 409 when it was removed already. */
  @DeleteMapping("/workloads/{id}")
  public WorkloadRow delete(@PathVariable String id) {
    return service.remove(id);
  }

  /** Runs an ended workload again as its next revision. */
  @PostMapping("/workloads/{id}/retry")
  public Scheduled retry(@PathVariable String id) {
    return service.retry(id);
  }

  /** What an agent's call is answered with. */
  public record NodeAck(String nodeId, String status) {}

  @PostMapping("/nodes/register")
  public NodeAck register(@Valid @RequestBody RegisterNode body) {
    service.register(body);
    return new NodeAck(body.nodeId(), "Active");
  }

  @PostMapping("/nodes/heartbeat")
  public NodeAck heartbeat(@Valid @RequestBody NodeHeartbeat body) {
    service.heartbeat(body);
    return new NodeAck(body.nodeId(), "ok");
  }

  @GetMapping("/nodes")
  public List<NodeRow> nodes() {
    return queries.nodes();
  }

  @GetMapping("/cluster/metrics")
  public ClusterMetrics metrics() {
    return queries.metrics();
  }
}
