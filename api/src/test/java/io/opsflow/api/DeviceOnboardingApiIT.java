package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.device.DeviceOnboardingRequest;
import io.temporal.client.WorkflowClient;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Device onboarding over HTTP with tokens from the embedded issuer: tenants with their CA, devices
 * onboarded by their workflow before the answer (own key, or a single-use enrollment code), the
 * installer run by {@code sh} into a temporary root and its files accepted by {@code nebula-cert
 * verify} and {@code nebula -test}, who may fetch it, exhaustion a 409, decommission into the
 * blocklist the config serves, and no private key in any workflow history.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=device-api-it"
    })
class DeviceOnboardingApiIT {

  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final Pattern CODE = Pattern.compile("\\{\"code\":\"([A-Za-z0-9_-]+)\"\\}");

  @LocalServerPort int port;
  @Autowired WorkflowClient client;
  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  private ApiClient pki() {
    return new ApiClient(port).as("it-pki");
  }

  private long tenant(String cidr) {
    String name = "acme-" + System.nanoTime() % 1_000_000 + "-" + NAMES.incrementAndGet();
    String body =
        "{\"name\":\""
            + name
            + "\",\"mesh_cidr\":\""
            + cidr
            + "\",\"lighthouse_endpoint\":\"127.0.0.1:4242\"}";
    JsonNode tenant = pki().ok(pki().post("/api/v1/tenants", body), 201);
    assertThat(tenant.path("ca_certificate").asText()).startsWith("-----BEGIN NEBULA CERTIFICATE");
    return tenant.path("id").asLong();
  }

  private static String device(long tenant, String name, String publicKey, String assignedTo) {
    return "{\"tenant_id\":"
        + tenant
        + ",\"name\":\""
        + name
        + "\",\"device_type\":\"drone\",\"groups\":[\"cameras\"]"
        + (assignedTo == null ? "" : ",\"assigned_to\":\"" + assignedTo + "\"")
        + (publicKey == null ? "" : ",\"public_key\":" + quote(publicKey))
        + "}";
  }

  private static String quote(String text) {
    try {
      return new ObjectMapper().writeValueAsString(text);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  record Raw(int status, String body) {}

  /** GET with any Accept, as curl does; the token of {@code client}. */
  private Raw raw(String client, String path) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(60));
    if (client != null) {
      request.header("Authorization", "Bearer " + new ApiClient(port).as(client).token());
    }
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Raw(response.statusCode(), response.body());
  }

  private Raw enroll(String code, String accept) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/enroll"))
                .header("Content-Type", "application/json")
                .header("Accept", accept)
                .POST(HttpRequest.BodyPublishers.ofString("{\"code\":\"" + code + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new Raw(response.statusCode(), response.body());
  }

  record Run(int exit, String output) {}

  private Run run(Map<String, String> env, String... line) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(line).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), output);
  }

  private static String tool(String command) {
    for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path path = Path.of(entry.isEmpty() ? "." : entry, command);
      if (Files.isExecutable(path)) {
        return path.toString();
      }
    }
    throw new AssertionError(command + " is not on PATH (.ci/run installs it)");
  }

  /** Runs the installer into {@code root} and checks what it wrote with the real Nebula tools. */
  private Run install(String script, Path root, boolean expectSuccess) throws Exception {
    Path file = Files.createTempFile(dir, "install-", ".sh");
    Files.writeString(file, script);
    Run check = run(Map.of(), tool("shellcheck"), "--shell=sh", file.toString());
    assertThat(check.output()).isEmpty();
    Run install =
        run(
            Map.of(
                "OPSFLOW_INSTALL_ROOT",
                root.toString(),
                "OPSFLOW_API_URL",
                "http://127.0.0.1:" + port),
            "sh",
            file.toString());
    if (!expectSuccess) {
      return install;
    }
    assertThat(install.exit()).as(install.output()).isZero();
    Run verify =
        run(
            Map.of(),
            tool("nebula-cert"),
            "verify",
            "-ca",
            root.resolve("ca.crt").toString(),
            "-crt",
            root.resolve("host.crt").toString());
    assertThat(verify.exit()).as(verify.output()).isZero();
    Run test =
        run(Map.of(), tool("nebula"), "-test", "-config", root.resolve("config.yaml").toString());
    assertThat(test.exit()).as(test.output()).isZero();
    return install;
  }

  private String history(long device) {
    return client.fetchHistory(DeviceOnboardingRequest.workflowId(device)).getHistory().toString();
  }

  @Test
  void anOwnKeyDeviceIsOnboardedItsInstallerInstallsAndOnlyItsAssigneeMayFetchIt()
      throws Exception {
    long tenant = tenant("192.168.100.0/24");
    Path root = dir.resolve("own");
    Files.createDirectories(root);
    Run keygen =
        run(
            Map.of(),
            tool("nebula-cert"),
            "keygen",
            "-out-key",
            root.resolve("host.key").toString(),
            "-out-pub",
            dir.resolve("host.pub").toString());
    assertThat(keygen.exit()).isZero();
    String pub = Files.readString(dir.resolve("host.pub"));

    JsonNode device =
        pki().ok(pki().post("/api/v1/devices", device(tenant, "drone-1", pub, "pilot-ann")), 201);

    long id = device.path("id").asLong();
    assertThat(device.path("status").asText()).isEqualTo("awaiting_contact");
    assertThat(device.path("ip_address").asText()).isEqualTo("192.168.100.2");
    assertThat(device.path("enrollment").asText()).isEqualTo("own_key");
    assertThat(device.at("/license/status").asText()).isEqualTo("active");
    assertThat(device.at("/license/license_key").asText()).startsWith("OPSF-");
    assertThat(device.at("/certificate/fingerprint").asText()).hasSize(64);
    assertThat(device.path("groups").toString()).contains("drone", "primary", "cameras");
    assertThat(device.path("workflow_id").asText()).isEqualTo("device-" + id);

    assertThat(raw("pilot-bob", "/api/v1/devices/" + id + "/installer").status()).isEqualTo(403);
    assertThat(raw("it-viewer", "/api/v1/devices/" + id + "/installer").status()).isEqualTo(403);
    assertThat(raw(null, "/api/v1/devices/" + id + "/installer").status()).isEqualTo(401);
    Raw installer = raw("pilot-ann", "/api/v1/devices/" + id + "/installer");
    assertThat(installer.status()).isEqualTo(200);
    assertThat(installer.body()).doesNotContain("PRIVATE KEY");
    install(installer.body(), root, true);
    assertThat(Files.readString(root.resolve("config.yaml"))).contains("\"192.168.100.1\"");

    // A viewer reads, but registers nothing; the pki_user cannot list.
    assertThat(new ApiClient(port).as("it-viewer").get("/api/v1/devices/" + id).status())
        .isEqualTo(200);
    assertThat(
            new ApiClient(port)
                .as("it-viewer")
                .post("/api/v1/devices", device(tenant, "x", null, null))
                .status())
        .isEqualTo(403);

    // First contact: online.
    pki().ok(pki().post("/api/v1/devices/" + id + "/contact", "{\"source\":\"ping\"}"), 202);
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!pki()
            .ok(pki().get("/api/v1/devices/" + id), 200)
            .path("status")
            .asText()
            .equals("online")
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(pki().ok(pki().get("/api/v1/devices/" + id), 200).path("status").asText())
        .isEqualTo("online");
    assertThat(history(id)).doesNotContain("PRIVATE KEY");
  }

  @Test
  void aDeviceTurnsOnlineWhenItsFirstProbeAnswersAndAMeshAddressOffLoopbackIsNeverProbed()
      throws Exception {
    // 127.x answers ICMP on this host: the device is "up" as soon as its monitor probes it.
    long loopback = tenant("127.77.0.0/24");
    JsonNode up =
        pki().ok(pki().post("/api/v1/devices", device(loopback, "drone-up", null, null)), 201);
    long upId = up.path("id").asLong();
    assertThat(up.path("status").asText()).isEqualTo("awaiting_contact");
    assertThat(up.path("ip_address").asText()).startsWith("127.77.0.");
    // A data-only mesh address: the dev/test configuration probes loopback only.
    long data = tenant("192.168.100.0/24");
    JsonNode off =
        pki().ok(pki().post("/api/v1/devices", device(data, "drone-off", null, null)), 201);
    long offId = off.path("id").asLong();

    JsonNode online = null;
    for (int i = 0; i < 300; i++) {
      online = pki().ok(pki().get("/api/v1/devices/" + upId), 200);
      if (online.path("status").asText().equals("online")) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(online.path("status").asText()).isEqualTo("online");
    JsonNode fleet = pki().ok(pki().get("/api/v1/fleet/devices/" + upId), 200);
    assertThat(fleet.toString()).contains("\"online\"");

    JsonNode never = pki().ok(pki().get("/api/v1/fleet/devices/" + offId), 200);
    assertThat(never.toString())
        .contains("not probed: outside opsflow.connectivity.probe-networks");
    assertThat(pki().ok(pki().get("/api/v1/devices/" + offId), 200).path("status").asText())
        .isEqualTo("awaiting_contact");
  }

  @Test
  void anEnrollingDeviceRedeemsItsCodeOnceAndNoPrivateKeyReachesTheHistory() throws Exception {
    long tenant = tenant("10.20.0.0/24");
    JsonNode device =
        pki().ok(pki().post("/api/v1/devices", device(tenant, "laptop-1", null, "pilot-ann")), 201);
    long id = device.path("id").asLong();
    assertThat(device.path("enrollment").asText()).isEqualTo("enrollment_code");
    assertThat(device.path("certificate").isNull()).isTrue();

    Raw installer = raw("pilot-ann", "/api/v1/devices/" + id + "/installer");
    assertThat(installer.status()).isEqualTo(200);
    assertThat(installer.body()).doesNotContain("PRIVATE KEY-----\n");
    Matcher code = CODE.matcher(installer.body());
    assertThat(code.find()).isTrue();
    Path root = dir.resolve("enrolled");
    install(installer.body(), root, true);
    assertThat(Files.readString(root.resolve("host.key"))).contains("NEBULA X25519 PRIVATE KEY");

    // The code was the credential once: a second redemption is refused, and installs nothing.
    Raw again = enroll(code.group(1), "application/json");
    assertThat(again.status()).isEqualTo(410);
    assertThat(json.readTree(again.body()).path("detail").asText()).contains("already redeemed");
    assertThat(again.body()).doesNotContain("PRIVATE KEY");
    Run stolen = install(installer.body(), dir.resolve("elsewhere"), false);
    assertThat(stolen.exit()).isNotZero();
    assertThat(enroll("not-a-code-at-all-0123456789", "application/json").status()).isEqualTo(404);

    JsonNode enrolled = pki().ok(pki().get("/api/v1/devices/" + id), 200);
    assertThat(enrolled.at("/certificate/fingerprint").asText()).hasSize(64);
    // A newer installer retires the older code.
    Raw first = raw("it-pki", "/api/v1/devices/" + id + "/installer");
    Raw second = raw("it-pki", "/api/v1/devices/" + id + "/installer");
    Matcher firstCode = CODE.matcher(first.body());
    assertThat(firstCode.find()).isTrue();
    assertThat(enroll(firstCode.group(1), "application/json").status()).isEqualTo(410);
    Matcher secondCode = CODE.matcher(second.body());
    assertThat(secondCode.find()).isTrue();
    Raw redeemed = enroll(secondCode.group(1), "application/json");
    assertThat(redeemed.status()).isEqualTo(200);
    assertThat(json.readTree(redeemed.body()).path("private_key").asText())
        .contains("NEBULA X25519 PRIVATE KEY");
    // Re-enrollment revoked the earlier certificate: it is in the tenant's blocklist.
    Raw config = raw("it-pki", "/api/v1/devices/" + id + "/config");
    assertThat(config.body()).contains(enrolled.at("/certificate/fingerprint").asText());

    Thread.sleep(1000);
    assertThat(history(id)).doesNotContain("PRIVATE KEY");
  }

  @Test
  void anExhaustedMeshIsA409AndBadInputA400NamingTheField() {
    long tenant = tenant("10.30.0.0/29");
    for (int i = 0; i < 5; i++) {
      pki().ok(pki().post("/api/v1/devices", device(tenant, "d" + i, null, null)), 201);
    }
    ApiClient.Answer full = pki().post("/api/v1/devices", device(tenant, "d5", null, null));
    assertThat(full.status()).isEqualTo(409);
    assertThat(full.body().path("detail").asText())
        .contains("no free address left in mesh 10.30.0.0/29");

    ApiClient.Answer type =
        pki().post("/api/v1/devices", device(tenant, "z", null, null).replace("drone", "tank"));
    assertThat(type.status()).isEqualTo(400);
    assertThat(type.body().path("field").asText()).isEqualTo("device_type");
    String secret =
        "-----BEGIN NEBULA X25519 PRIVATE KEY-----\n"
            + "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
            + "-----END NEBULA X25519 PRIVATE KEY-----\n";
    ApiClient.Answer key = pki().post("/api/v1/devices", device(tenant, "k", secret, null));
    assertThat(key.status()).isEqualTo(400);
    assertThat(key.body().path("field").asText()).isEqualTo("public_key");
    assertThat(key.body().toString()).doesNotContain("AAECAwQF");
    ApiClient.Answer cidr =
        pki().post("/api/v1/tenants", "{\"name\":\"bad-mesh\",\"mesh_cidr\":\"10.0.0.5/24\"}");
    assertThat(cidr.status()).isEqualTo(400);
    assertThat(cidr.body().path("field").asText()).isEqualTo("mesh_cidr");
    assertThat(cidr.body().path("detail").asText()).contains("10.0.0.0/24");
    ApiClient.Answer unknown = pki().post("/api/v1/devices", device(999_999, "u", null, null));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.body().path("field").asText()).isEqualTo("tenant_id");
  }

  @Test
  void decommissionRevokesIntoTheBlocklistTheConfigServesAndReleasesTheAddress() throws Exception {
    long tenant = tenant("10.40.0.0/24");
    String pub = io.opsflow.device.pki.NebulaHostKeyPair.generate().publicKey().toPem();
    JsonNode gone = pki().ok(pki().post("/api/v1/devices", device(tenant, "g", pub, null)), 201);
    JsonNode stays = pki().ok(pki().post("/api/v1/devices", device(tenant, "s", null, null)), 201);
    long id = gone.path("id").asLong();
    String fingerprint = gone.at("/certificate/fingerprint").asText();

    JsonNode after = pki().ok(pki().post("/api/v1/devices/" + id + "/decommission", "{}"), 200);

    assertThat(after.path("status").asText()).isEqualTo("decommissioned");
    assertThat(after.path("ip_address").isNull()).isTrue();
    assertThat(after.at("/license/status").asText()).isEqualTo("revoked");
    Raw config = raw("it-pki", "/api/v1/devices/" + stays.path("id").asLong() + "/config");
    assertThat(config.status()).isEqualTo(200);
    assertThat(config.body()).contains("- " + fingerprint);
    ApiClient.Answer twice = pki().post("/api/v1/devices/" + id + "/decommission", "{}");
    assertThat(twice.status()).isEqualTo(409);
    assertThat(raw("it-pki", "/api/v1/devices/" + id + "/installer").status()).isEqualTo(409);
    // Its address goes to the next device.
    JsonNode next = pki().ok(pki().post("/api/v1/devices", device(tenant, "n", null, null)), 201);
    assertThat(next.path("ip_address").asText()).isEqualTo(gone.path("ip_address").asText());
  }
}
