package io.opsflow.device.pki;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.opsflow.device.pki.NebulaCertificateException.Problem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Nebula's v1 certificate encoding, protobuf (proto3) written by hand:
 *
 * <pre>
 * message RawNebulaCertificate { RawNebulaCertificateDetails Details = 1; bytes Signature = 2; }
 * message RawNebulaCertificateDetails {
 *   string Name = 1; repeated uint32 Ips = 2; repeated uint32 Subnets = 3;
 *   repeated string Groups = 4; int64 NotBefore = 5; int64 NotAfter = 6; bytes PublicKey = 7;
 *   bool IsCA = 8; bytes Issuer = 9; Curve curve = 100; }
 * </pre>
 *
 * <p>Written the way Go's {@code proto.Marshal} writes it: fields in number order, defaults left
 * out, repeated numbers packed. Nebula signs and fingerprints that canonical encoding (it
 * re-marshals what it parsed), so the parser accepts only it: any other encoding of the same values
 * would have another fingerprint than its bytes.
 */
final class NebulaWire {

  private static final int DETAILS = 1;
  private static final int SIGNATURE = 2;
  private static final int NAME = 1;
  private static final int IPS = 2;
  private static final int SUBNETS = 3;
  private static final int GROUPS = 4;
  private static final int NOT_BEFORE = 5;
  private static final int NOT_AFTER = 6;
  private static final int PUBLIC_KEY = 7;
  private static final int IS_CA = 8;
  private static final int ISSUER = 9;
  private static final int CURVE = 100;

  private NebulaWire() {}

  /** {@code RawNebulaCertificateDetails}: the bytes the CA signs. */
  static byte[] marshalDetails(NebulaCertificateDetails d) {
    return write(
        out -> {
          if (!d.name().isEmpty()) {
            out.writeString(NAME, d.name());
          }
          writePacked(out, IPS, d.ips());
          writePacked(out, SUBNETS, d.subnets());
          for (String group : d.groups()) {
            out.writeString(GROUPS, group);
          }
          if (d.notBefore().getEpochSecond() != 0) {
            out.writeInt64(NOT_BEFORE, d.notBefore().getEpochSecond());
          }
          if (d.notAfter().getEpochSecond() != 0) {
            out.writeInt64(NOT_AFTER, d.notAfter().getEpochSecond());
          }
          if (!d.publicKey().isEmpty()) {
            out.writeBytes(PUBLIC_KEY, d.publicKey());
          }
          if (d.ca()) {
            out.writeBool(IS_CA, true);
          }
          if (!d.issuer().isEmpty()) {
            out.writeBytes(ISSUER, d.issuer());
          }
          if (d.curve() != 0) {
            out.writeEnum(CURVE, d.curve());
          }
        });
  }

  /** {@code RawNebulaCertificate}: what the PEM block holds and the fingerprint hashes. */
  static byte[] marshal(byte[] details, ByteString signature) {
    return write(
        out -> {
          out.writeByteArray(DETAILS, details);
          if (!signature.isEmpty()) {
            out.writeBytes(SIGNATURE, signature);
          }
        });
  }

  static NebulaCertificate unmarshal(byte[] bytes) throws NebulaCertificateException {
    if (bytes.length == 0) {
      throw malformed("the certificate is empty", null);
    }
    byte[] details = null;
    ByteString signature = ByteString.EMPTY;
    NebulaCertificateDetails parsed;
    try {
      CodedInputStream in = CodedInputStream.newInstance(bytes);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (tag) {
          case DETAILS << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> details = in.readByteArray();
          case SIGNATURE << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> signature = in.readBytes();
          default -> skip(in, tag);
        }
      }
      if (details == null) {
        throw malformed("the certificate has no details", null);
      }
      parsed = unmarshalDetails(details);
    } catch (IOException e) {
      throw malformed("the certificate is not a Nebula certificate: " + e.getMessage(), e);
    }
    NebulaCertificate certificate = new NebulaCertificate(parsed, signature);
    byte[] canonical = certificate.toBytes();
    if (!Arrays.equals(canonical, bytes)) {
      throw malformed(
          "the certificate '"
              + parsed.name()
              + "' is not in the encoding Nebula writes (it differs from its re-encoding at byte "
              + Math.max(0, Arrays.mismatch(canonical, bytes))
              + ")",
          null);
    }
    return certificate;
  }

  private static NebulaCertificateDetails unmarshalDetails(byte[] bytes)
      throws IOException, NebulaCertificateException {
    String name = "";
    List<Integer> ips = new ArrayList<>();
    List<Integer> subnets = new ArrayList<>();
    List<String> groups = new ArrayList<>();
    long notBefore = 0;
    long notAfter = 0;
    ByteString publicKey = ByteString.EMPTY;
    boolean ca = false;
    ByteString issuer = ByteString.EMPTY;
    int curve = 0;
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      switch (tag) {
        case NAME << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> name = in.readStringRequireUtf8();
        case IPS << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> readPacked(in, ips);
        case IPS << 3 | WireFormat.WIRETYPE_VARINT -> ips.add(in.readUInt32());
        case SUBNETS << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> readPacked(in, subnets);
        case SUBNETS << 3 | WireFormat.WIRETYPE_VARINT -> subnets.add(in.readUInt32());
        case GROUPS << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED ->
            groups.add(in.readStringRequireUtf8());
        case NOT_BEFORE << 3 | WireFormat.WIRETYPE_VARINT -> notBefore = in.readInt64();
        case NOT_AFTER << 3 | WireFormat.WIRETYPE_VARINT -> notAfter = in.readInt64();
        case PUBLIC_KEY << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> publicKey = in.readBytes();
        case IS_CA << 3 | WireFormat.WIRETYPE_VARINT -> ca = in.readBool();
        case ISSUER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> issuer = in.readBytes();
        case CURVE << 3 | WireFormat.WIRETYPE_VARINT -> curve = in.readEnum();
        default -> skip(in, tag);
      }
    }
    if (ips.size() % 2 != 0 || subnets.size() % 2 != 0) {
      throw malformed(
          "the certificate '" + name + "' has an odd number of ip/mask words (they come in pairs)",
          null);
    }
    if (publicKey.size() < NebulaCrypto.KEY_LENGTH) {
      throw malformed(
          "the certificate '"
              + name
              + "' has a public key of "
              + publicKey.size()
              + " bytes, fewer than 32",
          null);
    }
    try {
      return new NebulaCertificateDetails(
          name,
          pairs(ips),
          pairs(subnets),
          groups,
          Instant.ofEpochSecond(notBefore),
          Instant.ofEpochSecond(notAfter),
          publicKey,
          ca,
          issuer,
          curve);
    } catch (DateTimeException e) {
      throw malformed("the certificate '" + name + "' has a validity time out of range", e);
    }
  }

  /** Unknown fields are skipped here; the canonical-encoding check then refuses the input. */
  private static void skip(CodedInputStream in, int tag) throws IOException {
    if (!in.skipField(tag)) {
      throw new IOException("unexpected end-group tag " + tag);
    }
  }

  private static void readPacked(CodedInputStream in, List<Integer> into) throws IOException {
    int limit = in.pushLimit(in.readRawVarint32());
    while (in.getBytesUntilLimit() > 0) {
      into.add(in.readUInt32());
    }
    in.popLimit(limit);
  }

  private static List<Ipv4Net> pairs(List<Integer> words) {
    List<Ipv4Net> nets = new ArrayList<>(words.size() / 2);
    for (int i = 0; i < words.size(); i += 2) {
      nets.add(new Ipv4Net(words.get(i), words.get(i + 1)));
    }
    return nets;
  }

  private static void writePacked(CodedOutputStream out, int field, List<Ipv4Net> nets)
      throws IOException {
    if (nets.isEmpty()) {
      return;
    }
    int size = 0;
    for (Ipv4Net net : nets) {
      size +=
          CodedOutputStream.computeUInt32SizeNoTag(net.address())
              + CodedOutputStream.computeUInt32SizeNoTag(net.mask());
    }
    out.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    out.writeUInt32NoTag(size);
    for (Ipv4Net net : nets) {
      out.writeUInt32NoTag(net.address());
      out.writeUInt32NoTag(net.mask());
    }
  }

  private interface Writer {
    void write(CodedOutputStream out) throws IOException;
  }

  private static byte[] write(Writer writer) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      writer.write(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory cannot fail", e);
    }
  }

  private static NebulaCertificateException malformed(String message, Throwable cause) {
    return new NebulaCertificateException(Problem.MALFORMED, message, cause);
  }
}
