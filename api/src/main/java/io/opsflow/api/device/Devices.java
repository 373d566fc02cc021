package io.opsflow.api.device;

import io.opsflow.api.device.DeviceDtos.CertificateView;
import io.opsflow.api.device.DeviceDtos.DeviceView;
import io.opsflow.api.device.DeviceDtos.Enrollment;
import io.opsflow.api.device.DeviceDtos.LicenseView;
import io.opsflow.api.device.DeviceDtos.RegisterDevice;
import io.opsflow.api.web.ApiException;
import io.opsflow.api.web.ReadBack;
import io.opsflow.device.DeviceCertificates;
import io.opsflow.device.DeviceEnrolled;
import io.opsflow.device.DeviceInstaller;
import io.opsflow.device.DeviceOnboardingActivities.IssuedCertificate;
import io.opsflow.device.DeviceOnboardingProperties;
import io.opsflow.device.DeviceOnboardingRequest;
import io.opsflow.device.TenantCas;
import io.opsflow.device.pki.NebulaCertificateException;
import io.opsflow.device.pki.NebulaHostKey;
import io.opsflow.device.pki.NebulaHostKeyPair;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Devices in PostgreSQL: registration, views, installers, configs and enrollment redemption. */
@Component
public class Devices {

  static final Set<String> TYPES = Set.of("drone", "pilot_laptop", "fts");
  static final Set<String> ROLES = Set.of("primary", "fts");
  private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Set<String> INSTALLABLE =
      Set.of("awaiting_contact", "online", "contact_timeout");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;
  private final TenantCas cas;
  private final DeviceCertificates certificates;
  private final DeviceOnboardingProperties properties;
  private final DeviceWorkflows workflows;

  public Devices(
      JdbcTemplate jdbc,
      PlatformTransactionManager transactions,
      TenantCas cas,
      DeviceCertificates certificates,
      DeviceOnboardingProperties properties,
      DeviceWorkflows workflows) {
    this.jdbc = jdbc;
    this.tx = new TransactionTemplate(transactions);
    this.cas = cas;
    this.certificates = certificates;
    this.properties = properties;
    this.workflows = workflows;
  }

  /** Registers the device and onboards it; answers once it is ready to install. */
  public DeviceView register(RegisterDevice body, String caller) {
    if (body.tenantId() == null) {
      throw ApiException.badRequest("tenant_id", "tenant_id: required");
    }
    record Tenant(long id, String name) {}
    Tenant tenant =
        jdbc
            .query(
                "select id, name from tenants where id = ?",
                (rs, n) -> new Tenant(rs.getLong("id"), rs.getString("name")),
                body.tenantId())
            .stream()
            .findFirst()
            .orElseThrow(
                () ->
                    ApiException.badRequest(
                        "tenant_id", "tenant_id: tenant " + body.tenantId() + " not found"));
    String name = body.name() == null ? "" : body.name().strip();
    if (name.isEmpty() || name.length() > 64 || !name.equals(name.replaceAll("\\p{Cntrl}", ""))) {
      throw ApiException.badRequest("name", "name: 1 to 64 printable characters");
    }
    if (body.deviceType() == null || !TYPES.contains(body.deviceType())) {
      throw ApiException.badRequest("device_type", "device_type: one of drone, pilot_laptop, fts");
    }
    String role = body.role() == null ? "primary" : body.role();
    if (!ROLES.contains(role)) {
      throw ApiException.badRequest("role", "role: one of primary, fts");
    }
    Set<String> groups = new LinkedHashSet<>(List.of(body.deviceType(), role));
    if (body.groups() != null) {
      for (int i = 0; i < body.groups().size(); i++) {
        String group = body.groups().get(i);
        if (group == null || !GROUP.matcher(group).matches()) {
          throw ApiException.badRequest(
              "groups[" + i + "]", "groups[" + i + "]: letters, digits, '_', '.', '-', 1 to 64");
        }
        groups.add(group);
      }
    }
    String publicKey = null;
    if (body.publicKey() != null && !body.publicKey().isBlank()) {
      try {
        publicKey = NebulaHostKey.parsePem(body.publicKey()).toPem();
      } catch (NebulaCertificateException e) {
        // Never echo what was sent: it may be a private key pasted by mistake.
        throw ApiException.badRequest(
            "public_key",
            "public_key: not a NEBULA X25519 PUBLIC KEY PEM (nebula-cert keygen -out-pub);"
                + " never send the private key");
      }
    }
    String assignedTo =
        body.assignedTo() == null || body.assignedTo().isBlank() ? null : body.assignedTo().strip();
    long id;
    try {
      id =
          jdbc.queryForObject(
              "insert into devices (tenant_id, name, device_type, role, assigned_to, created_by,"
                  + " public_key, groups) values (?, ?, ?, ?, ?, ?, ?, ?) returning id",
              Long.class,
              tenant.id(),
              name,
              body.deviceType(),
              role,
              assignedTo,
              caller,
              publicKey,
              groups.toArray(String[]::new));
    } catch (DuplicateKeyException e) {
      throw new ApiException(
          HttpStatus.CONFLICT,
          "name: tenant " + tenant.name() + " has a device named '" + name + "'",
          "name");
    }
    workflows.onboard(
        new DeviceOnboardingRequest(
            id, tenant.name(), publicKey != null, properties.settings(), null),
        caller);
    return ReadBack.afterStart("device " + id, "/api/v1/devices/" + id, () -> require(id));
  }

  private static final String SELECT =
      "select d.*, t.name tenant, host(d.ip_address) ip,"
          + " l.license_key, l.expires_at license_expires_at,"
          // an active license past its expiry reads as expired, without a job to flip it
          + " case when l.status = 'active' and l.expires_at <= now() then 'expired'"
          + " else l.status end license_status,"
          + " c.fingerprint, c.not_before, c.not_after"
          + " from devices d join tenants t on t.id = d.tenant_id"
          + " left join lateral (select * from licenses where device_id = d.id"
          + "   order by (status = 'active') desc, id desc limit 1) l on true"
          + " left join lateral (select * from device_certificates where device_id = d.id"
          + "   and revoked_at is null order by id desc limit 1) c on true";

  public DeviceView require(long id) {
    return jdbc.query(SELECT + " where d.id = ?", Devices::row, id).stream()
        .findFirst()
        .orElseThrow(() -> ApiException.notFound("device " + id + " not found"));
  }

  public List<DeviceView> list(Long tenantId, String status) {
    List<Object> args = new ArrayList<>();
    StringBuilder where = new StringBuilder(" where true");
    if (tenantId != null) {
      where.append(" and d.tenant_id = ?");
      args.add(tenantId);
    }
    if (status != null) {
      where.append(" and d.status = ?");
      args.add(status);
    }
    return jdbc.query(SELECT + where + " order by d.id", Devices::row, args.toArray());
  }

  private static DeviceView row(ResultSet rs, int n) throws SQLException {
    String license = rs.getString("license_key");
    String fingerprint = rs.getString("fingerprint");
    return new DeviceView(
        rs.getLong("id"),
        rs.getLong("tenant_id"),
        rs.getString("tenant"),
        rs.getString("name"),
        rs.getString("device_type"),
        rs.getString("role"),
        rs.getString("assigned_to"),
        List.of((String[]) rs.getArray("groups").getArray()),
        rs.getString("status"),
        rs.getString("ip"),
        rs.getString("public_key") != null ? "own_key" : "enrollment_code",
        license == null
            ? null
            : new LicenseView(
                license,
                rs.getString("license_status"),
                rs.getTimestamp("license_expires_at").toInstant()),
        fingerprint == null
            ? null
            : new CertificateView(
                fingerprint,
                rs.getTimestamp("not_before").toInstant(),
                rs.getTimestamp("not_after").toInstant()),
        instant(rs.getTimestamp("last_contact_at")),
        rs.getString("contact_source"),
        DeviceOnboardingRequest.workflowId(rs.getLong("id")),
        rs.getString("created_by"),
        rs.getTimestamp("created_at").toInstant());
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }

  /**
   * 403 unless the caller may fetch this device's installer: a pki_admin, or the pki_user it is
   * assigned to.
   */
  void requireInstallerAccess(DeviceView device, String caller, boolean pkiAdmin) {
    if (!pkiAdmin && (device.assignedTo() == null || !device.assignedTo().equals(caller))) {
      throw ApiException.forbidden(
          "device " + device.id() + " is not assigned to you: ask a pki_admin to assign it");
    }
  }

  /**
   * The installer script. For an enrolling device, each download mints a new single-use code and
   * retires the earlier unredeemed ones: only the latest script can enroll.
   */
  public String installer(DeviceView device, String caller) {
    requireInstallable(device);
    String certificate = null;
    String code = null;
    if (device.enrollment().equals("own_key")) {
      certificate = certificates.currentPem(device.id());
      if (certificate == null) {
        throw ApiException.conflict("device " + device.id() + " has no valid certificate");
      }
    } else {
      byte[] raw = new byte[32];
      RANDOM.nextBytes(raw);
      code = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
      String hash = sha256(code);
      tx.executeWithoutResult(
          status -> {
            jdbc.update(
                "update enrollment_codes set expires_at = least(expires_at, now())"
                    + " where device_id = ? and redeemed_at is null",
                device.id());
            jdbc.update(
                "insert into enrollment_codes (device_id, code_hash, created_by, expires_at)"
                    + " values (?, ?, ?, ?)",
                device.id(),
                hash,
                caller,
                Timestamp.from(Instant.now().plus(properties.enrollmentCodeValidity())));
          });
    }
    return DeviceInstaller.script(input(device, certificate, code));
  }

  /** Nebula's config.yaml for the device with the tenant's blocklist as it is now. */
  public String config(DeviceView device) {
    requireInstallable(device);
    return DeviceInstaller.nebulaConfig(
        input(device, "unused", null), DeviceInstaller.DEFAULT_ROOT);
  }

  private static void requireInstallable(DeviceView device) {
    if (!INSTALLABLE.contains(device.status())) {
      throw ApiException.conflict(
          "device " + device.id() + " is " + device.status() + ": nothing to install");
    }
  }

  private DeviceInstaller.Input input(DeviceView device, String certificate, String code) {
    record Mesh(int prefix, String lighthouse, String endpoint) {}
    Mesh mesh =
        jdbc.queryForObject(
            "select masklen(mesh_cidr) prefix, host(lighthouse_ip) lighthouse,"
                + " lighthouse_endpoint from tenants where id = ?",
            (rs, n) ->
                new Mesh(
                    rs.getInt("prefix"),
                    rs.getString("lighthouse"),
                    rs.getString("lighthouse_endpoint")),
            device.tenantId());
    return new DeviceInstaller.Input(
        device.id(),
        device.name(),
        device.tenant(),
        device.ipAddress(),
        mesh.prefix(),
        cas.certificatePem(device.tenantId()),
        certificate,
        code,
        mesh.lighthouse(),
        mesh.endpoint(),
        certificates.blocklist(device.tenantId()),
        properties.apiUrl(),
        properties.syslogTarget());
  }

  /**
   * Redeems a code once: a key pair made here, its certificate signed, the key handed out in this
   * answer only and never stored. Earlier certificates of the device are revoked (their key is no
   * longer the device's). All in one transaction: a failure leaves the code redeemable.
   */
  public Enrollment enroll(String code) {
    if (code == null || code.isBlank()) {
      throw ApiException.badRequest("code", "code: required");
    }
    String hash = sha256(code.strip());
    NebulaHostKeyPair pair = NebulaHostKeyPair.generate();
    try {
      record Redeemed(long deviceId, IssuedCertificate certificate) {}
      Redeemed redeemed =
          tx.execute(
              status -> {
                List<Long> device =
                    jdbc.queryForList(
                        "update enrollment_codes set redeemed_at = now() where code_hash = ?"
                            + " and redeemed_at is null and expires_at > now() returning device_id",
                        Long.class,
                        hash);
                if (device.isEmpty()) {
                  throw refused(hash);
                }
                long id = device.get(0);
                DeviceView view = require(id);
                requireInstallable(view);
                jdbc.update(
                    "insert into blocklist (tenant_id, fingerprint, device_id, reason)"
                        + " select tenant_id, fingerprint, device_id, 're-enrolled'"
                        + " from device_certificates where device_id = ? and revoked_at is null"
                        + " on conflict do nothing",
                    id);
                jdbc.update(
                    "update device_certificates set revoked_at = now() where device_id = ?"
                        + " and revoked_at is null",
                    id);
                IssuedCertificate issued =
                    certificates.issue(
                        certificates.subject(id),
                        pair.publicKey(),
                        properties.certificateValidity());
                return new Redeemed(id, issued);
              });
      workflows.enrolled(
          redeemed.deviceId(),
          new DeviceEnrolled(
              redeemed.certificate().fingerprint(), redeemed.certificate().notAfter()));
      DeviceView device = require(redeemed.deviceId());
      return new Enrollment(
          device.id(),
          device.ipAddress(),
          redeemed.certificate().fingerprint(),
          redeemed.certificate().notAfter(),
          cas.certificatePem(device.tenantId()),
          certificates.pem(redeemed.certificate().fingerprint()),
          pair.privateKeyPem());
    } finally {
      pair.destroy();
    }
  }

  private ApiException refused(String hash) {
    record Code(Timestamp redeemedAt, Timestamp expiresAt) {}
    List<Code> known =
        jdbc.query(
            "select redeemed_at, expires_at from enrollment_codes where code_hash = ?",
            (rs, n) -> new Code(rs.getTimestamp("redeemed_at"), rs.getTimestamp("expires_at")),
            hash);
    if (known.isEmpty()) {
      return ApiException.notFound("code: unknown enrollment code");
    }
    if (known.get(0).redeemedAt() != null) {
      return new ApiException(
          HttpStatus.GONE, "code: this enrollment code was already redeemed", "code");
    }
    return new ApiException(
        HttpStatus.GONE,
        "code: this enrollment code expired (or a newer installer replaced it); download the"
            + " installer again",
        "code");
  }

  static String sha256(String code) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(code.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
