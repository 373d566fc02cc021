package io.opsflow.device;

import io.opsflow.device.DeviceOnboardingActivities.IssuedCertificate;
import io.opsflow.device.pki.Ipv4Net;
import io.opsflow.device.pki.NebulaCa;
import io.opsflow.device.pki.NebulaCertificate;
import io.opsflow.device.pki.NebulaCertificateException;
import io.opsflow.device.pki.NebulaHostKey;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Signs device certificates with the tenant's CA and keeps them in {@code device_certificates}: the
 * workflow's issue and renewal, and the API's enrollment redemption. Certificates and public keys
 * only: a private key never reaches this class.
 */
public class DeviceCertificates {

  private final JdbcTemplate jdbc;
  private final TenantCas cas;
  private final Clock clock;

  public DeviceCertificates(JdbcTemplate jdbc, TenantCas cas, Clock clock) {
    this.jdbc = jdbc;
    this.cas = cas;
    this.clock = clock;
  }

  /** What a certificate is made of: the device row with its live address and mesh. */
  public record Subject(
      long deviceId,
      long tenantId,
      String name,
      List<String> groups,
      String ipAddress,
      int prefixLength,
      String publicKey) {}

  /**
   * The device's subject, or null when it has no live address.
   *
   * @throws IllegalArgumentException when the device does not exist
   */
  public Subject subject(long deviceId) {
    List<Subject> found =
        jdbc.query(
            "select d.id, d.tenant_id, d.name, d.groups, d.public_key, host(e.ip_address) ip,"
                + " masklen(t.mesh_cidr) prefix from devices d join tenants t on t.id = d.tenant_id"
                + " left join vpn_endpoints e on e.device_id = d.id and e.released_at is null"
                + " and e.role = d.role where d.id = ?",
            (rs, n) ->
                new Subject(
                    rs.getLong("id"),
                    rs.getLong("tenant_id"),
                    rs.getString("name"),
                    strings(rs.getArray("groups")),
                    rs.getString("ip"),
                    rs.getInt("prefix"),
                    rs.getString("public_key")),
            deviceId);
    if (found.isEmpty()) {
      throw new IllegalArgumentException("device " + deviceId + " not found");
    }
    return found.get(0);
  }

  /**
   * The device's current unrevoked certificate for {@code key}, else a new one signed now.
   *
   * @throws IllegalStateException when the device has no address or the CA cannot sign
   */
  public IssuedCertificate issue(Subject subject, NebulaHostKey key, Duration validity) {
    if (subject.ipAddress() == null) {
      throw new IllegalStateException("device " + subject.deviceId() + " has no address yet");
    }
    List<IssuedCertificate> current =
        jdbc.query(
            "select * from device_certificates where device_id = ? and public_key = ?"
                + " and revoked_at is null and not_after > now() order by id desc limit 1",
            DeviceCertificates::issued,
            subject.deviceId(),
            key.toPem());
    if (!current.isEmpty()) {
      return current.get(0);
    }
    NebulaCa ca = cas.open(subject.tenantId());
    Instant notBefore = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    NebulaCertificate certificate =
        ca.sign(
            key,
            subject.name(),
            new Ipv4Net(
                MeshAddresses.parse(subject.ipAddress()),
                Ipv4Net.prefixMask(subject.prefixLength())),
            subject.groups(),
            notBefore,
            notAfter(ca, notBefore, validity));
    return store(subject, certificate, key, null);
  }

  /**
   * The certificate renewed from {@code previousFingerprint} (same key, name, address, groups), or
   * the one already renewed from it.
   */
  public IssuedCertificate renew(long deviceId, String previousFingerprint, Duration validity) {
    List<IssuedCertificate> already =
        jdbc.query(
            "select c.* from device_certificates c join device_certificates p on c.renews = p.id"
                + " where p.fingerprint = ? and c.device_id = ?",
            DeviceCertificates::issued,
            previousFingerprint,
            deviceId);
    if (!already.isEmpty()) {
      return already.get(0);
    }
    record Previous(long id, long tenantId, String pem) {}
    Previous previous =
        jdbc.queryForObject(
            "select id, tenant_id, certificate from device_certificates"
                + " where fingerprint = ? and device_id = ?",
            (rs, n) ->
                new Previous(
                    rs.getLong("id"), rs.getLong("tenant_id"), rs.getString("certificate")),
            previousFingerprint,
            deviceId);
    NebulaCertificate current;
    try {
      current = NebulaCertificate.parse(previous.pem());
    } catch (NebulaCertificateException e) {
      throw new IllegalStateException(
          "stored certificate " + previousFingerprint + " unreadable", e);
    }
    NebulaCa ca = cas.open(previous.tenantId());
    Instant notBefore = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    if (!notBefore.isAfter(current.details().notBefore())) {
      // Renewed within the second it was issued: the same times would sign the same certificate.
      notBefore = current.details().notBefore().plusSeconds(1);
    }
    NebulaCertificate renewed = ca.renew(current, notBefore, notAfter(ca, notBefore, validity));
    Subject subject = subject(deviceId);
    return store(subject, renewed, new NebulaHostKey(current.details().publicKey()), previous.id());
  }

  /** The certificate's PEM by fingerprint. */
  public String pem(String fingerprint) {
    return jdbc.queryForObject(
        "select certificate from device_certificates where fingerprint = ?",
        String.class,
        fingerprint);
  }

  /** The device's newest unrevoked certificate, or null. */
  public IssuedCertificate current(long deviceId) {
    return jdbc
        .query(
            "select * from device_certificates where device_id = ? and revoked_at is null"
                + " order by id desc limit 1",
            DeviceCertificates::issued,
            deviceId)
        .stream()
        .findFirst()
        .orElse(null);
  }

  /** The device's newest unrevoked certificate PEM, or null. */
  public String currentPem(long deviceId) {
    return jdbc
        .queryForList(
            "select certificate from device_certificates where device_id = ? and revoked_at is null"
                + " order by id desc limit 1",
            String.class,
            deviceId)
        .stream()
        .findFirst()
        .orElse(null);
  }

  /** The tenant's blocklist: every revoked fingerprint, oldest first. */
  public List<String> blocklist(long tenantId) {
    return jdbc.queryForList(
        "select fingerprint from blocklist where tenant_id = ? order by revoked_at, fingerprint",
        String.class,
        tenantId);
  }

  private static Instant notAfter(NebulaCa ca, Instant notBefore, Duration validity) {
    Instant wanted = notBefore.plus(validity);
    Instant caEnd = ca.certificate().details().notAfter();
    // A host certificate may not outlive its CA: Nebula would refuse it.
    return wanted.isAfter(caEnd) ? caEnd : wanted;
  }

  private IssuedCertificate store(
      Subject subject, NebulaCertificate certificate, NebulaHostKey key, Long renews) {
    var d = certificate.details();
    jdbc.update(
        "insert into device_certificates (tenant_id, device_id, fingerprint, certificate,"
            + " public_key, ip_address, groups, not_before, not_after, renews)"
            + " values (?, ?, ?, ?, ?, ?::inet, ?, ?, ?, ?)",
        subject.tenantId(),
        subject.deviceId(),
        certificate.fingerprint(),
        certificate.toPem(),
        key.toPem(),
        d.ips().get(0).addressString(),
        d.groups().toArray(String[]::new),
        d.notBefore().atOffset(ZoneOffset.UTC),
        d.notAfter().atOffset(ZoneOffset.UTC),
        renews);
    return new IssuedCertificate(
        certificate.fingerprint(), d.ips().get(0).addressString(), d.notBefore(), d.notAfter());
  }

  static IssuedCertificate issued(ResultSet rs, int n) throws SQLException {
    return new IssuedCertificate(
        rs.getString("fingerprint"),
        rs.getString("ip_address").replaceFirst("/32$", ""),
        rs.getTimestamp("not_before").toInstant(),
        rs.getTimestamp("not_after").toInstant());
  }

  static List<String> strings(Array array) throws SQLException {
    return array == null ? List.of() : Arrays.asList((String[]) array.getArray());
  }
}
