package io.opsflow.device;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.opsflow.device.pki.Ipv4Net;
import io.opsflow.device.pki.NebulaCa;
import io.opsflow.device.pki.NebulaCertificate;
import io.opsflow.device.pki.NebulaHostKey;
import io.opsflow.device.pki.NebulaHostKeyPair;
import java.io.File;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated installer checked by the real tools: {@code shellcheck} finds nothing in it, {@code
 * sh} runs it into a temporary install root, and the files it leaves are accepted by {@code
 * nebula-cert verify} and {@code nebula -test}.
 */
class DeviceInstallerIT {

  private static Path nebulaCert;
  private static Path nebula;
  private static Path shellcheck;

  @TempDir Path dir;

  private final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  private final NebulaCa ca =
      NebulaCa.create(
          "acme opsflow CA",
          List.of(Ipv4Net.DEFAULT_MESH),
          List.of(),
          List.of(),
          now.minusSeconds(60),
          now.plus(Duration.ofDays(365)));

  @BeforeAll
  static void locate() {
    nebulaCert = locate("nebula-cert");
    nebula = locate("nebula");
    shellcheck = locate("shellcheck");
  }

  static Path locate(String command) {
    for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path path = Path.of(entry.isEmpty() ? "." : entry, command);
      if (Files.isExecutable(path)) {
        return path;
      }
    }
    throw new AssertionError(command + " is not on PATH (.ci/run installs it)");
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

  private DeviceInstaller.Input input(String certificate, String code, String apiUrl) {
    return new DeviceInstaller.Input(
        12,
        "drone 7 \"$(rm -rf /)\"",
        "acme",
        "192.168.100.5",
        24,
        ca.certificatePem(),
        certificate,
        code,
        "192.168.100.1",
        "127.0.0.1:4242",
        List.of("ab".repeat(32)),
        apiUrl == null ? "http://127.0.0.1:8080" : apiUrl,
        "127.0.0.1:5514");
  }

  private void assertShellcheckClean(Path script) throws Exception {
    Run check = run(Map.of(), shellcheck.toString(), "--shell=sh", script.toString());
    assertThat(check.output()).isEmpty();
    assertThat(check.exit()).isZero();
  }

  private void assertNebulaAccepts(Path root) throws Exception {
    Run verify =
        run(
            Map.of(),
            nebulaCert.toString(),
            "verify",
            "-ca",
            root.resolve("ca.crt").toString(),
            "-crt",
            root.resolve("host.crt").toString());
    assertThat(verify.output()).isEmpty();
    assertThat(verify.exit()).isZero();
    Run test =
        run(
            Map.of(),
            nebula.toString(),
            "-test",
            "-config",
            root.resolve("config.yaml").toString());
    assertThat(test.exit()).as(test.output()).isZero();
    String config = Files.readString(root.resolve("config.yaml"));
    assertThat(config)
        .contains("ca: \"" + root + "/ca.crt\"")
        .contains("\"192.168.100.1\": [\"127.0.0.1:4242\"]")
        .contains("- " + "ab".repeat(32));
    assertThat(Files.readString(root.resolve("opsflow.env")))
        .contains("OPSFLOW_NEBULA_IP=192.168.100.5")
        .contains("OPSFLOW_SYSLOG_TARGET=127.0.0.1:5514");
  }

  @Test
  void anOwnKeyInstallerIsShellcheckCleanAndInstallsFilesNebulaAccepts() throws Exception {
    Path root = dir.resolve("root");
    Files.createDirectories(root);
    // The device makes its own key pair with the real tool and sends only host.pub.
    Run keygen =
        run(
            Map.of(),
            nebulaCert.toString(),
            "keygen",
            "-out-key",
            root.resolve("host.key").toString(),
            "-out-pub",
            dir.resolve("host.pub").toString());
    assertThat(keygen.exit()).as(keygen.output()).isZero();
    NebulaHostKey key = NebulaHostKey.parsePem(Files.readString(dir.resolve("host.pub")));
    NebulaCertificate certificate =
        ca.sign(
            key,
            "drone-7",
            Ipv4Net.parse("192.168.100.5/24"),
            List.of("drone", "primary"),
            now,
            now.plus(Duration.ofDays(30)));
    String script = DeviceInstaller.script(input(certificate.toPem(), null, null));
    assertThat(script).doesNotContain("PRIVATE KEY").doesNotContain("$(rm");
    Path file = dir.resolve("install.sh");
    Files.writeString(file, script);

    assertShellcheckClean(file);
    Run install = run(Map.of("OPSFLOW_INSTALL_ROOT", root.toString()), "sh", file.toString());

    assertThat(install.exit()).as(install.output()).isZero();
    assertThat(install.output()).contains("installed into " + root);
    assertNebulaAccepts(root);
  }

  @Test
  void anOwnKeyInstallerRefusesToInstallWithoutTheDevicesKey() throws Exception {
    NebulaHostKeyPair pair = NebulaHostKeyPair.generate();
    NebulaCertificate certificate =
        ca.sign(
            pair.publicKey(),
            "drone-7",
            Ipv4Net.parse("192.168.100.5/24"),
            List.of(),
            now,
            now.plus(Duration.ofDays(30)));
    Path file = dir.resolve("install.sh");
    Files.writeString(file, DeviceInstaller.script(input(certificate.toPem(), null, null)));
    Path root = dir.resolve("empty");

    Run install = run(Map.of("OPSFLOW_INSTALL_ROOT", root.toString()), "sh", file.toString());

    assertThat(install.exit()).isNotZero();
    assertThat(install.output()).contains("host.key is missing");
    assertThat(root.resolve("config.yaml")).doesNotExist();
  }

  @Test
  void anEnrollmentInstallerRedeemsItsCodeOnceAndInstallsFilesNebulaAccepts() throws Exception {
    String code = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA";
    NebulaHostKeyPair pair = NebulaHostKeyPair.generate();
    NebulaCertificate certificate =
        ca.sign(
            pair.publicKey(),
            "drone-7",
            Ipv4Net.parse("192.168.100.5/24"),
            List.of("drone"),
            now,
            now.plus(Duration.ofDays(30)));
    String bundle = pair.privateKeyPem() + certificate.toPem();
    AtomicInteger redemptions = new AtomicInteger();
    List<String> bodies = new ArrayList<>();
    // Stands in for POST /api/v1/enroll (the API IT drives the real one): one redemption only.
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/api/v1/enroll",
        exchange -> {
          bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          boolean first = redemptions.incrementAndGet() == 1;
          byte[] answer =
              (first ? bundle : "code already redeemed").getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(first ? 200 : 410, answer.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
          }
        });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort();
      String script = DeviceInstaller.script(input(null, code, url));
      assertThat(script).doesNotContain("PRIVATE KEY-----\n").contains(code);
      Path file = dir.resolve("install.sh");
      Files.writeString(file, script);
      assertShellcheckClean(file);
      Path root = dir.resolve("root");

      Run install = run(Map.of("OPSFLOW_INSTALL_ROOT", root.toString()), "sh", file.toString());

      assertThat(install.exit()).as(install.output()).isZero();
      assertThat(bodies).containsExactly("{\"code\":\"" + code + "\"}");
      assertNebulaAccepts(root);
      assertThat(Files.readString(root.resolve("host.key"))).isEqualTo(pair.privateKeyPem());
      assertThat(Files.getPosixFilePermissions(root.resolve("host.key")).toString())
          .isEqualTo("[OWNER_READ, OWNER_WRITE]");
      // Run again: already enrolled, no second redemption.
      Run again = run(Map.of("OPSFLOW_INSTALL_ROOT", root.toString()), "sh", file.toString());
      assertThat(again.exit()).isZero();
      assertThat(again.output()).contains("already enrolled");
      assertThat(redemptions.get()).isEqualTo(1);
      // Elsewhere, the used code is refused and nothing is installed.
      Path other = dir.resolve("other");
      Run stolen = run(Map.of("OPSFLOW_INSTALL_ROOT", other.toString()), "sh", file.toString());
      assertThat(stolen.exit()).isNotZero();
      assertThat(other.resolve("config.yaml")).doesNotExist();
    } finally {
      server.stop(0);
    }
  }

  @Test
  void unsafeValuesNeverReachTheScript() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                new DeviceInstaller.Input(
                    1,
                    "d",
                    "acme",
                    "192.168.100.5",
                    24,
                    "x",
                    "y",
                    null,
                    null,
                    "127.0.0.1:4242\"; reboot; \"",
                    List.of(),
                    "http://127.0.0.1:8080",
                    ""))
        .hasMessageContaining("lighthouse_endpoint");
  }
}
