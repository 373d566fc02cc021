package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.device.telemetry.SyslogIntake;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The fleet dashboard over HTTP on the all-in-one app: telemetry sent with util-linux logger to its
 * syslog intake, connectivity from its own monitors pinging 127.x, read back with a viewer token.
 * Tenants, devices and endpoints are written with SQL (onboarding is another flow).
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=fleet-api-it",
      "opsflow.connectivity.interval=2s"
    })
class FleetApiIT {

  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired SyslogIntake intake;

  private long tenant;
  private long drone;
  private long endpoint;

  private void fleet(String ip) {
    String name = "fleet-" + System.nanoTime();
    tenant =
        jdbc.queryForObject(
            "insert into tenants (name, mesh_cidr) values (?, '127.0.0.0/8') returning id",
            Long.class,
            name);
    drone =
        jdbc.queryForObject(
            "insert into devices (tenant_id, name, device_type, role, created_by)"
                + " values (?, 'drone-1', 'drone', 'primary', 'it') returning id",
            Long.class,
            tenant);
    endpoint =
        jdbc.queryForObject(
            "insert into vpn_endpoints (device_id, tenant_id, ip_address, role)"
                + " values (?, ?, ?::inet, 'primary') returning id",
            Long.class,
            drone,
            tenant,
            ip);
  }

  private static void logger(String... args) throws Exception {
    var command = new java.util.ArrayList<>(java.util.List.of("logger"));
    command.addAll(java.util.List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue())
        .as(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .isZero();
  }

  private static JsonNode await(
      String what, Supplier<JsonNode> read, java.util.function.Predicate<JsonNode> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonNode last = read.get();
    while (!done.test(last)) {
      assertThat(System.nanoTime())
          .as("waiting for " + what + ", last: " + last)
          .isLessThan(deadline);
      Thread.sleep(200);
      last = read.get();
    }
    return last;
  }

  @Test
  void theDashboardShowsConnectivityAndTheLatestTelemetryOfEachDevice() throws Exception {
    fleet("127.0.0.1");
    ApiClient viewer = new ApiClient(port).as("it-viewer");
    ApiClient admin = new ApiClient(port).as("it-admin");

    // Viewers read, they do not start monitors.
    assertThat(viewer.post("/api/v1/fleet/endpoints/" + endpoint + "/monitoring", null).status())
        .isEqualTo(403);
    JsonNode started =
        admin.ok(admin.post("/api/v1/fleet/endpoints/" + endpoint + "/monitoring", null), 200);
    assertThat(started.path("workflow_id").asText()).isEqualTo("connectivity-" + endpoint);
    assertThat(started.path("started").asBoolean()).isTrue();
    logger(
        "--server",
        "127.0.0.1",
        "--port",
        String.valueOf(intake.udpPort()),
        "--udp",
        "--rfc5424",
        "-t",
        "mavlink",
        "--msgid",
        "GLOBAL_POSITION_INT",
        "--sd-id",
        "mavlink@32473",
        "--sd-param",
        "lat=\"47.3977419\"",
        "--sd-param",
        "lon=\"8.5455938\"",
        "--sd-param",
        "alt=\"488.2\"",
        "--sd-param",
        "relative_alt=\"12.5\"",
        "fix");

    JsonNode device =
        await(
            "online with a GPS fix",
            () -> viewer.ok(viewer.get("/api/v1/fleet/devices/" + drone), 200),
            d ->
                d.path("connectivity").asText().equals("online")
                    && d.at("/telemetry/gps/latitude").isNumber());
    assertThat(device.path("device_type").asText()).isEqualTo("drone");
    assertThat(device.path("role").asText()).isEqualTo("primary");
    assertThat(device.at("/endpoints/0/ip_address").asText()).isEqualTo("127.0.0.1");
    assertThat(device.at("/endpoints/0/connectivity/status").asText()).isEqualTo("online");
    assertThat(device.at("/endpoints/0/connectivity/rtt_ms").asDouble()).isPositive();
    assertThat(device.at("/telemetry/gps/longitude").asDouble()).isEqualTo(8.5455938);
    assertThat(device.at("/telemetry/gps/relative_altitude_m").asDouble()).isEqualTo(12.5);
    assertThat(device.at("/first_contact/via").asText()).isIn("ping", "telemetry");

    JsonNode fleet = viewer.ok(viewer.get("/api/v1/fleet/tenants/" + tenant), 200);
    assertThat(fleet.path("devices")).hasSize(1);
    assertThat(fleet.at("/connectivity/online").asLong()).isEqualTo(1);

    JsonNode page =
        viewer.ok(viewer.get("/api/v1/fleet/devices/" + drone + "/telemetry?limit=1"), 200);
    assertThat(page.path("items")).hasSize(1);
    assertThat(page.at("/items/0/structured_data/mavlink@32473/lat").asText())
        .isEqualTo("47.3977419");
    assertThat(page.at("/items/0/msg_id").asText()).isEqualTo("GLOBAL_POSITION_INT");
    long next = page.path("next_after").asLong();
    JsonNode after =
        viewer.ok(viewer.get("/api/v1/fleet/devices/" + drone + "/telemetry?after=" + next), 200);
    assertThat(after.path("items")).isEmpty();
    assertThat(after.path("has_more").asBoolean()).isFalse();

    JsonNode transitions =
        viewer.ok(viewer.get("/api/v1/fleet/endpoints/" + endpoint + "/transitions"), 200);
    assertThat(transitions.at("/items/0/to_status").asText()).isEqualTo("online");

    // An operator stops the monitor, with a reason.
    ApiClient.Answer noReason =
        admin.post("/api/v1/fleet/endpoints/" + endpoint + "/monitoring/stop", "{}");
    assertThat(noReason.status()).isEqualTo(400);
    assertThat(noReason.body().path("field").asText()).isEqualTo("reason");
    admin.ok(
        admin.post(
            "/api/v1/fleet/endpoints/" + endpoint + "/monitoring/stop",
            "{\"reason\":\"maintenance\"}"),
        200);
    JsonNode stopped =
        await(
            "monitoring stopped",
            () -> viewer.ok(viewer.get("/api/v1/fleet/devices/" + drone), 200),
            d -> !d.at("/endpoints/0/connectivity/monitoring").asBoolean());
    assertThat(stopped.at("/endpoints/0/connectivity/stop_reason").asText())
        .isEqualTo("stopped by it-admin: maintenance");
  }

  @Test
  void badInputIsA4xxNamingTheFieldAndUnknownSourcesAreListed() throws Exception {
    fleet("127.0.0.9");
    ApiClient viewer = new ApiClient(port).as("it-viewer");
    assertThat(viewer.get("/api/v1/fleet/devices/999999999").status()).isEqualTo(404);
    ApiClient admin = new ApiClient(port).as("it-admin");
    assertThat(
            admin
                .post(
                    "/api/v1/fleet/endpoints/" + endpoint + "/monitoring/stop",
                    "{\"reason\":\"never watched\"}")
                .status())
        .isEqualTo(404);
    assertThat(admin.post("/api/v1/fleet/endpoints/999999999/monitoring", null).status())
        .isEqualTo(409);
    assertThat(viewer.get("/api/v1/fleet/tenants/999999999").status()).isEqualTo(404);
    ApiClient.Answer badLimit = viewer.get("/api/v1/fleet/devices/" + drone + "/telemetry?limit=0");
    assertThat(badLimit.status()).isEqualTo(400);
    assertThat(badLimit.body().path("field").asText()).isEqualTo("limit");
    assertThat(viewer.get("/api/v1/fleet/devices/" + drone + "/telemetry?after=-1").status())
        .isEqualTo(400);
    assertThat(new ApiClient(port).anonymous().get("/api/v1/fleet/unknown-sources").status())
        .isEqualTo(401);

    // 127.0.0.5 is no endpoint: kept, flagged, listed.
    try (var socket = new java.net.DatagramSocket(new java.net.InetSocketAddress("127.0.0.5", 0))) {
      byte[] bytes = "<14>Dec  4 14:49:58 stray app: who am I".getBytes(StandardCharsets.UTF_8);
      socket.send(
          new java.net.DatagramPacket(
              bytes, bytes.length, new java.net.InetSocketAddress("127.0.0.1", intake.udpPort())));
    }
    JsonNode sources =
        await(
            "the unknown source",
            () -> viewer.ok(viewer.get("/api/v1/fleet/unknown-sources"), 200),
            s -> s.findValuesAsText("source_ip").contains("127.0.0.5"));
    assertThat(sources.get(0).path("records").asLong()).isPositive();
  }
}
