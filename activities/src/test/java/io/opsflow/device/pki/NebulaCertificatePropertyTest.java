package io.opsflow.device.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of the encoding over random certificate details (any name and groups in Unicode, any
 * ip/mask words, times over the whole range the wire and {@link Instant} share, any curve), and of
 * verification over random corruptions of signed certificates.
 */
class NebulaCertificatePropertyTest {

  private static final int TRIES = 300;

  private static final NebulaCa CA =
      NebulaCa.create(
          "property-ca",
          List.of(Ipv4Net.DEFAULT_MESH),
          List.of(),
          List.of(),
          Instant.parse("2026-01-01T00:00:00Z"),
          Instant.parse("2036-01-01T00:00:00Z"));
  private static final Instant AT = Instant.parse("2030-06-01T00:00:00Z");

  @Provide
  Arbitrary<String> unicode() {
    return Arbitraries.integers()
        .between(0, Character.MAX_CODE_POINT)
        .filter(cp -> cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE)
        .list()
        .ofMaxSize(12)
        .map(cps -> new String(cps.stream().mapToInt(Integer::intValue).toArray(), 0, cps.size()));
  }

  Arbitrary<Ipv4Net> nets() {
    return Combinators.combine(Arbitraries.integers(), Arbitraries.integers()).as(Ipv4Net::new);
  }

  Arbitrary<Instant> instants() {
    return Arbitraries.longs()
        .between(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond())
        .edgeCases(c -> c.add(0L))
        .map(Instant::ofEpochSecond);
  }

  Arbitrary<ByteString> bytes(int min, int max) {
    return Arbitraries.bytes()
        .array(byte[].class)
        .ofMinSize(min)
        .ofMaxSize(max)
        .map(ByteString::copyFrom);
  }

  @Provide
  Arbitrary<NebulaCertificate> certificates() {
    Arbitrary<NebulaCertificateDetails> details =
        Combinators.combine(
                unicode(),
                nets().list().ofMaxSize(4),
                nets().list().ofMaxSize(4),
                unicode().list().ofMaxSize(5),
                instants(),
                instants(),
                bytes(32, 65),
                Arbitraries.of(true, false))
            .flatAs(
                (name, ips, subnets, groups, notBefore, notAfter, key, ca) ->
                    Combinators.combine(bytes(0, 40), Arbitraries.integers())
                        .as(
                            (issuer, curve) ->
                                new NebulaCertificateDetails(
                                    name, ips, subnets, groups, notBefore, notAfter, key, ca,
                                    issuer, curve)));
    return Combinators.combine(details, bytes(0, 80)).as(NebulaCertificate::new);
  }

  @Property(tries = TRIES)
  void every_certificate_round_trips_exactly_through_bytes_and_pem(
      @ForAll("certificates") NebulaCertificate certificate) throws Exception {
    NebulaCertificate fromBytes = NebulaCertificate.fromBytes(certificate.toBytes());
    NebulaCertificate fromPem = NebulaCertificate.parse(certificate.toPem());

    assertThat(fromBytes.details()).isEqualTo(certificate.details());
    assertThat(fromBytes.signature()).isEqualTo(certificate.signature());
    assertThat(fromPem).isEqualTo(certificate);
    assertThat(fromPem.fingerprint()).isEqualTo(certificate.fingerprint());
  }

  @Provide
  Arbitrary<NebulaCertificate> issued() {
    return Combinators.combine(
            unicode().filter(s -> !s.isBlank()),
            Arbitraries.integers().between(1, 254),
            Arbitraries.integers().between(24, 32),
            Arbitraries.of("drone", "laptop", "fts", "ground").list().ofMaxSize(3),
            Arbitraries.integers().between(1, 365),
            Arbitraries.integers().between(1, 365))
        .as(
            (name, host, prefix, groups, daysBefore, daysAfter) ->
                CA.sign(
                    NebulaHostKeyPair.generate().publicKey(),
                    name,
                    new Ipv4Net(Ipv4Net.DEFAULT_MESH.address() | host, Ipv4Net.prefixMask(prefix)),
                    groups,
                    AT.minus(Duration.ofDays(daysBefore)),
                    AT.plus(Duration.ofDays(daysAfter))));
  }

  @Property(tries = TRIES)
  void a_corrupted_certificate_fails_to_parse_or_to_verify_and_nothing_else(
      @ForAll("issued") NebulaCertificate certificate,
      @ForAll @IntRange(min = 0, max = 100_000) int where,
      @ForAll @IntRange(min = 1, max = 255) int flip)
      throws Exception {
    certificate.verify(CA.certificate(), AT);
    byte[] bytes = certificate.toBytes();
    bytes[where % bytes.length] ^= (byte) flip;

    assertThatThrownBy(() -> NebulaCertificate.fromBytes(bytes).verify(CA.certificate(), AT))
        .isInstanceOf(NebulaCertificateException.class);
  }

  @Property(tries = TRIES)
  void a_truncated_or_extended_certificate_fails_cleanly(
      @ForAll("issued") NebulaCertificate certificate,
      @ForAll @IntRange(min = 0, max = 100_000) int cut,
      @ForAll("junk") byte[] junk) {
    byte[] bytes = certificate.toBytes();
    byte[] truncated = Arrays.copyOf(bytes, cut % bytes.length);
    byte[] extended = Arrays.copyOf(bytes, bytes.length + junk.length);
    System.arraycopy(junk, 0, extended, bytes.length, junk.length);

    assertThatThrownBy(() -> NebulaCertificate.fromBytes(truncated).verify(CA.certificate(), AT))
        .isInstanceOf(NebulaCertificateException.class);
    assertThatThrownBy(() -> NebulaCertificate.fromBytes(extended).verify(CA.certificate(), AT))
        .isInstanceOf(NebulaCertificateException.class);
  }

  @Provide
  Arbitrary<byte[]> junk() {
    return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(20);
  }

  @Property(tries = 100)
  void a_corrupted_ca_certificate_vouches_for_nothing(
      @ForAll("issued") NebulaCertificate certificate,
      @ForAll @IntRange(min = 0, max = 100_000) int where,
      @ForAll @IntRange(min = 1, max = 255) int flip) {
    byte[] ca = CA.certificate().toBytes();
    ca[where % ca.length] ^= (byte) flip;

    assertThatThrownBy(() -> certificate.verify(NebulaCertificate.fromBytes(ca), AT))
        .isInstanceOf(NebulaCertificateException.class);
  }
}
