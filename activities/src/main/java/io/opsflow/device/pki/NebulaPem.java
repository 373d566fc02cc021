package io.opsflow.device.pki;

import io.opsflow.device.pki.NebulaCertificateException.Problem;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PEM armour {@code nebula-cert} writes around certificates and keys: {@code -----BEGIN
 * <banner>-----}, the bytes in base64 in lines of 64 characters, {@code -----END <banner>-----}, no
 * headers. Decoding errors name the banner they expected and the one they found, never the content.
 */
final class NebulaPem {

  static final String CERTIFICATE = "NEBULA CERTIFICATE";
  static final String X25519_PUBLIC_KEY = "NEBULA X25519 PUBLIC KEY";
  static final String X25519_PRIVATE_KEY = "NEBULA X25519 PRIVATE KEY";
  static final String ED25519_PUBLIC_KEY = "NEBULA ED25519 PUBLIC KEY";
  static final String ED25519_PRIVATE_KEY = "NEBULA ED25519 PRIVATE KEY";

  private static final Pattern BLOCK =
      Pattern.compile(
          "-----BEGIN ([A-Z0-9 ]+)-----\\r?\\n([A-Za-z0-9+/=\\s]*?)-----END ([A-Z0-9 ]+)-----");

  private NebulaPem() {}

  static String encode(String banner, byte[] bytes) {
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(bytes);
    return "-----BEGIN "
        + banner
        + "-----\n"
        + body
        + (body.isEmpty() ? "" : "\n")
        + "-----END "
        + banner
        + "-----\n";
  }

  /** The bytes of the only PEM block in {@code text}, which must carry {@code banner}. */
  static byte[] decodeOne(String banner, String text) throws NebulaCertificateException {
    List<byte[]> blocks = decodeAll(banner, text);
    if (blocks.size() != 1) {
      throw new NebulaCertificateException(
          Problem.MALFORMED,
          "expected one " + banner + " PEM block, found " + blocks.size() + " of them");
    }
    return blocks.get(0);
  }

  /**
   * The bytes of every PEM block in {@code text}, all of which must carry {@code banner}; only
   * whitespace may surround them.
   */
  static List<byte[]> decodeAll(String banner, String text) throws NebulaCertificateException {
    if (text == null || text.isBlank()) {
      throw new NebulaCertificateException(
          Problem.MALFORMED, "expected a " + banner + " PEM block, got nothing");
    }
    List<byte[]> blocks = new ArrayList<>();
    Matcher m = BLOCK.matcher(text);
    int end = 0;
    while (m.find()) {
      if (!text.substring(end, m.start()).isBlank()) {
        throw new NebulaCertificateException(
            Problem.MALFORMED, "text that is not PEM before a " + banner + " block");
      }
      if (!m.group(1).equals(m.group(3))) {
        throw new NebulaCertificateException(
            Problem.MALFORMED, "PEM block begins as " + m.group(1) + " but ends as " + m.group(3));
      }
      if (!m.group(1).equals(banner)) {
        throw new NebulaCertificateException(
            Problem.MALFORMED, "expected a " + banner + " PEM block, found a " + m.group(1));
      }
      try {
        blocks.add(Base64.getDecoder().decode(m.group(2).replaceAll("\\s", "")));
      } catch (IllegalArgumentException e) {
        throw new NebulaCertificateException(
            Problem.MALFORMED, "the " + banner + " PEM block is not valid base64");
      }
      end = m.end();
    }
    if (blocks.isEmpty() || !text.substring(end).isBlank()) {
      throw new NebulaCertificateException(
          Problem.MALFORMED,
          blocks.isEmpty()
              ? "expected a " + banner + " PEM block, found none"
              : "text that is not PEM after a " + banner + " block");
    }
    return blocks;
  }
}
