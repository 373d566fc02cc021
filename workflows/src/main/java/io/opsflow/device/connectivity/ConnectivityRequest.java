package io.opsflow.device.connectivity;

/**
 * Input of {@link ConnectivityWorkflow}.
 *
 * @param endpointId the VPN endpoint watched
 * @param settings how
 * @param carried the previous run's state after continue-as-new, null on the first run
 */
public record ConnectivityRequest(long endpointId, ConnectivitySettings settings, Health carried) {

  /** The workflow id of an endpoint's monitor. */
  public static String workflowId(long endpointId) {
    return "connectivity-" + endpointId;
  }

  public ConnectivityRequest carrying(Health health) {
    return new ConnectivityRequest(endpointId, settings, health);
  }
}
