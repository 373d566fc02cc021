package io.opsflow.device;

/** The operator's decommission of a device: its certificates revoked, its address released. */
public record Decommission(String reason, String requestedBy) {}
