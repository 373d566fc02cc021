package io.opsflow.device.pki;

import com.google.protobuf.ByteString;
import io.opsflow.device.pki.NebulaCertificateException.Problem;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * A Nebula v1 certificate: {@link NebulaCertificateDetails} and the CA's Ed25519 signature over
 * their encoding. Immutable; equal when their encodings are equal. Holds no private key, so it may
 * be logged, stored in a Temporal history or returned by the API.
 *
 * <p>{@link #verify(NebulaCertificate, Instant, NebulaBlocklist)} checks what {@code nebula-cert
 * verify} and a Nebula node check, in the same order, and says which check failed.
 */
public final class NebulaCertificate {

  private final NebulaCertificateDetails details;
  private final ByteString signature;
  private final byte[] detailsBytes;
  private final byte[] bytes;

  NebulaCertificate(NebulaCertificateDetails details, ByteString signature) {
    this.details = Objects.requireNonNull(details, "details");
    this.signature = Objects.requireNonNull(signature, "signature");
    this.detailsBytes = NebulaWire.marshalDetails(details);
    this.bytes = NebulaWire.marshal(detailsBytes, signature);
  }

  /**
   * Parses the one {@code NEBULA CERTIFICATE} PEM block in {@code pem}.
   *
   * @throws NebulaCertificateException ({@link Problem#MALFORMED}) naming what is wrong
   */
  public static NebulaCertificate parse(String pem) throws NebulaCertificateException {
    return fromBytes(NebulaPem.decodeOne(NebulaPem.CERTIFICATE, pem));
  }

  /** Parses a bundle of one or more {@code NEBULA CERTIFICATE} blocks (a CA trust list). */
  public static List<NebulaCertificate> parseAll(String pem) throws NebulaCertificateException {
    List<NebulaCertificate> certificates = new ArrayList<>();
    for (byte[] block : NebulaPem.decodeAll(NebulaPem.CERTIFICATE, pem)) {
      certificates.add(fromBytes(block));
    }
    return certificates;
  }

  /** Parses the protobuf encoding (a PEM block's content). */
  public static NebulaCertificate fromBytes(byte[] bytes) throws NebulaCertificateException {
    return NebulaWire.unmarshal(bytes.clone());
  }

  /** What the certificate says. */
  public NebulaCertificateDetails details() {
    return details;
  }

  /** The CA's Ed25519 signature over {@link #detailsBytes()}. */
  public ByteString signature() {
    return signature;
  }

  /** The encoded details: what the signature covers. */
  public byte[] detailsBytes() {
    return detailsBytes.clone();
  }

  /** The protobuf encoding. */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** The PEM text {@code nebula-cert} reads ({@code NEBULA CERTIFICATE}). */
  public String toPem() {
    return NebulaPem.encode(NebulaPem.CERTIFICATE, bytes);
  }

  /**
   * The fingerprint: SHA-256 of the encoding, in lower-case hex. Host certificates name their CA by
   * it; a blocklist entry is one.
   */
  public String fingerprint() {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Whether {@code at} lies within {@code notBefore .. notAfter} (both inclusive, like Nebula). */
  public boolean isValidAt(Instant at) {
    return !at.isBefore(details.notBefore()) && !at.isAfter(details.notAfter());
  }

  /** Whether the certificate expires within {@code margin} of {@code now}: time to renew it. */
  public boolean isRenewalDue(Instant now, Duration margin) {
    return !now.plus(margin).isBefore(details.notAfter());
  }

  /**
   * Checks that this is a usable CA at {@code at}: a Curve25519 CA certificate, signed by its own
   * key, and valid then.
   *
   * @throws NebulaCertificateException naming the first check that fails
   */
  public void verifyCa(Instant at) throws NebulaCertificateException {
    String name = "CA '" + details.name() + "'";
    if (!details.ca()) {
      throw new NebulaCertificateException(
          Problem.NOT_A_CA, "'" + details.name() + "' is not a CA certificate");
    }
    requireCurve25519(name);
    if (!NebulaCrypto.verify(details.publicKey().toByteArray(), detailsBytes, sigBytes())) {
      throw new NebulaCertificateException(
          Problem.NOT_SELF_SIGNED, name + " is not signed by its own key");
    }
    if (!isValidAt(at)) {
      throw new NebulaCertificateException(
          Problem.CA_EXPIRED,
          name + " is valid " + validity() + ", not at " + at + ": it cannot vouch for anything");
    }
  }

  /** {@link #verify(NebulaCertificate, Instant, NebulaBlocklist)} with an empty blocklist. */
  public void verify(NebulaCertificate ca, Instant at) throws NebulaCertificateException {
    verify(ca, at, NebulaBlocklist.EMPTY);
  }

  /**
   * Checks that {@code ca} issued this certificate and that a Nebula node trusting {@code ca} with
   * {@code blocklist} accepts it at {@code at}: not blocklisted, issued by {@code ca} (a valid CA),
   * within its validity window, correctly signed, and within the CA's validity, groups, networks
   * and subnets.
   *
   * @throws NebulaCertificateException naming the first check that fails and the values involved
   */
  public void verify(NebulaCertificate ca, Instant at, NebulaBlocklist blocklist)
      throws NebulaCertificateException {
    String name = "certificate '" + details.name() + "'";
    if (blocklist.contains(this)) {
      throw new NebulaCertificateException(
          Problem.BLOCKLISTED, name + " (" + fingerprint() + ") is blocklisted (revoked)");
    }
    if (details.issuer().isEmpty()) {
      throw new NebulaCertificateException(
          Problem.NO_ISSUER, name + " names no issuer (is it a self-signed CA?)");
    }
    String caFingerprint = ca.fingerprint();
    if (!details.issuerHex().equals(caFingerprint)) {
      throw new NebulaCertificateException(
          Problem.WRONG_ISSUER,
          name
              + " was issued by the CA with fingerprint "
              + details.issuerHex()
              + ", not by '"
              + ca.details.name()
              + "' ("
              + caFingerprint
              + ")");
    }
    ca.verifyCa(at);
    requireCurve25519(name);
    if (at.isBefore(details.notBefore())) {
      throw new NebulaCertificateException(
          Problem.NOT_YET_VALID, name + " is valid " + validity() + ": not yet at " + at);
    }
    if (at.isAfter(details.notAfter())) {
      throw new NebulaCertificateException(
          Problem.EXPIRED, name + " is valid " + validity() + ": expired at " + at);
    }
    if (!NebulaCrypto.verify(ca.details.publicKey().toByteArray(), detailsBytes, sigBytes())) {
      throw new NebulaCertificateException(
          Problem.BAD_SIGNATURE,
          name + ": the signature does not match the CA '" + ca.details.name() + "'s key");
    }
    checkConstraints(ca);
  }

  /** The CA's constraints, as Nebula's {@code CheckRootConstrains}. */
  void checkConstraints(NebulaCertificate ca) throws NebulaCertificateException {
    String name = "certificate '" + details.name() + "'";
    NebulaCertificateDetails root = ca.details;
    if (details.notAfter().isAfter(root.notAfter())
        || details.notBefore().isBefore(root.notBefore())) {
      throw new NebulaCertificateException(
          Problem.OUTSIDE_CA_VALIDITY,
          name
              + " is valid "
              + validity()
              + ", outside its CA's validity "
              + root.notBefore()
              + " .. "
              + root.notAfter());
    }
    if (!root.groups().isEmpty()) {
      for (String group : details.groups()) {
        if (!root.groups().contains(group)) {
          throw new NebulaCertificateException(
              Problem.GROUP_NOT_ALLOWED,
              name + " has group '" + group + "', which its CA does not allow " + root.groups());
        }
      }
    }
    if (!root.ips().isEmpty()) {
      for (Ipv4Net ip : details.ips()) {
        if (root.ips().stream().noneMatch(net -> net.contains(ip))) {
          throw new NebulaCertificateException(
              Problem.IP_NOT_ALLOWED,
              name + " has ip " + ip + ", outside its CA's networks " + root.ips());
        }
      }
    }
    if (!root.subnets().isEmpty()) {
      for (Ipv4Net subnet : details.subnets()) {
        if (root.subnets().stream().noneMatch(net -> net.contains(subnet))) {
          throw new NebulaCertificateException(
              Problem.SUBNET_NOT_ALLOWED,
              name + " has subnet " + subnet + ", outside its CA's subnets " + root.subnets());
        }
      }
    }
  }

  private void requireCurve25519(String name) throws NebulaCertificateException {
    if (details.curve() != NebulaCertificateDetails.CURVE25519
        || details.publicKey().size() != NebulaCrypto.KEY_LENGTH) {
      throw new NebulaCertificateException(
          Problem.UNSUPPORTED_CURVE,
          name
              + " uses curve "
              + (details.curve() == NebulaCertificateDetails.P256 ? "P256" : details.curve())
              + " with a "
              + details.publicKey().size()
              + "-byte key; only Curve25519 (32-byte keys) is supported");
    }
  }

  private byte[] sigBytes() {
    return signature.toByteArray();
  }

  private String validity() {
    return details.notBefore() + " .. " + details.notAfter();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NebulaCertificate other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** Name, kind, validity and fingerprint. */
  @Override
  public String toString() {
    return (details.ca() ? "NebulaCertificate[CA " : "NebulaCertificate[")
        + details.name()
        + ", "
        + details.ips()
        + ", "
        + validity()
        + ", "
        + fingerprint()
        + "]";
  }
}
