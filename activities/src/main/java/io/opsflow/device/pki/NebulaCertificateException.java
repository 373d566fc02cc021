package io.opsflow.device.pki;

/**
 * A Nebula certificate, key or PEM text that cannot be used, with the {@link Problem} that makes it
 * unusable. Messages name the certificate and what is wrong with it; they never quote key material.
 */
public final class NebulaCertificateException extends Exception {

  /** Why a certificate or key was refused. */
  public enum Problem {
    /** Not a PEM block of the expected kind, not Nebula's protobuf encoding, or a wrong size. */
    MALFORMED,
    /** Used as a CA but {@code isCa} is not set. */
    NOT_A_CA,
    /** A CA certificate whose signature is not its own. */
    NOT_SELF_SIGNED,
    /** A certificate without an issuer (only CAs are self-signed). */
    NO_ISSUER,
    /** The issuer fingerprint is not the CA's. */
    WRONG_ISSUER,
    /** The Ed25519 signature does not match the details and the CA's key. */
    BAD_SIGNATURE,
    /** Checked before its {@code notBefore}. */
    NOT_YET_VALID,
    /** Checked after its {@code notAfter}. */
    EXPIRED,
    /** The CA itself is outside its validity window. */
    CA_EXPIRED,
    /** The certificate is valid before or after its CA. */
    OUTSIDE_CA_VALIDITY,
    /** A group the CA does not allow. */
    GROUP_NOT_ALLOWED,
    /** An IP outside the CA's networks. */
    IP_NOT_ALLOWED,
    /** A subnet outside the CA's subnets. */
    SUBNET_NOT_ALLOWED,
    /** Its fingerprint is on the tenant's blocklist (revoked). */
    BLOCKLISTED,
    /** A curve other than Curve25519 (P-256 certificates are not issued here). */
    UNSUPPORTED_CURVE,
    /** A private key that does not belong to the certificate or public key it came with. */
    KEY_MISMATCH
  }

  private final Problem problem;

  NebulaCertificateException(Problem problem, String message) {
    super(message);
    this.problem = problem;
  }

  NebulaCertificateException(Problem problem, String message, Throwable cause) {
    super(message, cause);
    this.problem = problem;
  }

  /** What is wrong. */
  public Problem problem() {
    return problem;
  }
}
