package io.opsflow.workload;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The node and workload tables in memory, with the semantics the real activities promise: place()
 * picks by free capacity (offered minus the live workloads' requests) through {@link NodeSelector}
 * and is idempotent per (workload, revision); events are deduplicated by (workload, revision,
 * sequence); a node turning INACTIVE marks its live workloads LOST and returns them; a node turning
 * active or offering more returns the PENDING workloads.
 */
final class FakeDatabase implements WorkloadStoreActivities, NodeActivities {

  static final class NodeRow {
    final String nodeId;
    NodeStatus status = NodeStatus.ACTIVE;
    double offeredCpu;
    long offeredMemoryMb;
    String agentStatus;

    NodeRow(String nodeId) {
      this.nodeId = nodeId;
    }
  }

  static final class WorkloadRow {
    final String workloadId;
    WorkloadSpec spec;
    int revision;
    WorkloadStatus status;
    String nodeId;
    Integer exitCode;
    String message;
    String logs;

    WorkloadRow(String workloadId) {
      this.workloadId = workloadId;
    }
  }

  /** One workload_event row; sequence -1 for those the node monitor appends. */
  record Event(
      String workloadId,
      int revision,
      int sequence,
      WorkloadStatus status,
      String nodeId,
      Integer exitCode,
      String message,
      String logs,
      long atMillis) {}

  /** One NodeActivities.status call, its answer and when it ran. */
  record NodeCall(NodeStatusChange change, List<String> answer, long atMillis) {}

  private final LongSupplier clock;
  private final Map<String, NodeRow> nodes = new TreeMap<>();
  private final Map<String, WorkloadRow> workloads = new LinkedHashMap<>();
  private final List<Event> events = new ArrayList<>();
  private final Set<String> eventKeys = new HashSet<>();
  private final List<NodeCall> nodeCalls = new ArrayList<>();
  private final List<PlaceRequest> placeCalls = new ArrayList<>();

  FakeDatabase(LongSupplier clock) {
    this.clock = clock;
  }

  /** A node row as registration and a heartbeat would leave it. */
  synchronized void node(String nodeId, double cpu, long memoryMb) {
    NodeRow row = nodes.computeIfAbsent(nodeId, NodeRow::new);
    row.offeredCpu = cpu;
    row.offeredMemoryMb = memoryMb;
  }

  synchronized Optional<WorkloadRow> row(String workloadId) {
    return Optional.ofNullable(workloads.get(workloadId));
  }

  synchronized NodeRow nodeRow(String nodeId) {
    return nodes.get(nodeId);
  }

  synchronized List<Event> events(String workloadId) {
    return events.stream().filter(e -> e.workloadId().equals(workloadId)).toList();
  }

  synchronized List<WorkloadStatus> statuses(String workloadId) {
    return events(workloadId).stream().map(Event::status).toList();
  }

  synchronized List<Event> events(String workloadId, WorkloadStatus status) {
    return events(workloadId).stream().filter(e -> e.status() == status).toList();
  }

  synchronized List<NodeCall> nodeCalls(String nodeId) {
    return nodeCalls.stream().filter(c -> c.change().nodeId().equals(nodeId)).toList();
  }

  synchronized List<NodeCall> nodeCalls(String nodeId, NodeStatus status) {
    return nodeCalls(nodeId).stream().filter(c -> c.change().status() == status).toList();
  }

  synchronized List<PlaceRequest> placeCalls(String workloadId) {
    return placeCalls.stream().filter(p -> p.workloadId().equals(workloadId)).toList();
  }

  // ---- WorkloadStoreActivities -------------------------------------------------------------

  @Override
  public synchronized Placement place(PlaceRequest request) {
    placeCalls.add(request);
    WorkloadRow row = workloads.computeIfAbsent(request.workloadId(), WorkloadRow::new);
    if (row.revision == request.revision()
        && row.status != null
        && row.status.isLive()
        && !request.exclude().contains(row.nodeId)) {
      return new Placement(row.workloadId, row.nodeId, row.status);
    }
    row.spec = request.spec();
    row.revision = request.revision();
    List<NodeCapacity> capacity =
        nodes.values().stream()
            .map(
                n -> {
                  List<WorkloadRow> live = live(n.nodeId);
                  return new NodeCapacity(
                      n.nodeId,
                      n.status,
                      n.offeredCpu - live.stream().mapToDouble(w -> w.spec.cpu()).sum(),
                      n.offeredMemoryMb - live.stream().mapToLong(w -> w.spec.memoryMb()).sum(),
                      live.size());
                })
            .toList();
    Optional<String> chosen =
        NodeSelector.choose(
            capacity,
            request.spec().cpu(),
            request.spec().memoryMb(),
            request.policy(),
            request.exclude());
    WorkloadStatus next = chosen.isPresent() ? WorkloadStatus.SCHEDULED : WorkloadStatus.PENDING;
    boolean changed = next != row.status || !chosen.orElse("").equals(String.valueOf(row.nodeId));
    row.status = next;
    row.nodeId = chosen.orElse(null);
    row.exitCode = null;
    if (changed) {
      append(
          new Event(
              row.workloadId,
              row.revision,
              request.sequence(),
              next,
              row.nodeId,
              null,
              null,
              null,
              clock.getAsLong()));
    }
    return new Placement(row.workloadId, row.nodeId, next);
  }

  @Override
  public synchronized void status(StatusChange change) {
    WorkloadRow row = workloads.computeIfAbsent(change.workloadId(), WorkloadRow::new);
    boolean appended =
        append(
            new Event(
                change.workloadId(),
                change.revision(),
                change.sequence(),
                change.status(),
                change.nodeId(),
                change.exitCode(),
                change.message(),
                change.logs(),
                clock.getAsLong()));
    if (appended) {
      row.status = change.status();
      row.nodeId = change.nodeId();
      row.exitCode = change.exitCode();
      row.message = change.message();
      if (change.logs() != null) {
        row.logs = change.logs();
      }
    }
  }

  // ---- NodeActivities ----------------------------------------------------------------------

  @Override
  public synchronized List<String> status(NodeStatusChange change) {
    NodeRow row = nodes.get(change.nodeId());
    boolean fresh = row == null;
    if (fresh) {
      row = new NodeRow(change.nodeId());
      nodes.put(change.nodeId(), row);
    }
    NodeStatus before = row.status;
    double cpuBefore = row.offeredCpu;
    long memoryBefore = row.offeredMemoryMb;
    NodeReport report = change.report();
    if (report != null) {
      if (report.availableCpu() != null) {
        row.offeredCpu = report.availableCpu();
      }
      if (report.availableMemoryMb() != null) {
        row.offeredMemoryMb = report.availableMemoryMb();
      }
      if (report.agentStatus() != null) {
        row.agentStatus = report.agentStatus();
      }
    }
    row.status = change.status();
    List<String> answer = new ArrayList<>();
    if (change.status() == NodeStatus.INACTIVE) {
      for (WorkloadRow w : live(row.nodeId)) {
        w.status = WorkloadStatus.LOST;
        w.message = change.reason();
        append(
            new Event(
                w.workloadId,
                w.revision,
                -1,
                WorkloadStatus.LOST,
                row.nodeId,
                null,
                change.reason(),
                null,
                clock.getAsLong()));
        answer.add(w.workloadId);
      }
    } else if (fresh
        || before == NodeStatus.INACTIVE
        || row.offeredCpu > cpuBefore
        || row.offeredMemoryMb > memoryBefore) {
      workloads.values().stream()
          .filter(w -> w.status == WorkloadStatus.PENDING)
          .forEach(w -> answer.add(w.workloadId));
    }
    nodeCalls.add(new NodeCall(change, List.copyOf(answer), clock.getAsLong()));
    return answer;
  }

  @Override
  public synchronized List<String> liveWorkloads(LiveWorkloadsRequest request) {
    return live(request.nodeId()).stream().map(w -> w.workloadId).sorted().toList();
  }

  /** A workload row the database places on the node with this status (as a placement leaves it). */
  synchronized void assign(String workloadId, String nodeId, WorkloadStatus status) {
    WorkloadRow row = workloads.computeIfAbsent(workloadId, WorkloadRow::new);
    row.nodeId = nodeId;
    row.status = status;
  }

  private List<WorkloadRow> live(String nodeId) {
    return workloads.values().stream()
        .filter(w -> nodeId.equals(w.nodeId) && w.status != null && w.status.isLive())
        .toList();
  }

  /** Appends unless an event with that key exists (node-monitor events are never deduplicated). */
  private boolean append(Event event) {
    if (event.sequence() >= 0
        && !eventKeys.add(event.workloadId() + "/" + event.revision() + "/" + event.sequence())) {
      return false;
    }
    events.add(event);
    return true;
  }
}
