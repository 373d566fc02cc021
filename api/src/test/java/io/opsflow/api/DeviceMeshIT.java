package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A real Nebula mesh from what opsflow issued: a lighthouse and a device run the real {@code
 * nebula}, each in a network namespace this test creates, joined by a veth pair whose two ends are
 * created directly inside those namespaces (never in the root namespace). The device's side is set
 * up by running its generated installer into a temporary root. A ping from inside the lighthouse's
 * namespace to the device's overlay address answers. Every mesh participant, the pinger included,
 * lives in the test's namespaces: no mesh packet can leave through the root namespace, which the
 * test checks has no interface of the mesh. Runs as root (CI does); needs {@code ip}, {@code ping},
 * {@code nebula}, {@code nebula-cert} and {@code /dev/net/tun}.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.address=127.0.0.1",
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=device-api-it"
    })
class DeviceMeshIT {

  /** The underlay between the two namespaces: it exists only inside them. */
  private static final String LIGHTHOUSE_UNDERLAY = "10.99.0.1";

  private static final String DEVICE_UNDERLAY = "10.99.0.2";

  @LocalServerPort int port;
  @TempDir Path dir;

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();
  private final List<Process> nebulas = new ArrayList<>();

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

  private Run ok(String... line) throws Exception {
    Run run = run(Map.of(), line);
    assertThat(run.exit()).as(String.join(" ", line) + ": " + run.output()).isZero();
    return run;
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

  private String get(String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + new ApiClient(port).as("it-pki").token())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return response.body();
  }

  private Path keygen(String name) throws Exception {
    Path key = dir.resolve(name + ".key");
    Path pub = dir.resolve(name + ".pub");
    ok(tool("nebula-cert"), "keygen", "-out-key", key.toString(), "-out-pub", pub.toString());
    return pub;
  }

  private Process nebula(String namespace, Path config, String log) throws Exception {
    Process process =
        new ProcessBuilder(
                tool("ip"),
                "netns",
                "exec",
                namespace,
                tool("nebula"),
                "-config",
                config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(log).toFile())
            .start();
    nebulas.add(process);
    return process;
  }

  @Test
  void aDeviceInstalledFromItsInstallerAnswersPingsOnItsOverlayAddress() throws Exception {
    ApiClient pki = new ApiClient(port).as("it-pki");
    String tenantName = "mesh-" + ThreadLocalRandom.current().nextInt(1_000_000);
    JsonNode tenant =
        pki.ok(
            pki.post(
                "/api/v1/tenants",
                "{\"name\":\""
                    + tenantName
                    + "\",\"mesh_cidr\":\"192.168.77.0/24\",\"lighthouse_endpoint\":\""
                    + LIGHTHOUSE_UNDERLAY
                    + ":4242\"}"),
            201);
    long tenantId = tenant.path("id").asLong();

    // The lighthouse keeps its key; opsflow signs its public key.
    Path lighthousePub = keygen("lighthouse");
    JsonNode lighthouse =
        pki.ok(
            pki.post(
                "/api/v1/tenants/" + tenantId + "/lighthouse-certificate",
                json.writeValueAsString(Map.of("public_key", Files.readString(lighthousePub)))),
            200);
    Path lh = Files.createDirectories(dir.resolve("lighthouse"));
    Files.writeString(lh.resolve("ca.crt"), lighthouse.path("ca_certificate").asText());
    Files.writeString(lh.resolve("host.crt"), lighthouse.path("certificate").asText());
    Files.move(dir.resolve("lighthouse.key"), lh.resolve("host.key"));
    Files.writeString(
        lh.resolve("config.yaml"),
        "pki: {ca: "
            + lh.resolve("ca.crt")
            + ", cert: "
            + lh.resolve("host.crt")
            + ", key: "
            + lh.resolve("host.key")
            + "}\n"
            + "static_host_map: {}\n"
            + "lighthouse: {am_lighthouse: true}\n"
            + "listen: {host: 0.0.0.0, port: 4242}\n"
            + "tun: {dev: nebula-lh}\n"
            + "firewall:\n"
            + "  outbound: [{port: any, proto: any, host: any}]\n"
            + "  inbound: [{port: any, proto: icmp, host: any}]\n");

    // The device: its own key, its installer run into a temporary root.
    Path root = Files.createDirectories(dir.resolve("device"));
    Path devicePub = keygen("device");
    Files.move(dir.resolve("device.key"), root.resolve("host.key"));
    JsonNode device =
        pki.ok(
            pki.post(
                "/api/v1/devices",
                json.writeValueAsString(
                    Map.of(
                        "tenant_id",
                        tenantId,
                        "name",
                        "drone-mesh",
                        "device_type",
                        "drone",
                        "public_key",
                        Files.readString(devicePub)))),
            201);
    String overlay = device.path("ip_address").asText();
    assertThat(overlay).isEqualTo("192.168.77.2");
    Path installer = dir.resolve("install.sh");
    Files.writeString(
        installer, get("/api/v1/devices/" + device.path("id").asLong() + "/installer"));
    Run install = run(Map.of("OPSFLOW_INSTALL_ROOT", root.toString()), "sh", installer.toString());
    assertThat(install.exit()).as(install.output()).isZero();

    String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(100_000, 1_000_000));
    String nsLighthouse = "opsflow-lh-" + suffix;
    String nsDevice = "opsflow-dev-" + suffix;
    String vethLighthouse = "oflh" + suffix;
    String vethDevice = "ofdv" + suffix;
    String ip = tool("ip");
    try {
      ok(ip, "netns", "add", nsLighthouse);
      ok(ip, "netns", "add", nsDevice);
      // Both ends are born inside the namespaces: the pair never exists in the root namespace.
      ok(
          ip,
          "-n",
          nsLighthouse,
          "link",
          "add",
          vethLighthouse,
          "type",
          "veth",
          "peer",
          "name",
          vethDevice,
          "netns",
          nsDevice);
      ok(ip, "-n", nsLighthouse, "addr", "add", LIGHTHOUSE_UNDERLAY + "/30", "dev", vethLighthouse);
      ok(ip, "-n", nsDevice, "addr", "add", DEVICE_UNDERLAY + "/30", "dev", vethDevice);
      for (String[] link :
          new String[][] {
            {nsLighthouse, vethLighthouse},
            {nsDevice, vethDevice},
            {nsLighthouse, "lo"},
            {nsDevice, "lo"}
          }) {
        ok(ip, "-n", link[0], "link", "set", link[1], "up");
      }
      // Each namespace has its loopback and its veth end, no route out: nothing reaches the root.
      assertThat(ok(ip, "-n", nsDevice, "-o", "link", "show").output().lines().count())
          .isEqualTo(2);
      nebula(nsLighthouse, lh.resolve("config.yaml"), "lighthouse.log");
      nebula(nsDevice, root.resolve("config.yaml"), "device.log");

      Run ping = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        ping =
            run(
                Map.of(),
                ip,
                "netns",
                "exec",
                nsLighthouse,
                tool("ping"),
                "-c",
                "1",
                "-W",
                "1",
                overlay);
        if (ping.exit() == 0) {
          break;
        }
      }
      assertThat(ping.exit())
          .as(
              ping.output()
                  + "\ndevice log:\n"
                  + Files.readString(dir.resolve("device.log"))
                  + "\nlighthouse log:\n"
                  + Files.readString(dir.resolve("lighthouse.log")))
          .isZero();
      assertThat(ping.output()).contains("1 received");
      // The root namespace never had the mesh's interfaces.
      String rootLinks = ok(ip, "-o", "link", "show").output();
      assertThat(rootLinks).doesNotContain(vethLighthouse, vethDevice, "nebula-lh");
      String deviceLinks = ok(ip, "-n", nsDevice, "-o", "addr", "show").output();
      assertThat(deviceLinks).contains("nebula1").contains(overlay + "/24");
    } finally {
      for (Process nebula : nebulas) {
        nebula.destroy();
        if (!nebula.waitFor(10, TimeUnit.SECONDS)) {
          nebula.destroyForcibly();
        }
      }
      run(Map.of(), ip, "netns", "del", nsLighthouse);
      run(Map.of(), ip, "netns", "del", nsDevice);
    }
  }
}
