package io.opsflow.device.pki;

import com.google.protobuf.ByteString;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * What a Nebula v1 certificate says, field for field as {@code RawNebulaCertificateDetails} in
 * Nebula's {@code cert.proto}: the part the CA signs. Times are whole seconds, as on the wire.
 *
 * @param name the host's (or CA's) name
 * @param ips a host's addresses with their network masks; a CA's allowed networks
 * @param subnets networks a host routes for (unsafe routes); a CA's allowed subnets
 * @param groups a host's groups (firewall rules match them); a CA's allowed groups
 * @param notBefore start of validity (truncated to the second)
 * @param notAfter end of validity, inclusive (truncated to the second)
 * @param publicKey a host's X25519 public key, a CA's Ed25519 public key (32 raw bytes)
 * @param ca whether this is a CA certificate
 * @param issuer the SHA-256 fingerprint of the signing CA's certificate; empty for a CA
 * @param curve the curve, {@value #CURVE25519} for Curve25519 (the only one issued here)
 */
public record NebulaCertificateDetails(
    String name,
    List<Ipv4Net> ips,
    List<Ipv4Net> subnets,
    List<String> groups,
    Instant notBefore,
    Instant notAfter,
    ByteString publicKey,
    boolean ca,
    ByteString issuer,
    int curve) {

  /** {@code Curve.CURVE25519}: Ed25519 signatures, X25519 host keys. */
  public static final int CURVE25519 = 0;

  /** {@code Curve.P256}: known to Nebula, not issued here. */
  public static final int P256 = 1;

  public NebulaCertificateDetails {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(notBefore, "notBefore");
    Objects.requireNonNull(notAfter, "notAfter");
    Objects.requireNonNull(publicKey, "publicKey");
    Objects.requireNonNull(issuer, "issuer");
    ips = List.copyOf(ips);
    subnets = List.copyOf(subnets);
    groups = List.copyOf(groups);
    requireWellFormed("name", name);
    for (String group : groups) {
      requireWellFormed("group", group);
    }
    notBefore = notBefore.truncatedTo(ChronoUnit.SECONDS);
    notAfter = notAfter.truncatedTo(ChronoUnit.SECONDS);
  }

  /** The issuer fingerprint in hex, as {@code nebula-cert print} shows it; empty for a CA. */
  public String issuerHex() {
    return HexFormat.of().formatHex(issuer.toByteArray());
  }

  /** The public key in hex, as {@code nebula-cert print} shows it. */
  public String publicKeyHex() {
    return HexFormat.of().formatHex(publicKey.toByteArray());
  }

  /** Nebula encodes strings as UTF-8: a lone surrogate has no encoding and would not round-trip. */
  private static void requireWellFormed(String what, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(what + " has an unpaired surrogate at index " + i);
      }
    }
  }
}
