package io.opsflow.device.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsflow.device.pki.NebulaCertificateException.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NebulaCertificateTest {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant YEAR = T0.plus(Duration.ofDays(365));

  static NebulaCa tenantCa() {
    return NebulaCa.create(
        "tenant-a", List.of(Ipv4Net.DEFAULT_MESH), List.of(), List.of("drone", "laptop"), T0, YEAR);
  }

  static String resource(String name) throws IOException {
    try (InputStream in = NebulaCertificateTest.class.getResourceAsStream("/nebula/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  static Problem problemOf(ThrowingRunnable check) {
    try {
      check.run();
    } catch (NebulaCertificateException e) {
      return e.problem();
    }
    throw new AssertionError("expected the check to fail");
  }

  interface ThrowingRunnable {
    void run() throws NebulaCertificateException;
  }

  @Test
  void reads_a_certificate_made_by_nebula_cert_with_nebula_cert_s_fingerprint() throws Exception {
    // nebula-cert 1.6.1: ca -name "Test CA" -ips 192.168.100.0/24 -groups a,b; keygen;
    // sign -name host1 -ip 192.168.100.5/24 -groups a -in-pub; values from print -json
    NebulaCertificate ca = NebulaCertificate.parse(resource("nebula-cert-ca.crt"));
    NebulaCertificate host = NebulaCertificate.parse(resource("nebula-cert-host1.crt"));
    NebulaHostKey key = NebulaHostKey.parsePem(resource("nebula-cert-host1.pub"));

    assertThat(ca.fingerprint())
        .isEqualTo("5e995bedaf8ab16700022828e9f3ad2cf098f20f8052247ddc34f5638aa47b3d");
    assertThat(ca.details().ca()).isTrue();
    assertThat(ca.details().groups()).containsExactly("a", "b");
    assertThat(host.fingerprint())
        .isEqualTo("b3e6964c5207f47e2f45e494aed6479ee55160d5abd73d75e45f9ff42fe505e8");
    NebulaCertificateDetails d = host.details();
    assertThat(d.name()).isEqualTo("host1");
    assertThat(d.ips()).containsExactly(Ipv4Net.parse("192.168.100.5/24"));
    assertThat(d.groups()).containsExactly("a");
    assertThat(d.notBefore()).isEqualTo(Instant.parse("2026-12-04T11:38:06Z"));
    assertThat(d.notAfter()).isEqualTo(Instant.parse("2026-12-08T15:38:05Z"));
    assertThat(d.issuerHex()).isEqualTo(ca.fingerprint());
    assertThat(d.publicKey()).isEqualTo(key.raw());
    assertThat(d.publicKeyHex())
        .isEqualTo("d0a853d553a532ef4468808b37755c4ee8d9fe23c32bde74f63d8e9c1492714b");
    // byte for byte as nebula-cert wrote it
    assertThat(host.toPem()).isEqualTo(resource("nebula-cert-host1.crt"));
    assertThat(ca.toPem()).isEqualTo(resource("nebula-cert-ca.crt"));
    assertThat(key.toPem()).isEqualTo(resource("nebula-cert-host1.pub"));

    host.verify(ca, Instant.parse("2026-12-05T00:00:00Z"));
    assertThat(problemOf(() -> host.verify(ca, Instant.parse("2026-12-09T00:00:00Z"))))
        .isEqualTo(Problem.CA_EXPIRED);
  }

  @Test
  void a_ca_signs_a_host_key_and_the_certificate_verifies_against_it() throws Exception {
    NebulaCa ca = tenantCa();
    NebulaHostKey key = NebulaHostKeyPair.generate().publicKey();
    Instant now = T0.plus(Duration.ofDays(10));

    NebulaCertificate host =
        ca.sign(
            key,
            "drone-7",
            Ipv4Net.parse("192.168.100.7/24"),
            List.of("drone"),
            now,
            now.plus(Duration.ofDays(30)));

    ca.certificate().verifyCa(now);
    host.verify(ca.certificate(), now.plusSeconds(60));
    assertThat(host.details().issuerHex()).isEqualTo(ca.fingerprint());
    assertThat(host.details().ca()).isFalse();
    assertThat(host.details().publicKey()).isEqualTo(key.raw());
    assertThat(host.toPem()).startsWith("-----BEGIN NEBULA CERTIFICATE-----\n");
    assertThat(NebulaCertificate.parse(host.toPem())).isEqualTo(host);
    assertThat(host.fingerprint()).matches("[0-9a-f]{64}").isNotEqualTo(ca.fingerprint());
  }

  @Test
  void verification_names_what_is_wrong() throws Exception {
    NebulaCa ca = tenantCa();
    NebulaCa other = tenantCa();
    NebulaHostKey key = NebulaHostKeyPair.generate().publicKey();
    Instant start = T0.plus(Duration.ofDays(1));
    NebulaCertificate host =
        ca.sign(
            key,
            "d1",
            Ipv4Net.parse("192.168.100.9/24"),
            List.of(),
            start,
            start.plusSeconds(3600));

    assertThatThrownBy(() -> host.verify(other.certificate(), start))
        .isInstanceOf(NebulaCertificateException.class)
        .hasMessageContaining("issued by the CA with fingerprint " + ca.fingerprint())
        .hasMessageContaining(other.fingerprint());
    assertThat(problemOf(() -> host.verify(ca.certificate(), start.minusSeconds(1))))
        .isEqualTo(Problem.NOT_YET_VALID);
    assertThat(problemOf(() -> host.verify(ca.certificate(), start.plusSeconds(3601))))
        .isEqualTo(Problem.EXPIRED);
    host.verify(ca.certificate(), start.plusSeconds(3600)); // notAfter is inclusive
    assertThat(problemOf(() -> ca.certificate().verify(ca.certificate(), start)))
        .isEqualTo(Problem.NO_ISSUER);
    assertThat(problemOf(() -> host.verify(host, start))).isEqualTo(Problem.WRONG_ISSUER);

    // the same details under another CA's signature: right issuer, wrong signature
    NebulaCertificate forged =
        new NebulaCertificate(host.details(), other.certificate().signature());
    assertThatThrownBy(() -> forged.verify(ca.certificate(), start))
        .hasMessageContaining("signature does not match");
  }

  @Test
  void a_revoked_certificate_fails_verification_and_others_do_not() throws Exception {
    NebulaCa ca = tenantCa();
    Instant now = T0.plusSeconds(10);
    NebulaCertificate a =
        ca.sign(
            NebulaHostKeyPair.generate().publicKey(),
            "a",
            Ipv4Net.parse("192.168.100.2/24"),
            List.of(),
            now,
            YEAR);
    NebulaCertificate b =
        ca.sign(
            NebulaHostKeyPair.generate().publicKey(),
            "b",
            Ipv4Net.parse("192.168.100.3/24"),
            List.of(),
            now,
            YEAR);

    NebulaBlocklist blocklist = NebulaBlocklist.EMPTY.revoke(a);

    assertThat(blocklist.entries()).containsExactly(a.fingerprint());
    assertThatThrownBy(() -> a.verify(ca.certificate(), now, blocklist))
        .isInstanceOf(NebulaCertificateException.class)
        .hasMessageContaining("blocklisted")
        .hasMessageContaining(a.fingerprint());
    b.verify(ca.certificate(), now, blocklist);
    assertThatThrownBy(() -> new NebulaBlocklist(Set.of("not-a-fingerprint")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void the_ca_refuses_to_sign_outside_its_constraints() {
    NebulaCa ca = tenantCa();
    NebulaHostKey key = NebulaHostKeyPair.generate().publicKey();
    Instant now = T0.plusSeconds(1);

    assertThatThrownBy(
            () -> ca.sign(key, "x", Ipv4Net.parse("10.0.0.1/24"), List.of("drone"), now, YEAR))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ip 10.0.0.1/24")
        .hasMessageContaining("192.168.100.0/24");
    assertThatThrownBy(
            () -> ca.sign(key, "x", Ipv4Net.parse("192.168.100.4/16"), List.of(), now, YEAR))
        .hasMessageContaining("outside its CA's networks");
    assertThatThrownBy(
            () -> ca.sign(key, "x", Ipv4Net.parse("192.168.100.4/24"), List.of("admin"), now, YEAR))
        .hasMessageContaining("group 'admin'");
    assertThatThrownBy(
            () ->
                ca.sign(
                    key,
                    "x",
                    Ipv4Net.parse("192.168.100.4/24"),
                    List.of(),
                    now,
                    YEAR.plusSeconds(1)))
        .hasMessageContaining("outside its CA's validity");
    assertThatThrownBy(
            () -> ca.sign(key, " ", Ipv4Net.parse("192.168.100.4/24"), List.of(), now, YEAR))
        .hasMessageContaining("needs a name");
    assertThatThrownBy(
            () -> ca.sign(key, "x", Ipv4Net.parse("192.168.100.4/24"), List.of(), YEAR, now))
        .hasMessageContaining("is not before notAfter");
  }

  @Test
  void the_ca_key_round_trips_through_pem_and_still_signs_for_the_same_certificate()
      throws Exception {
    NebulaCa ca = tenantCa();
    String keyPem = ca.privateKeyPem();
    assertThat(keyPem).startsWith("-----BEGIN NEBULA ED25519 PRIVATE KEY-----\n");
    assertThat(NebulaPem.decodeOne(NebulaPem.ED25519_PRIVATE_KEY, keyPem)).hasSize(64);

    NebulaCa loaded = NebulaCa.load(ca.certificatePem(), keyPem);
    NebulaCertificate host =
        loaded.sign(
            NebulaHostKeyPair.generate().publicKey(),
            "h",
            Ipv4Net.parse("192.168.100.20/24"),
            List.of("laptop"),
            T0,
            YEAR);
    host.verify(ca.certificate(), T0);
    assertThat(loaded.toString()).doesNotContain(keyPem.lines().skip(1).findFirst().orElseThrow());

    assertThat(problemOf(() -> NebulaCa.load(ca.certificatePem(), tenantCa().privateKeyPem())))
        .isEqualTo(Problem.KEY_MISMATCH);
    assertThat(problemOf(() -> NebulaCa.load(ca.certificatePem(), ca.certificatePem())))
        .isEqualTo(Problem.MALFORMED);
    assertThat(problemOf(() -> NebulaCa.load(host.toPem(), keyPem))).isEqualTo(Problem.NOT_A_CA);
  }

  @Test
  void a_pki_made_host_key_pair_reads_back_and_never_shows_its_private_key() throws Exception {
    NebulaHostKeyPair pair = NebulaHostKeyPair.generate();
    String pem = pair.privateKeyPem();
    String secret = pem.lines().skip(1).findFirst().orElseThrow();

    NebulaHostKeyPair read = NebulaHostKeyPair.parsePrivateKeyPem(pem);

    assertThat(read.publicKey()).isEqualTo(pair.publicKey());
    assertThat(pem).startsWith("-----BEGIN NEBULA X25519 PRIVATE KEY-----\n");
    assertThat(pair.toString()).doesNotContain(secret).contains(pair.publicKey().toString());
    // a device sending its private key where its public key belongs: refused, not echoed
    assertThatThrownBy(() -> NebulaHostKey.parsePem(pem))
        .isInstanceOf(NebulaCertificateException.class)
        .hasMessageContaining("expected a NEBULA X25519 PUBLIC KEY PEM block")
        .hasMessageContaining("found a NEBULA X25519 PRIVATE KEY")
        .hasMessageNotContaining(secret);

    NebulaCa ca = tenantCa();
    NebulaCertificate mine =
        ca.sign(pair.publicKey(), "m", Ipv4Net.parse("192.168.100.30/24"), List.of(), T0, YEAR);
    NebulaCertificate theirs =
        ca.sign(
            NebulaHostKeyPair.generate().publicKey(),
            "t",
            Ipv4Net.parse("192.168.100.31/24"),
            List.of(),
            T0,
            YEAR);
    pair.requireMatches(mine);
    assertThat(problemOf(() -> pair.requireMatches(theirs))).isEqualTo(Problem.KEY_MISMATCH);

    pair.destroy();
    assertThatThrownBy(pair::privateKeyPem).isInstanceOf(IllegalStateException.class);
    // a CA's Ed25519 key is no host key
    assertThatThrownBy(
            () ->
                NebulaHostKey.of(
                    KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an X25519 public key");
  }

  @Test
  void renewal_is_due_within_the_margin_and_keeps_key_name_ip_and_groups() throws Exception {
    NebulaCa ca = tenantCa();
    Instant issued = T0.plus(Duration.ofDays(1));
    NebulaCertificate current =
        ca.sign(
            NebulaHostKeyPair.generate().publicKey(),
            "drone-1",
            Ipv4Net.parse("192.168.100.11/24"),
            List.of("drone"),
            issued,
            issued.plus(Duration.ofDays(30)));

    assertThat(current.isRenewalDue(issued.plus(Duration.ofDays(22)), Duration.ofDays(7)))
        .isFalse();
    assertThat(current.isRenewalDue(issued.plus(Duration.ofDays(23)), Duration.ofDays(7))).isTrue();

    Instant renewedAt = issued.plus(Duration.ofDays(23));
    NebulaCertificate renewed = ca.renew(current, renewedAt, renewedAt.plus(Duration.ofDays(30)));
    renewed.verify(ca.certificate(), issued.plus(Duration.ofDays(40)));
    assertThat(renewed.details().publicKey()).isEqualTo(current.details().publicKey());
    assertThat(renewed.details().name()).isEqualTo("drone-1");
    assertThat(renewed.details().ips()).isEqualTo(current.details().ips());
    assertThat(renewed.details().groups()).containsExactly("drone");
    assertThat(renewed.fingerprint()).isNotEqualTo(current.fingerprint());
  }

  @Test
  void parsing_refuses_what_is_not_a_nebula_certificate() {
    assertThat(problemOf(() -> NebulaCertificate.parse(""))).isEqualTo(Problem.MALFORMED);
    assertThatThrownBy(
            () ->
                NebulaCertificate.parse(
                    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
        .hasMessageContaining("expected a NEBULA CERTIFICATE PEM block, found a CERTIFICATE");
    assertThatThrownBy(
            () ->
                NebulaCertificate.parse(
                    "-----BEGIN NEBULA CERTIFICATE-----\nAA*A\n-----END NEBULA CERTIFICATE-----\n"))
        .hasMessageContaining("found none");
    assertThatThrownBy(
            () ->
                NebulaCertificate.parse(
                    "-----BEGIN NEBULA CERTIFICATE-----\nAAAA\n-----END NEBULA CERTIFICATE-----\n"))
        .isInstanceOf(NebulaCertificateException.class)
        .hasMessageContaining("not a Nebula certificate");
    assertThatThrownBy(() -> NebulaCertificate.fromBytes(new byte[] {0x0a, 0x00}))
        .hasMessageContaining("public key of 0 bytes");
  }

  @Test
  void a_bundle_of_cas_parses_to_each_of_them() throws Exception {
    NebulaCa a = tenantCa();
    NebulaCa b = tenantCa();
    assertThat(NebulaCertificate.parseAll(a.certificatePem() + b.certificatePem()))
        .containsExactly(a.certificate(), b.certificate());
    assertThatThrownBy(() -> NebulaCertificate.parse(a.certificatePem() + b.certificatePem()))
        .hasMessageContaining("found 2");
  }

  @Test
  void ipv4_networks_parse_print_and_contain_as_nebula_does() {
    Ipv4Net host = Ipv4Net.parse("192.168.100.5/24");
    assertThat(host.toString()).isEqualTo("192.168.100.5/24");
    assertThat(host.network()).isEqualTo(Ipv4Net.DEFAULT_MESH);
    assertThat(Ipv4Net.DEFAULT_MESH.contains(host)).isTrue();
    assertThat(Ipv4Net.DEFAULT_MESH.contains(Ipv4Net.parse("192.168.101.5/24"))).isFalse();
    assertThat(Ipv4Net.DEFAULT_MESH.contains(Ipv4Net.parse("192.168.100.5/23"))).isFalse();
    assertThat(Ipv4Net.DEFAULT_MESH.contains(Ipv4Net.parse("192.168.100.5/32"))).isTrue();
    assertThat(Ipv4Net.parse("0.0.0.0/0").contains(host)).isTrue();
    assertThat(new Ipv4Net(host.address(), 0xffff00ff).toString())
        .isEqualTo("192.168.100.5/ffff00ff");
    assertThatThrownBy(() -> Ipv4Net.parse("192.168.100.5")).hasMessageContaining("a.b.c.d/n");
    assertThatThrownBy(() -> Ipv4Net.parse("192.168.300.5/24")).hasMessageContaining("IPv4");
    assertThatThrownBy(() -> Ipv4Net.parse("192.168.100.5/33")).hasMessageContaining("32");
  }
}
