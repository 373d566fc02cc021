package io.opsflow.device.telemetry;

import java.time.Duration;
import java.time.ZoneId;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The syslog intake (seed 003 flow 2: devices send their telemetry to HC over syslog).
 *
 * @param enabled listen at all (the workers app and the all-in-one app turn it on)
 * @param bindAddress address both listeners bind; loopback by default, the Nebula overlay address
 *     of the host in a deployment
 * @param udpPort UDP port (0: any free port, for tests); -1: no UDP listener
 * @param tcpPort TCP port, octet-counting or newline framing (0: any free port); -1: no TCP
 * @param queueCapacity messages held between the sockets and the database writer; when full, TCP
 *     stops reading (back-pressure) and UDP counts the datagram as dropped
 * @param batchSize messages written to PostgreSQL in one statement at most
 * @param flushInterval the longest a received message waits for its batch to fill
 * @param udpReceiveBuffer SO_RCVBUF asked for the UDP socket (the kernel caps it at
 *     net.core.rmem_max)
 * @param maxMessageLength longest message kept; the rest of a longer one is discarded
 * @param endpointRefresh how old the source-IP to device map may get; an unknown address reloads it
 *     sooner (at most once a second), so new endpoints count without a restart
 * @param bsdZone zone of RFC 3164 timestamps, which carry none
 * @param relpPort RELP port (rsyslog's omrelp, the simulators' RelpSender): each message is
 *     acknowledged only once committed, and resent messages are stored once (0: any free port); -1:
 *     no RELP listener. A RELP frame with more than max-message-length bytes of data ends the
 *     session ({@code serverclose})
 */
@ConfigurationProperties(prefix = "opsflow.telemetry.syslog")
public record SyslogProperties(
    @DefaultValue("false") boolean enabled,
    @DefaultValue("127.0.0.1") String bindAddress,
    @DefaultValue("5514") int udpPort,
    @DefaultValue("5514") int tcpPort,
    @DefaultValue("200000") int queueCapacity,
    @DefaultValue("2000") int batchSize,
    @DefaultValue("50ms") Duration flushInterval,
    @DefaultValue("8388608") int udpReceiveBuffer,
    @DefaultValue("65536") int maxMessageLength,
    @DefaultValue("10s") Duration endpointRefresh,
    @DefaultValue("UTC") ZoneId bsdZone,
    @DefaultValue("-1") int relpPort) {

  public SyslogProperties {
    if (queueCapacity < 1 || batchSize < 1 || maxMessageLength < 480) {
      throw new IllegalArgumentException(
          "opsflow.telemetry.syslog: queue-capacity and batch-size must be positive and"
              + " max-message-length at least 480 (RFC 5424's minimum)");
    }
  }

  /** Defaults with the given ports (no RELP), for tests and benchmarks. */
  public static SyslogProperties onPorts(int udpPort, int tcpPort) {
    return onPorts(udpPort, tcpPort, -1);
  }

  /** Defaults with the given ports, for tests and benchmarks. */
  public static SyslogProperties onPorts(int udpPort, int tcpPort, int relpPort) {
    return new SyslogProperties(
        true,
        "127.0.0.1",
        udpPort,
        tcpPort,
        200_000,
        2000,
        Duration.ofMillis(50),
        8 << 20,
        65536,
        Duration.ofSeconds(10),
        ZoneId.of("UTC"),
        relpPort);
  }
}
