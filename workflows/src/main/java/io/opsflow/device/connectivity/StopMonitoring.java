package io.opsflow.device.connectivity;

/** An operator stops watching an endpoint; {@code reason} is required. */
public record StopMonitoring(String reason, String by) {}
