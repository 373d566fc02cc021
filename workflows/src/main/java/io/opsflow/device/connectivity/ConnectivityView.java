package io.opsflow.device.connectivity;

/** A monitor's state, for the query. */
public record ConnectivityView(long endpointId, Health health, String reason, boolean stopping) {}
