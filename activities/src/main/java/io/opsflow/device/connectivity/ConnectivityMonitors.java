package io.opsflow.device.connectivity;

import io.opsflow.TaskQueueProperties;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributes;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Starts and stops {@code connectivity-<endpointId>} monitors. Starting is idempotent: a running
 * monitor is left alone.
 */
public class ConnectivityMonitors {

  /** The endpoint is released or does not exist. */
  public static final class EndpointNotLive extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EndpointNotLive(long endpointId) {
      super("endpoint " + endpointId + " is not a live VPN endpoint");
    }
  }

  private final WorkflowClient client;
  private final JdbcTemplate jdbc;
  private final ConnectivityProperties properties;
  private final TaskQueueProperties queues;

  public ConnectivityMonitors(
      WorkflowClient client,
      JdbcTemplate jdbc,
      ConnectivityProperties properties,
      TaskQueueProperties queues) {
    this.client = client;
    this.jdbc = jdbc;
    this.properties = properties;
    this.queues = queues;
  }

  /** Starts the endpoint's monitor unless it runs; false when it was running already. */
  public boolean start(long endpointId) {
    Integer live =
        jdbc.queryForObject(
            "select count(*) from vpn_endpoints where id = ? and released_at is null",
            Integer.class,
            endpointId);
    if (live == null || live == 0) {
      throw new EndpointNotLive(endpointId);
    }
    jdbc.update(
        "insert into connectivity_status (endpoint_id) values (?) on conflict (endpoint_id) do"
            + " update set monitoring = true, stopped_at = null, stop_reason = null",
        endpointId);
    ConnectivityWorkflow monitor =
        client.newWorkflowStub(
            ConnectivityWorkflow.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(queues.orchestration())
                .setWorkflowId(ConnectivityRequest.workflowId(endpointId))
                .setTypedSearchAttributes(
                    SearchAttributes.newBuilder()
                        .set(
                            ConnectivitySearchAttributes.STATUS, ConnectivityStatus.UNKNOWN.value())
                        .build())
                .build());
    try {
      WorkflowClient.start(
          monitor::run,
          new ConnectivityRequest(endpointId, properties.toSettings(queues.health()), null));
      return true;
    } catch (WorkflowExecutionAlreadyStarted running) {
      return false;
    }
  }

  /**
   * Starts monitors for live endpoints with none: never monitored, or monitored but not checked for
   * three intervals (the monitor is gone). Endpoints whose monitoring was stopped stay stopped.
   */
  public List<Long> startMissing() {
    long staleSeconds =
        properties.interval().multipliedBy(3).plus(properties.probeTimeout()).toSeconds();
    List<Long> candidates =
        jdbc.queryForList(
            "select e.id from vpn_endpoints e left join connectivity_status s"
                + " on s.endpoint_id = e.id where e.released_at is null and (s.endpoint_id is null"
                + " or (s.monitoring and coalesce(s.last_checked, s.started_at)"
                + " < now() - make_interval(secs => ?))) order by e.id",
            Long.class,
            staleSeconds);
    List<Long> started = new ArrayList<>();
    for (long endpoint : candidates) {
      try {
        if (start(endpoint)) {
          started.add(endpoint);
        }
      } catch (EndpointNotLive released) {
        // released since the query: nothing to watch
      }
    }
    return started;
  }

  /** Asks the endpoint's monitor to stop (an update: the reason is validated first). */
  public ConnectivityView stop(long endpointId, String reason, String by) {
    ConnectivityWorkflow monitor =
        client.newWorkflowStub(
            ConnectivityWorkflow.class, ConnectivityRequest.workflowId(endpointId));
    return monitor.stop(new StopMonitoring(reason, by));
  }

  /** The untyped stub of an endpoint's monitor. */
  public WorkflowStub stub(long endpointId) {
    return client.newUntypedWorkflowStub(ConnectivityRequest.workflowId(endpointId));
  }
}
