package io.opsflow.device.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.device.pki.NebulaCertificateException.Problem;
import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every certificate and key made here checked by the real {@code nebula-cert} and {@code nebula}
 * (Debian package {@code nebula}, installed by {@code .ci/run}; or {@code OPSFLOW_NEBULA_CERT} and
 * {@code OPSFLOW_NEBULA}). Fails, never skips, when they are missing: CI always has them.
 */
class NebulaCertIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static Path nebulaCert;
  private static Path nebula;

  @TempDir Path dir;

  private final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  @BeforeAll
  static void locate() {
    nebulaCert = locate("OPSFLOW_NEBULA_CERT", "nebula-cert");
    nebula = locate("OPSFLOW_NEBULA", "nebula");
  }

  static Path locate(String variable, String command) {
    String configured = System.getenv(variable);
    if (configured != null && !configured.isBlank()) {
      Path path = Path.of(configured);
      if (!Files.isExecutable(path)) {
        throw new AssertionError(variable + "=" + configured + " is not an executable file");
      }
      return path;
    }
    for (String entry : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path path = Path.of(entry.isEmpty() ? "." : entry, command);
      if (Files.isExecutable(path)) {
        return path;
      }
    }
    throw new AssertionError(
        command
            + " is neither on PATH nor named by "
            + variable
            + ": install the Debian package 'nebula' (apt-get install nebula; .ci/run does)");
  }

  record Run(int exit, String output) {}

  /** Runs a command in the test's directory, in UTC (nebula-cert prints times in local time). */
  Run run(Path command, String... args) throws IOException, InterruptedException {
    List<String> line = new ArrayList<>(List.of(command.toString()));
    line.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(line).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().put("TZ", "UTC");
    Process process = builder.start();
    process.getOutputStream().close();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(line + " did not finish within 30 s");
    }
    return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }

  Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content, StandardCharsets.US_ASCII);
  }

  Run verify(NebulaCertificate ca, NebulaCertificate certificate) throws Exception {
    write("verify-ca.crt", ca.toPem());
    write("verify-host.crt", certificate.toPem());
    return run(nebulaCert, "verify", "-ca", "verify-ca.crt", "-crt", "verify-host.crt");
  }

  void assertNebulaAccepts(NebulaCertificate ca, NebulaCertificate certificate) throws Exception {
    Run result = verify(ca, certificate);
    assertThat(result.exit())
        .as("nebula-cert verify of %s: %s", certificate, result.output())
        .isZero();
  }

  JsonNode print(NebulaCertificate certificate) throws Exception {
    write("print.crt", certificate.toPem());
    Run result = run(nebulaCert, "print", "-json", "-path", "print.crt");
    assertThat(result.exit()).as("nebula-cert print: %s", result.output()).isZero();
    return JSON.readTree(result.output());
  }

  static Instant time(JsonNode node) {
    return OffsetDateTime.parse(node.asText()).toInstant();
  }

  static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }

  NebulaCa tenantCa(String name) {
    return NebulaCa.create(
        name,
        List.of(Ipv4Net.DEFAULT_MESH),
        List.of(),
        List.of("drone", "pilot_laptop"),
        now.minus(Duration.ofDays(1)),
        now.plus(Duration.ofDays(365)));
  }

  @Test
  void nebula_cert_verifies_our_host_certificate_and_prints_what_we_put_in_it() throws Exception {
    NebulaCa ca = tenantCa("tenant-a");
    NebulaHostKey key = NebulaHostKeyPair.generate().publicKey();
    NebulaCertificate host =
        ca.sign(
            key,
            "drone-7",
            List.of(Ipv4Net.parse("192.168.100.7/24")),
            List.of(Ipv4Net.parse("10.7.0.0/16")),
            List.of("drone", "pilot_laptop"),
            now,
            now.plus(Duration.ofDays(30)));

    assertNebulaAccepts(ca.certificate(), host);
    JsonNode printed = print(host);
    JsonNode details = printed.get("details");
    assertThat(details.get("name").asText()).isEqualTo("drone-7");
    assertThat(strings(details.get("ips"))).containsExactly("192.168.100.7/24");
    assertThat(strings(details.get("subnets"))).containsExactly("10.7.0.0/16");
    assertThat(strings(details.get("groups"))).containsExactly("drone", "pilot_laptop");
    assertThat(time(details.get("notBefore"))).isEqualTo(now);
    assertThat(time(details.get("notAfter"))).isEqualTo(now.plus(Duration.ofDays(30)));
    assertThat(details.get("isCa").asBoolean()).isFalse();
    assertThat(details.get("issuer").asText()).isEqualTo(ca.fingerprint());
    assertThat(details.get("publicKey").asText()).isEqualTo(key.toString());
    assertThat(printed.get("fingerprint").asText()).isEqualTo(host.fingerprint());

    JsonNode printedCa = print(ca.certificate());
    assertThat(printedCa.get("details").get("isCa").asBoolean()).isTrue();
    assertThat(printedCa.get("fingerprint").asText()).isEqualTo(ca.fingerprint());
    assertThat(strings(printedCa.get("details").get("ips"))).containsExactly("192.168.100.0/24");
  }

  @Test
  void a_key_pair_made_on_the_device_is_certified_from_its_public_key_alone() throws Exception {
    Run keygen = run(nebulaCert, "keygen", "-out-key", "device.key", "-out-pub", "device.pub");
    assertThat(keygen.exit()).as(keygen.output()).isZero();
    NebulaCa ca = tenantCa("tenant-b");

    NebulaHostKey key = NebulaHostKey.parsePem(Files.readString(dir.resolve("device.pub")));
    NebulaCertificate host =
        ca.sign(
            key,
            "laptop-1",
            Ipv4Net.parse("192.168.100.21/24"),
            List.of(),
            now,
            now.plusSeconds(86400));

    assertNebulaAccepts(ca.certificate(), host);
    assertThat(print(host).get("details").get("publicKey").asText()).isEqualTo(key.toString());
    // the device's private key (which we never needed) belongs to the certificate, says nebula
    assertThat(startNebula(ca, host, Files.readString(dir.resolve("device.key"))).exit()).isZero();
    // and our X25519 arithmetic agrees with nebula-cert's
    assertThat(
            NebulaHostKeyPair.parsePrivateKeyPem(Files.readString(dir.resolve("device.key")))
                .publicKey())
        .isEqualTo(key);
  }

  @Test
  void a_key_pair_made_by_the_pki_is_one_nebula_accepts_with_its_certificate() throws Exception {
    NebulaCa ca = tenantCa("tenant-c");
    NebulaHostKeyPair pair = NebulaHostKeyPair.generate();
    NebulaCertificate host =
        ca.sign(
            pair.publicKey(),
            "fts-1",
            Ipv4Net.parse("192.168.100.40/24"),
            List.of("drone"),
            now,
            now.plusSeconds(86400));

    Run started = startNebula(ca, host, pair.privateKeyPem());
    assertThat(started.exit()).as(started.output()).isZero();

    Run mismatched = startNebula(ca, host, NebulaHostKeyPair.generate().privateKeyPem());
    assertThat(mismatched.exit()).isNotZero();
    assertThat(mismatched.output()).contains("not a pair");
  }

  /** {@code nebula -test}: loads the config and the PKI (key pair check included) and stops. */
  Run startNebula(NebulaCa ca, NebulaCertificate host, String keyPem) throws Exception {
    write("node-ca.crt", ca.certificatePem());
    write("node.crt", host.toPem());
    write("node.key", keyPem);
    write(
        "config.yml",
        """
        pki:
          ca: %s
          cert: %s
          key: %s
        static_host_map: {}
        lighthouse:
          am_lighthouse: false
        listen:
          host: 127.0.0.1
          port: 0
        tun:
          disabled: true
        firewall:
          outbound: [{port: any, proto: any, host: any}]
          inbound: [{port: any, proto: any, host: any}]
        """
            .formatted(
                dir.resolve("node-ca.crt"), dir.resolve("node.crt"), dir.resolve("node.key")));
    return run(nebula, "-test", "-config", dir.resolve("config.yml").toString());
  }

  @Test
  void a_real_nebula_node_refuses_a_revoked_device_and_accepts_a_current_one() throws Exception {
    NebulaCa ca = tenantCa("tenant-r");
    Instant until = now.plus(Duration.ofDays(7));
    NebulaHostKeyPair lighthouseKey = NebulaHostKeyPair.generate();
    NebulaCertificate lighthouse =
        ca.sign(
            lighthouseKey.publicKey(),
            "lighthouse",
            Ipv4Net.parse("192.168.100.1/24"),
            List.of(),
            now,
            until);
    NebulaHostKeyPair currentKey = NebulaHostKeyPair.generate();
    NebulaCertificate current =
        ca.sign(
            currentKey.publicKey(),
            "drone-current",
            Ipv4Net.parse("192.168.100.2/24"),
            List.of("drone"),
            now,
            until);
    NebulaHostKeyPair revokedKey = NebulaHostKeyPair.generate();
    NebulaCertificate revoked =
        ca.sign(
            revokedKey.publicKey(),
            "drone-decommissioned",
            Ipv4Net.parse("192.168.100.3/24"),
            List.of("drone"),
            now,
            until);
    NebulaBlocklist blocklist = NebulaBlocklist.EMPTY.revoke(revoked);
    int port;
    try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    write("ca.crt", ca.certificatePem());

    List<Process> nodes = new ArrayList<>();
    try {
      Path lighthouseLog =
          startNode(nodes, "lighthouse", lighthouse, lighthouseKey, port, blocklist, null);
      startNode(nodes, "current", current, currentKey, 0, NebulaBlocklist.EMPTY, port);
      awaitLine(lighthouseLog, "Handshake message sent", current.fingerprint());
      startNode(nodes, "revoked", revoked, revokedKey, 0, NebulaBlocklist.EMPTY, port);
      awaitLine(lighthouseLog, "certificate has been blocked", revoked.fingerprint());
      assertThat(Files.readAllLines(lighthouseLog))
          .noneMatch(
              l -> l.contains("Handshake message sent") && l.contains(revoked.fingerprint()));
    } finally {
      for (Process node : nodes) {
        node.destroy();
        if (!node.waitFor(10, TimeUnit.SECONDS)) {
          node.destroyForcibly();
        }
      }
    }
  }

  /**
   * Starts a userspace nebula node (no tun device, so no privileges) on 127.0.0.1; a lighthouse
   * when {@code lighthousePort} is null. Returns its log.
   */
  Path startNode(
      List<Process> nodes,
      String name,
      NebulaCertificate certificate,
      NebulaHostKeyPair key,
      int port,
      NebulaBlocklist blocklist,
      Integer lighthousePort)
      throws IOException {
    write(name + ".crt", certificate.toPem());
    write(name + ".key", key.privateKeyPem());
    String lighthouse =
        lighthousePort == null
            ? "lighthouse: {am_lighthouse: true}\nstatic_host_map: {}\n"
            : "lighthouse: {am_lighthouse: false, interval: 1, hosts: [\"192.168.100.1\"]}\n"
                + "static_host_map: {\"192.168.100.1\": [\"127.0.0.1:"
                + lighthousePort
                + "\"]}\n";
    Path config =
        write(
            name + ".yml",
            "pki:\n"
                + "  ca: "
                + dir.resolve("ca.crt")
                + "\n  cert: "
                + dir.resolve(name + ".crt")
                + "\n  key: "
                + dir.resolve(name + ".key")
                + "\n  blocklist: ["
                + String.join(", ", blocklist.entries())
                + "]\n"
                + lighthouse
                + "listen: {host: 127.0.0.1, port: "
                + port
                + "}\n"
                + "tun: {disabled: true}\n"
                + "firewall:\n"
                + "  outbound: [{port: any, proto: any, host: any}]\n"
                + "  inbound: [{port: any, proto: any, host: any}]\n");
    Path log = dir.resolve(name + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(nebula.toString(), "-config", config.toString())
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    nodes.add(builder.start());
    return log;
  }

  static void awaitLine(Path log, String... parts) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      if (Files.exists(log)
          && Files.readAllLines(log).stream()
              .anyMatch(l -> List.of(parts).stream().allMatch(l::contains))) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "no line with "
            + List.of(parts)
            + " within 30 s in "
            + log
            + ":\n"
            + Files.readString(log));
  }

  @Test
  void a_ca_made_by_nebula_cert_loads_and_signs_certificates_nebula_cert_accepts()
      throws Exception {
    Run made =
        run(
            nebulaCert,
            "ca",
            "-name",
            "made by nebula-cert",
            "-ips",
            "192.168.100.0/24",
            "-groups",
            "drone,ground",
            "-duration",
            "2h");
    assertThat(made.exit()).as(made.output()).isZero();
    NebulaCa ca =
        NebulaCa.load(
            Files.readString(dir.resolve("ca.crt")), Files.readString(dir.resolve("ca.key")));
    assertThat(ca.privateKeyPem()).isEqualTo(Files.readString(dir.resolve("ca.key")));
    assertThat(ca.certificate().details().notAfter()).isBetween(now, now.plus(Duration.ofHours(3)));

    NebulaCertificate host =
        ca.sign(
            NebulaHostKeyPair.generate().publicKey(),
            "ground-1",
            Ipv4Net.parse("192.168.100.50/24"),
            List.of("ground"),
            ca.certificate().details().notBefore(),
            ca.certificate().details().notAfter());

    assertNebulaAccepts(ca.certificate(), host);
    host.verify(ca.certificate(), now);
    assertThatThrownBy(
            () ->
                ca.sign(
                    NebulaHostKeyPair.generate().publicKey(),
                    "x",
                    Ipv4Net.parse("192.168.100.51/24"),
                    List.of("pilot_laptop"),
                    now,
                    now.plusSeconds(60)))
        .hasMessageContaining("group 'pilot_laptop'");
  }

  @Test
  void nebula_cert_signs_with_our_ca_key_and_we_verify_what_it_made() throws Exception {
    NebulaCa ca = tenantCa("tenant-d");
    write("our-ca.crt", ca.certificatePem());
    write("our-ca.key", ca.privateKeyPem());
    NebulaHostKeyPair pair = NebulaHostKeyPair.generate();
    write("host.pub", pair.publicKey().toPem());

    Run signed =
        run(
            nebulaCert,
            "sign",
            "-ca-crt",
            "our-ca.crt",
            "-ca-key",
            "our-ca.key",
            "-in-pub",
            "host.pub",
            "-name",
            "signed-by-nebula-cert",
            "-ip",
            "192.168.100.60/24",
            "-groups",
            "drone",
            "-out-crt",
            "host.crt",
            "-duration",
            "1h");
    assertThat(signed.exit()).as(signed.output()).isZero();

    NebulaCertificate host = NebulaCertificate.parse(Files.readString(dir.resolve("host.crt")));
    host.verify(ca.certificate(), now.plusSeconds(60));
    pair.requireMatches(host);
    assertThat(host.details().ips()).containsExactly(Ipv4Net.parse("192.168.100.60/24"));
    assertThat(host.toPem()).isEqualTo(Files.readString(dir.resolve("host.crt")));
  }

  @Test
  void nebula_cert_refuses_a_certificate_of_another_ca_as_we_do() throws Exception {
    NebulaCa ours = tenantCa("tenant-e");
    NebulaCa theirs = tenantCa("tenant-f");
    NebulaCertificate host =
        theirs.sign(
            NebulaHostKeyPair.generate().publicKey(),
            "intruder",
            Ipv4Net.parse("192.168.100.66/24"),
            List.of(),
            now,
            now.plusSeconds(3600));

    Run result = verify(ours.certificate(), host);

    assertThat(result.exit()).isNotZero();
    assertThat(result.output()).contains("could not find ca");
    assertThatThrownBy(() -> host.verify(ours.certificate(), now))
        .isInstanceOfSatisfying(
            NebulaCertificateException.class,
            e -> assertThat(e.problem()).isEqualTo(Problem.WRONG_ISSUER));
    assertNebulaAccepts(theirs.certificate(), host);
  }

  @Test
  void nebula_cert_refuses_an_expired_or_not_yet_valid_certificate_as_we_do() throws Exception {
    NebulaCa ca = tenantCa("tenant-g");
    NebulaHostKey key = NebulaHostKeyPair.generate().publicKey();
    NebulaCertificate expired =
        ca.sign(
            key,
            "old",
            Ipv4Net.parse("192.168.100.70/24"),
            List.of(),
            now.minus(Duration.ofHours(20)),
            now.minus(Duration.ofHours(1)));
    NebulaCertificate future =
        ca.sign(
            key,
            "new",
            Ipv4Net.parse("192.168.100.70/24"),
            List.of(),
            now.plus(Duration.ofHours(1)),
            now.plus(Duration.ofHours(20)));

    Run expiredRun = verify(ca.certificate(), expired);
    assertThat(expiredRun.exit()).isNotZero();
    assertThat(expiredRun.output()).contains("expired");
    assertThat(verify(ca.certificate(), future).exit()).isNotZero();
    assertThatThrownBy(() -> expired.verify(ca.certificate(), now))
        .isInstanceOfSatisfying(
            NebulaCertificateException.class,
            e -> assertThat(e.problem()).isEqualTo(Problem.EXPIRED));
    assertThatThrownBy(() -> future.verify(ca.certificate(), now))
        .isInstanceOfSatisfying(
            NebulaCertificateException.class,
            e -> assertThat(e.problem()).isEqualTo(Problem.NOT_YET_VALID));
  }

  @Test
  void whatever_we_accept_after_corruption_nebula_cert_accepts_too() throws Exception {
    NebulaCa ca = tenantCa("tenant-h");
    NebulaCertificate host =
        ca.sign(
            NebulaHostKeyPair.generate().publicKey(),
            "drone-9",
            Ipv4Net.parse("192.168.100.9/24"),
            List.of("drone"),
            now,
            now.plus(Duration.ofDays(1)));
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    int weRefused = 0;
    for (int i = 0; i < 40; i++) {
      byte[] bytes = host.toBytes();
      bytes[random.nextInt(bytes.length)] ^= (byte) (1 + random.nextInt(255));
      boolean ours;
      try {
        NebulaCertificate.fromBytes(bytes).verify(ca.certificate(), now.plusSeconds(1));
        ours = true;
      } catch (NebulaCertificateException e) {
        ours = false;
        weRefused++;
      }
      write("corrupt.crt", NebulaPem.encode(NebulaPem.CERTIFICATE, bytes));
      write("ca.crt", ca.certificatePem());
      boolean theirs =
          run(nebulaCert, "verify", "-ca", "ca.crt", "-crt", "corrupt.crt").exit() == 0;
      if (ours) {
        assertThat(theirs)
            .as("seed %d, corruption %d: we accept, nebula-cert refuses", seed, i)
            .isTrue();
      }
    }
    assertThat(weRefused).as("seed %d", seed).isEqualTo(40);
  }
}
