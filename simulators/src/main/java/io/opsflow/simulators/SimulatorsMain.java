package io.opsflow.simulators;

import io.opsflow.simulators.flight.TlogForwarder;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Command-line launcher for manual demos; runs until killed.
 *
 * <pre>
 * plug    --port 8181 [--power 45.2]
 * router  --port 8182 --user admin --password secret
 * gateway --port 8183 --key sk_test_opsflow
 * agent   --url ws://127.0.0.1:8080/ws/agent/1 --token TOKEN [--heartbeat 30]
 * groundstation --port 8190 [--hk-ms 1000] [--offset-ms 0] [--drift-ppm 0]
 * flight  --tlog FILE --to udp://127.0.0.1:5514 [--speed 50] [--hostname drone-1] [--limit N]
 * all     (plug, router and gateway on 8181-8183 with the values above)
 * </pre>
 */
public final class SimulatorsMain {

  private static final String USAGE =
      """
      usage: SimulatorsMain <command> [options]
        plug    --port 8181 [--power 45.2]
        router  --port 8182 --user admin --password secret
        gateway --port 8183 --key sk_test_opsflow
        agent   --url ws://127.0.0.1:8080/ws/agent/1 --token TOKEN [--heartbeat 30]
        groundstation --port 8190 [--hk-ms 1000] [--offset-ms 0] [--drift-ppm 0]
        flight  --tlog FILE --to udp://127.0.0.1:5514|tcp://... [--speed 50] [--hostname drone-1]
                [--limit N]   (replays a MAVLink tlog as RFC 5424 syslog, then exits)
        all     plug, router and gateway on 8181, 8182, 8183
      """;

  private SimulatorsMain() {}

  /** Entry point; see the class comment for the commands. */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.print(USAGE);
      System.exit(2);
    }
    if (args[0].equals("flight")) {
      TlogForwarder.main(Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    Map<String, String> opts = options(args);
    List<AutoCloseable> running = new ArrayList<>();
    switch (args[0]) {
      case "plug" -> running.add(plug(intOpt(opts, "port", 8181), opts.get("power")));
      case "router" ->
          running.add(
              router(
                  intOpt(opts, "port", 8182),
                  opts.getOrDefault("user", "admin"),
                  opts.getOrDefault("password", "secret")));
      case "gateway" ->
          running.add(
              gateway(intOpt(opts, "port", 8183), opts.getOrDefault("key", "sk_test_opsflow")));
      case "agent" -> running.add(agent(opts));
      case "groundstation" -> running.add(groundStation(opts));
      case "all" -> {
        running.add(plug(8181, opts.get("power")));
        running.add(router(8182, "admin", "secret"));
        running.add(gateway(8183, "sk_test_opsflow"));
      }
      default -> {
        System.err.print(USAGE);
        System.exit(2);
      }
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (AutoCloseable simulator : running) {
                    try {
                      simulator.close();
                    } catch (Exception e) {
                      System.err.println("close failed: " + e);
                    }
                  }
                  stopped.countDown();
                }));
    System.out.println("Running; Ctrl+C to stop.");
    stopped.await();
  }

  private static ShellyPlugSimulator plug(int port, String power) throws IOException {
    ShellyPlugSimulator plug = ShellyPlugSimulator.start(port);
    if (power != null) {
      plug.setPowerWatts(Double.parseDouble(power));
    }
    System.out.println(
        "Shelly plug (Gen1 API) on "
            + plug.baseUrl()
            + "  try: curl '"
            + plug.baseUrl()
            + "/relay/0?turn=on&timer=60'");
    return plug;
  }

  private static RouterOsSimulator router(int port, String user, String password)
      throws IOException {
    RouterOsSimulator router = RouterOsSimulator.start(port, user, password);
    System.out.println(
        "RouterOS REST on "
            + router.baseUrl()
            + " (basic auth "
            + user
            + ")  try: curl -u "
            + user
            + ":"
            + password
            + " "
            + router.baseUrl()
            + "/rest/ip/firewall/filter");
    return router;
  }

  private static CardGatewaySimulator gateway(int port, String key) throws IOException {
    CardGatewaySimulator gateway = CardGatewaySimulator.start(port, key);
    System.out.println(
        "Card gateway (Stripe-shaped) on "
            + gateway.baseUrl()
            + "  try: curl -H '"
            + "Authorization: Bearer "
            + key
            + "' -d amount=500 -d currency=eur "
            + gateway.baseUrl()
            + "/v1/payment_intents");
    return gateway;
  }

  private static PcAgentSimulator agent(Map<String, String> opts) {
    String url = opts.getOrDefault("url", "ws://127.0.0.1:8080/ws/agent/1");
    String token = opts.get("token");
    if (token == null) {
      System.err.print(USAGE);
      System.exit(2);
    }
    PcAgentSimulator.Options options =
        PcAgentSimulator.Options.defaults()
            .withHeartbeatInterval(Duration.ofSeconds(intOpt(opts, "heartbeat", 30)));
    System.out.println("PC agent connecting to " + url);
    PcAgentSimulator agent = new PcAgentSimulator(URI.create(url), token, options);
    agent.setMessageListener(
        message ->
            System.out.printf(
                "<- %s%n   locked=%s loggedOff=%s session=%s remaining=%s%n",
                message,
                agent.isLocked(),
                agent.isLoggedOff(),
                agent.currentSessionId(),
                agent.remainingSeconds()));
    agent.start();
    System.out.println(
        agent.isConnected()
            ? "connected; locked=" + agent.isLocked()
            : "not connected (failures="
                + agent.connectFailures()
                + ", handshake status="
                + agent.lastHandshakeStatus()
                + "); retrying with backoff");
    return agent;
  }

  private static GroundStationSimulator groundStation(Map<String, String> opts) throws IOException {
    GroundStationSimulator station =
        GroundStationSimulator.start(
            intOpt(opts, "port", 8190),
            GroundStationSimulator.Options.defaults()
                .withTelemetryInterval(Duration.ofMillis(intOpt(opts, "hk-ms", 1000)))
                .withOnboardClock(
                    Duration.ofMillis(intOpt(opts, "offset-ms", 0)),
                    Double.parseDouble(opts.getOrDefault("drift-ppm", "0"))));
    System.out.println(
        "Ground station (CCSDS space packets over TCP) on "
            + station.endpoint()
            + ": TC in, ack TM on APID 0x001, housekeeping TM on APID 0x064");
    return station;
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> opts = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      if (args[i].startsWith("--") && i + 1 < args.length) {
        opts.put(args[i].substring(2), args[++i]);
      } else {
        System.err.println("ignoring argument " + args[i]);
      }
    }
    return opts;
  }

  private static int intOpt(Map<String, String> opts, String name, int fallback) {
    String value = opts.get(name);
    return value == null ? fallback : Integer.parseInt(value);
  }
}
