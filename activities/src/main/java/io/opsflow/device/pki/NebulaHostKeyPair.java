package io.opsflow.device.pki;

import com.google.protobuf.ByteString;
import java.security.KeyPair;
import java.util.Arrays;

/**
 * A host's X25519 key pair made by the PKI, for devices that cannot make their own. The private key
 * leaves only through {@link #privateKeyPem()} (the device's one download); {@link #toString()}
 * shows the public key alone, so logging the pair does not leak it. Do not pass this object through
 * Temporal: activities should hand workflows the {@link #publicKey()} only.
 */
public final class NebulaHostKeyPair {

  private final NebulaHostKey publicKey;
  private final byte[] privateScalar;
  private volatile boolean destroyed;

  private NebulaHostKeyPair(NebulaHostKey publicKey, byte[] privateScalar) {
    this.publicKey = publicKey;
    this.privateScalar = privateScalar;
  }

  /** A fresh key pair from the JDK's {@code X25519} generator. */
  public static NebulaHostKeyPair generate() {
    KeyPair pair = NebulaCrypto.generate("X25519");
    return new NebulaHostKeyPair(
        NebulaHostKey.of(pair.getPublic()), NebulaCrypto.x25519Scalar(pair.getPrivate()));
  }

  /**
   * Reads a {@code NEBULA X25519 PRIVATE KEY} PEM ({@code nebula-cert keygen -out-key}); the public
   * key is computed from it.
   *
   * @throws NebulaCertificateException ({@link NebulaCertificateException.Problem#MALFORMED}) when
   *     it is not such a PEM or not 32 bytes
   */
  public static NebulaHostKeyPair parsePrivateKeyPem(String pem) throws NebulaCertificateException {
    byte[] scalar = NebulaPem.decodeOne(NebulaPem.X25519_PRIVATE_KEY, pem);
    if (scalar.length != NebulaCrypto.KEY_LENGTH) {
      throw new NebulaCertificateException(
          NebulaCertificateException.Problem.MALFORMED,
          "an X25519 private key is 32 bytes, this one is " + scalar.length);
    }
    return new NebulaHostKeyPair(
        new NebulaHostKey(ByteString.copyFrom(NebulaCrypto.x25519PublicOf(scalar))), scalar);
  }

  /** The public key, for {@link NebulaCa#sign}. */
  public NebulaHostKey publicKey() {
    return publicKey;
  }

  /** The {@code NEBULA X25519 PRIVATE KEY} PEM Nebula reads: secret, for the device only. */
  public String privateKeyPem() {
    if (destroyed) {
      throw new IllegalStateException("the private key was destroyed");
    }
    return NebulaPem.encode(NebulaPem.X25519_PRIVATE_KEY, privateScalar);
  }

  /**
   * Checks that {@code certificate} carries this pair's public key, as Nebula checks its {@code
   * pki.key} against {@code pki.cert} at start.
   *
   * @throws NebulaCertificateException ({@link NebulaCertificateException.Problem#KEY_MISMATCH})
   */
  public void requireMatches(NebulaCertificate certificate) throws NebulaCertificateException {
    if (!certificate.details().publicKey().equals(publicKey.raw())) {
      throw new NebulaCertificateException(
          NebulaCertificateException.Problem.KEY_MISMATCH,
          "the private key does not belong to certificate '"
              + certificate.details().name()
              + "' (its public key is "
              + certificate.details().publicKeyHex()
              + ", the key's is "
              + publicKey
              + ")");
    }
  }

  /** Overwrites the private key in memory, once delivered; {@link #privateKeyPem()} then fails. */
  public void destroy() {
    destroyed = true;
    Arrays.fill(privateScalar, (byte) 0);
  }

  /** The public key only. */
  @Override
  public String toString() {
    return "NebulaHostKeyPair[public " + publicKey + "]";
  }
}
