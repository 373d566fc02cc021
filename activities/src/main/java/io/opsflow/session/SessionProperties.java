package io.opsflow.session;

import java.math.BigDecimal;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Session timing configuration; copied into each workflow's input as {@link SessionSettings}.
 *
 * @param currency ISO currency of prices, lower case as the gateway expects
 * @param defaultHourlyRate price per hour of a station created without one
 * @param logoffGrace time a PC user has to save before the agent logs off (seed: 30 s)
 * @param warningLead warning before the end (agent notice, event before a console's power cut)
 * @param powerPollInterval console plug power logging interval (seed: 60 s)
 * @param failSafeMargin added to the plug's own off timer and the router allow entry's timeout
 * @param paymentTimeout how long a card payment may wait for confirmation
 * @param stationStartTimeout how long powering a console on may be retried before refunding
 * @param enforcementTimeout how long end-of-session device enforcement is retried
 * @param agentDeliveryTimeout how long a message to an agent waits to be picked up
 * @param agentHeartbeatTimeout agent silence after which its station is OFFLINE (3 beats)
 */
@ConfigurationProperties(prefix = "opsflow.sessions")
public record SessionProperties(
    @DefaultValue("usd") String currency,
    @DefaultValue("6.00") BigDecimal defaultHourlyRate,
    @DefaultValue("30s") Duration logoffGrace,
    @DefaultValue("60s") Duration warningLead,
    @DefaultValue("60s") Duration powerPollInterval,
    @DefaultValue("2m") Duration failSafeMargin,
    @DefaultValue("15m") Duration paymentTimeout,
    @DefaultValue("20s") Duration stationStartTimeout,
    @DefaultValue("24h") Duration enforcementTimeout,
    @DefaultValue("5s") Duration agentDeliveryTimeout,
    @DefaultValue("90s") Duration agentHeartbeatTimeout) {

  /** The settings recorded in a new session's workflow input. */
  public SessionSettings toSettings(String devicesTaskQueue) {
    return new SessionSettings(
        devicesTaskQueue,
        logoffGrace,
        warningLead,
        powerPollInterval,
        failSafeMargin,
        paymentTimeout,
        stationStartTimeout,
        enforcementTimeout,
        agentDeliveryTimeout);
  }
}
