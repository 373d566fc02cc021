package io.opsflow.device.pki;

import com.google.protobuf.ByteString;
import io.opsflow.device.pki.NebulaCertificateException.Problem;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * A tenant's Nebula certificate authority: its self-signed CA certificate and Ed25519 signing key,
 * interchangeable with {@code nebula-cert ca}'s {@code ca.crt} and {@code ca.key}. It signs host
 * certificates for X25519 public keys, so a device that made its own key pair never has to send the
 * private key.
 *
 * <p>The signing key leaves only through {@link #privateKeyPem()}, for the PKI's secret store;
 * {@link #toString()} shows the certificate alone.
 */
public final class NebulaCa {

  private final NebulaCertificate certificate;
  private final PrivateKey signingKey;
  private final byte[] seed;

  private NebulaCa(NebulaCertificate certificate, PrivateKey signingKey, byte[] seed) {
    this.certificate = certificate;
    this.signingKey = signingKey;
    this.seed = seed;
  }

  /**
   * A new CA with a fresh Ed25519 key, as {@code nebula-cert ca} makes one.
   *
   * @param name the CA's name (the tenant's, typically)
   * @param ips the networks its host certificates may use (the tenant's mesh, {@link
   *     Ipv4Net#DEFAULT_MESH} by default); empty for any
   * @param subnets the subnets its host certificates may route; empty for any
   * @param groups the groups its host certificates may have; empty for any
   * @param notBefore start of validity
   * @param notAfter end of validity: no host certificate may outlive it
   */
  public static NebulaCa create(
      String name,
      List<Ipv4Net> ips,
      List<Ipv4Net> subnets,
      List<String> groups,
      Instant notBefore,
      Instant notAfter) {
    requireName(name);
    requireGroups(groups);
    requireOrder(notBefore, notAfter);
    KeyPair pair = NebulaCrypto.generate("Ed25519");
    NebulaCertificateDetails details =
        new NebulaCertificateDetails(
            name,
            ips,
            subnets,
            groups,
            notBefore,
            notAfter,
            ByteString.copyFrom(NebulaCrypto.rawEd25519Public(pair.getPublic())),
            true,
            ByteString.EMPTY,
            NebulaCertificateDetails.CURVE25519);
    return new NebulaCa(
        signed(details, pair.getPrivate()),
        pair.getPrivate(),
        NebulaCrypto.ed25519Seed(pair.getPrivate()));
  }

  /**
   * Loads a CA from its certificate PEM and its {@code NEBULA ED25519 PRIVATE KEY} PEM (64 bytes:
   * the 32-byte seed, then the public key), ours or {@code nebula-cert ca}'s. An expired CA loads
   * (it can still be inspected) but signs nothing.
   *
   * @throws NebulaCertificateException when either does not parse, the certificate is not a
   *     self-signed Curve25519 CA, or the key is not the certificate's
   */
  public static NebulaCa load(String certificatePem, String privateKeyPem)
      throws NebulaCertificateException {
    NebulaCertificate certificate = NebulaCertificate.parse(certificatePem);
    certificate.verifyCa(certificate.details().notBefore());
    byte[] key = NebulaPem.decodeOne(NebulaPem.ED25519_PRIVATE_KEY, privateKeyPem);
    if (key.length != 64) {
      throw new NebulaCertificateException(
          Problem.MALFORMED,
          "a Nebula Ed25519 private key is 64 bytes (seed and public key), this one is "
              + key.length);
    }
    byte[] seed = Arrays.copyOf(key, 32);
    byte[] publicHalf = Arrays.copyOfRange(key, 32, 64);
    Arrays.fill(key, (byte) 0);
    PrivateKey signingKey;
    try {
      signingKey = NebulaCrypto.ed25519Private(seed);
    } catch (GeneralSecurityException e) {
      throw new NebulaCertificateException(Problem.MALFORMED, "not an Ed25519 private key", e);
    }
    byte[] probe = "opsflow nebula ca key check".getBytes(StandardCharsets.UTF_8);
    if (!NebulaCrypto.verify(publicHalf, probe, NebulaCrypto.sign(signingKey, probe))) {
      throw new NebulaCertificateException(
          Problem.KEY_MISMATCH, "the Ed25519 private key's seed and public half do not match");
    }
    if (!certificate.details().publicKey().equals(ByteString.copyFrom(publicHalf))) {
      throw new NebulaCertificateException(
          Problem.KEY_MISMATCH,
          "the private key does not belong to CA '"
              + certificate.details().name()
              + "' (its public key is "
              + certificate.details().publicKeyHex()
              + ", the key's is "
              + HexFormat.of().formatHex(publicHalf)
              + ")");
    }
    return new NebulaCa(certificate, signingKey, seed);
  }

  /** The CA certificate: what every node trusts ({@code pki.ca}). */
  public NebulaCertificate certificate() {
    return certificate;
  }

  /** The CA certificate's fingerprint: the issuer of every certificate it signs. */
  public String fingerprint() {
    return certificate.fingerprint();
  }

  /** The CA certificate's PEM ({@code ca.crt}). */
  public String certificatePem() {
    return certificate.toPem();
  }

  /** The signing key's {@code NEBULA ED25519 PRIVATE KEY} PEM ({@code ca.key}): secret. */
  public String privateKeyPem() {
    byte[] key = Arrays.copyOf(seed, 64);
    certificate.details().publicKey().copyTo(key, 32);
    try {
      return NebulaPem.encode(NebulaPem.ED25519_PRIVATE_KEY, key);
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  /** {@link #sign(NebulaHostKey, String, List, List, List, Instant, Instant)} for one ip. */
  public NebulaCertificate sign(
      NebulaHostKey hostKey,
      String name,
      Ipv4Net ip,
      List<String> groups,
      Instant notBefore,
      Instant notAfter) {
    return sign(hostKey, name, List.of(ip), List.of(), groups, notBefore, notAfter);
  }

  /**
   * A host certificate for {@code hostKey}, as {@code nebula-cert sign -in-pub} makes one: issued
   * by this CA (its fingerprint), signed with its key.
   *
   * @param hostKey the host's X25519 public key
   * @param name the host's name
   * @param ips the host's addresses in the mesh with the mesh's mask ({@code 192.168.100.5/24})
   * @param subnets networks the host routes for; usually none
   * @param groups the host's groups
   * @param notBefore start of validity
   * @param notAfter end of validity
   * @throws IllegalArgumentException when an argument is missing or the certificate would break the
   *     CA's constraints (validity, networks, subnets, groups): Nebula would refuse it
   */
  public NebulaCertificate sign(
      NebulaHostKey hostKey,
      String name,
      List<Ipv4Net> ips,
      List<Ipv4Net> subnets,
      List<String> groups,
      Instant notBefore,
      Instant notAfter) {
    Objects.requireNonNull(hostKey, "hostKey");
    requireName(name);
    requireGroups(groups);
    requireOrder(notBefore, notAfter);
    if (ips.isEmpty()) {
      throw new IllegalArgumentException("a host certificate needs an ip");
    }
    NebulaCertificateDetails details =
        new NebulaCertificateDetails(
            name,
            ips,
            subnets,
            groups,
            notBefore,
            notAfter,
            hostKey.raw(),
            false,
            ByteString.copyFrom(HexFormat.of().parseHex(certificate.fingerprint())),
            NebulaCertificateDetails.CURVE25519);
    NebulaCertificate host = signed(details, signingKey);
    try {
      host.checkConstraints(certificate);
    } catch (NebulaCertificateException e) {
      throw new IllegalArgumentException("refusing to sign: " + e.getMessage(), e);
    }
    return host;
  }

  /**
   * A new certificate for the same key, name, addresses and groups as {@code current}, valid {@code
   * notBefore .. notAfter}: the renewal before {@code current} expires.
   */
  public NebulaCertificate renew(NebulaCertificate current, Instant notBefore, Instant notAfter) {
    NebulaCertificateDetails d = current.details();
    if (d.ca()) {
      throw new IllegalArgumentException("'" + d.name() + "' is a CA, not a host certificate");
    }
    return sign(
        new NebulaHostKey(d.publicKey()),
        d.name(),
        d.ips(),
        d.subnets(),
        d.groups(),
        notBefore,
        notAfter);
  }

  private static NebulaCertificate signed(NebulaCertificateDetails details, PrivateKey key) {
    return new NebulaCertificate(
        details, ByteString.copyFrom(NebulaCrypto.sign(key, NebulaWire.marshalDetails(details))));
  }

  private static void requireName(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a Nebula certificate needs a name");
    }
  }

  private static void requireGroups(List<String> groups) {
    for (String group : groups) {
      if (group == null || group.isBlank() || !group.equals(group.strip())) {
        throw new IllegalArgumentException(
            "group names are non-blank without surrounding spaces, was '" + group + "'");
      }
    }
  }

  private static void requireOrder(Instant notBefore, Instant notAfter) {
    if (!notBefore
        .truncatedTo(ChronoUnit.SECONDS)
        .isBefore(notAfter.truncatedTo(ChronoUnit.SECONDS))) {
      throw new IllegalArgumentException(
          "notBefore " + notBefore + " is not before notAfter " + notAfter);
    }
  }

  /** The CA certificate only. */
  @Override
  public String toString() {
    return "NebulaCa[" + certificate + "]";
  }
}
