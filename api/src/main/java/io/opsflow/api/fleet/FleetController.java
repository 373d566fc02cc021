package io.opsflow.api.fleet;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opsflow.api.fleet.FleetDtos.Device;
import io.opsflow.api.fleet.FleetDtos.Fleet;
import io.opsflow.api.fleet.FleetDtos.MonitoringStarted;
import io.opsflow.api.fleet.FleetDtos.StopMonitoringBody;
import io.opsflow.api.fleet.FleetDtos.TelemetryPage;
import io.opsflow.api.fleet.FleetDtos.TransitionPage;
import io.opsflow.api.fleet.FleetDtos.UnknownSource;
import io.opsflow.api.web.ApiException;
import io.opsflow.device.connectivity.ConnectivityMonitors;
import io.opsflow.device.connectivity.ConnectivityRequest;
import io.opsflow.device.connectivity.ConnectivityView;
import io.swagger.v3.oas.annotations.Parameter;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowServiceException;
import io.temporal.client.WorkflowUpdateException;
import java.security.Principal;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The live fleet (seed 003 flow 2, what vpn-dashboard reads from HC): per tenant its devices, per
 * device its endpoints with their connectivity and the latest telemetry snapshot, a device's raw
 * records paged by id, the sources no device claims, and the connectivity history of an endpoint.
 */
@RestController
@RequestMapping("/api/v1/fleet")
public class FleetController {

  private static final int MAX_LIMIT = 1000;

  private final FleetQueries queries;
  private final ConnectivityMonitors monitors;

  public FleetController(FleetQueries queries, ConnectivityMonitors monitors) {
    this.queries = queries;
    this.monitors = monitors;
  }

  @GetMapping("/tenants/{tenantId}")
  public Fleet fleet(@PathVariable long tenantId) {
    return queries.fleet(tenantId);
  }

  @GetMapping("/devices/{deviceId}")
  public Device device(@PathVariable long deviceId) {
    return queries.device(deviceId);
  }

  /** The device's stored syslog messages, oldest first from an id cursor. */
  @GetMapping("/devices/{deviceId}/telemetry")
  public TelemetryPage telemetry(
      @PathVariable long deviceId,
      @Parameter(description = "only ids above this (the previous page's next_after)")
          @RequestParam(defaultValue = "0")
          long after,
      @Parameter(description = "1..1000") @RequestParam(defaultValue = "100") int limit) {
    if (after < 0) {
      throw ApiException.badRequest("after", "after: must be 0 or more");
    }
    return queries.telemetry(deviceId, after, limit(limit));
  }

  /** Source addresses that sent telemetry without a live endpoint of one device. */
  @GetMapping("/unknown-sources")
  public List<UnknownSource> unknownSources(
      @Parameter(description = "1..1000") @RequestParam(defaultValue = "100") int limit) {
    return queries.unknownSources(limit(limit));
  }

  /** The endpoint's status changes, newest first (flapping shows as many short-lived states). */
  @GetMapping("/endpoints/{endpointId}/transitions")
  public TransitionPage transitions(
      @PathVariable long endpointId,
      @Parameter(description = "only ids below this (the previous page's next_before); 0: newest")
          @RequestParam(defaultValue = "0")
          long before,
      @Parameter(description = "1..1000") @RequestParam(defaultValue = "100") int limit) {
    if (before < 0) {
      throw ApiException.badRequest("before", "before: must be 0 or more");
    }
    return queries.transitions(endpointId, before, limit(limit));
  }

  /** Starts watching the endpoint ({@code connectivity-<id>}); a running monitor stays. */
  @PostMapping("/endpoints/{endpointId}/monitoring")
  public MonitoringStarted startMonitoring(@PathVariable long endpointId) {
    try {
      boolean started = monitors.start(endpointId);
      return new MonitoringStarted(ConnectivityRequest.workflowId(endpointId), started);
    } catch (ConnectivityMonitors.EndpointNotLive e) {
      throw new ApiException(HttpStatus.CONFLICT, e.getMessage());
    }
  }

  /** Stops watching the endpoint, with a reason. */
  @PostMapping("/endpoints/{endpointId}/monitoring/stop")
  public ConnectivityView stopMonitoring(
      @PathVariable long endpointId,
      @RequestBody(required = false) StopMonitoringBody body,
      Principal who) {
    String reason = body == null ? null : body.reason();
    if (reason == null || reason.isBlank()) {
      throw ApiException.badRequest("reason", "reason: required to stop monitoring");
    }
    try {
      return monitors.stop(endpointId, reason, who == null ? "unknown" : who.getName());
    } catch (WorkflowNotFoundException e) {
      throw ApiException.notFound("Endpoint " + endpointId + " is not monitored");
    } catch (WorkflowServiceException e) {
      if (e.getCause() instanceof StatusRuntimeException s
          && s.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw ApiException.notFound("Endpoint " + endpointId + " is not monitored");
      }
      throw e;
    } catch (WorkflowUpdateException e) {
      throw ApiException.conflict("Endpoint " + endpointId + " is not monitored any more");
    }
  }

  private static int limit(int limit) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw ApiException.badRequest("limit", "limit: 1.." + MAX_LIMIT);
    }
    return limit;
  }
}
