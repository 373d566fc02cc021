package io.opsflow.device.pki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.XECPrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.KeyAgreement;

/**
 * Nebula's raw 32-byte keys to and from the JDK's Ed25519 and X25519 keys. The JDK encodes an
 * Ed25519 or X25519 public key as a fixed 12-byte SubjectPublicKeyInfo prefix followed by the 32
 * raw bytes (RFC 8410), the same little-endian bytes Nebula stores.
 */
final class NebulaCrypto {

  static final int KEY_LENGTH = 32;

  private static final byte[] ED25519_SPKI_PREFIX =
      HexFormat.of().parseHex("302a300506032b6570032100");
  private static final byte[] X25519_SPKI_PREFIX =
      HexFormat.of().parseHex("302a300506032b656e032100");

  private NebulaCrypto() {}

  static KeyPair generate(String algorithm) {
    try {
      return KeyPairGenerator.getInstance(algorithm).generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no " + algorithm + " (Java 15+ has)", e);
    }
  }

  /** The raw 32 bytes of a JDK Ed25519 public key. */
  static byte[] rawEd25519Public(PublicKey key) {
    return raw(key, ED25519_SPKI_PREFIX, "Ed25519");
  }

  /** The raw 32 bytes of a JDK X25519 public key. */
  static byte[] rawX25519Public(PublicKey key) {
    return raw(key, X25519_SPKI_PREFIX, "X25519");
  }

  /** The prefix holds the algorithm's OID, so a key of another algorithm never matches it. */
  private static byte[] raw(PublicKey key, byte[] prefix, String algorithm) {
    byte[] encoded = key.getEncoded();
    if (encoded == null
        || encoded.length != prefix.length + KEY_LENGTH
        || !Arrays.equals(encoded, 0, prefix.length, prefix, 0, prefix.length)) {
      throw new IllegalArgumentException(
          "not an " + algorithm + " public key (" + key.getAlgorithm() + ")");
    }
    return Arrays.copyOfRange(encoded, prefix.length, encoded.length);
  }

  /** The 32-byte seed of an Ed25519 private key made by the JDK. */
  static byte[] ed25519Seed(PrivateKey key) {
    return ((EdECPrivateKey) key)
        .getBytes()
        .orElseThrow(() -> new IllegalStateException("the Ed25519 private key is not extractable"));
  }

  /** The raw 32-byte scalar of an X25519 private key made by the JDK. */
  static byte[] x25519Scalar(PrivateKey key) {
    return ((XECPrivateKey) key)
        .getScalar()
        .orElseThrow(() -> new IllegalStateException("the X25519 private key is not extractable"));
  }

  static PrivateKey ed25519Private(byte[] seed) throws GeneralSecurityException {
    return KeyFactory.getInstance("Ed25519")
        .generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, seed));
  }

  static PublicKey ed25519Public(byte[] raw) throws GeneralSecurityException {
    byte[] encoded = Arrays.copyOf(ED25519_SPKI_PREFIX, ED25519_SPKI_PREFIX.length + raw.length);
    System.arraycopy(raw, 0, encoded, ED25519_SPKI_PREFIX.length, raw.length);
    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
  }

  static byte[] sign(PrivateKey key, byte[] data) {
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(key);
      signature.update(data);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  /** Whether {@code sig} is a valid Ed25519 signature of {@code data} by the raw public key. */
  static boolean verify(byte[] rawPublicKey, byte[] data, byte[] sig) {
    if (rawPublicKey.length != KEY_LENGTH) {
      return false;
    }
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initVerify(ed25519Public(rawPublicKey));
      signature.update(data);
      return signature.verify(sig);
    } catch (GeneralSecurityException e) {
      // not a point on the curve, a signature of the wrong size, ...
      return false;
    }
  }

  /** The X25519 public key of a raw private scalar: X25519(scalar, 9), as Nebula computes it. */
  static byte[] x25519PublicOf(byte[] scalar) {
    try {
      KeyFactory factory = KeyFactory.getInstance("X25519");
      KeyAgreement agreement = KeyAgreement.getInstance("X25519");
      agreement.init(
          factory.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar)));
      agreement.doPhase(
          factory.generatePublic(
              new XECPublicKeySpec(NamedParameterSpec.X25519, BigInteger.valueOf(9))),
          true);
      return agreement.generateSecret();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("X25519 failed", e);
    }
  }
}
