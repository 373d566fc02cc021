package io.opsflow.session;

import java.time.Duration;

/**
 * Per-session timings and routing, taken from configuration by the starter and recorded in the
 * workflow input so that every run of the history sees the same values.
 *
 * @param devicesTaskQueue queue of the device and payment-gateway workers
 * @param logoffGrace time a PC user has to save before the agent logs off (seed: 30 s)
 * @param warningLead how long before the end the user is warned (and a console before power off)
 * @param powerPollInterval plug power logging interval during a console session (seed: 60 s)
 * @param failSafeMargin added to the plug's own timer and the router entry's timeout
 * @param paymentTimeout how long a card payment may stay unconfirmed
 * @param stationStartTimeout how long starting a console may be retried before refunding
 * @param enforcementTimeout how long end-of-session enforcement of a device is retried
 * @param agentDeliveryTimeout how long a message waits for the agent's process to pick it up
 */
public record SessionSettings(
    String devicesTaskQueue,
    Duration logoffGrace,
    Duration warningLead,
    Duration powerPollInterval,
    Duration failSafeMargin,
    Duration paymentTimeout,
    Duration stationStartTimeout,
    Duration enforcementTimeout,
    Duration agentDeliveryTimeout) {

  /** The defaults of a real venue. */
  public static SessionSettings defaults() {
    return new SessionSettings(
        "devices",
        Duration.ofSeconds(30),
        Duration.ofSeconds(60),
        Duration.ofSeconds(60),
        Duration.ofMinutes(2),
        Duration.ofMinutes(15),
        Duration.ofSeconds(20),
        Duration.ofHours(24),
        Duration.ofSeconds(5));
  }
}
