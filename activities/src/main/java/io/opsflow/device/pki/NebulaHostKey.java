package io.opsflow.device.pki;

import com.google.protobuf.ByteString;
import java.security.PublicKey;
import java.util.HexFormat;

/**
 * A host's X25519 public key: the 32 raw little-endian bytes a certificate carries. In the
 * preferred onboarding the device makes its key pair ({@code nebula-cert keygen}) and sends only
 * this key ({@code NEBULA X25519 PUBLIC KEY} PEM); the PKI signs it without ever seeing the private
 * key.
 *
 * @param raw the 32 bytes
 */
public record NebulaHostKey(ByteString raw) {

  public NebulaHostKey {
    if (raw.size() != NebulaCrypto.KEY_LENGTH) {
      throw new IllegalArgumentException(
          "an X25519 public key is 32 bytes, this one is " + raw.size());
    }
  }

  /**
   * Reads a {@code NEBULA X25519 PUBLIC KEY} PEM ({@code nebula-cert keygen -out-pub}).
   *
   * @throws NebulaCertificateException ({@link NebulaCertificateException.Problem#MALFORMED}) when
   *     it is another kind of PEM (a private key sent by mistake is refused, not echoed) or not 32
   *     bytes
   */
  public static NebulaHostKey parsePem(String pem) throws NebulaCertificateException {
    byte[] raw = NebulaPem.decodeOne(NebulaPem.X25519_PUBLIC_KEY, pem);
    if (raw.length != NebulaCrypto.KEY_LENGTH) {
      throw new NebulaCertificateException(
          NebulaCertificateException.Problem.MALFORMED,
          "an X25519 public key is 32 bytes, this one is " + raw.length);
    }
    return new NebulaHostKey(ByteString.copyFrom(raw));
  }

  /**
   * The key of a JDK {@code X25519} public key.
   *
   * @throws IllegalArgumentException when it is another kind of key
   */
  public static NebulaHostKey of(PublicKey key) {
    return new NebulaHostKey(ByteString.copyFrom(NebulaCrypto.rawX25519Public(key)));
  }

  /** The {@code NEBULA X25519 PUBLIC KEY} PEM, as {@code nebula-cert keygen} writes it. */
  public String toPem() {
    return NebulaPem.encode(NebulaPem.X25519_PUBLIC_KEY, raw.toByteArray());
  }

  /** The key in hex, as {@code nebula-cert print} shows a certificate's public key. */
  @Override
  public String toString() {
    return HexFormat.of().formatHex(raw.toByteArray());
  }
}
