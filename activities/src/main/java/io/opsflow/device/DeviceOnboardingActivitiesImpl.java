package io.opsflow.device;

import io.opsflow.device.DeviceCertificates.Subject;
import io.opsflow.device.pki.Ipv4Net;
import io.opsflow.device.pki.NebulaCertificateException;
import io.opsflow.device.pki.NebulaHostKey;
import io.temporal.failure.ApplicationFailure;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.EmptyResultDataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The onboarding rows in PostgreSQL and the tenant CA's signatures. Each write is keyed by the
 * device (one live address, one active license, one certificate per key, one renewal per
 * certificate), so a retried activity finds its first attempt's effect.
 */
public class DeviceOnboardingActivitiesImpl implements DeviceOnboardingActivities {

  private static final Logger log = LoggerFactory.getLogger(DeviceOnboardingActivitiesImpl.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String LICENSE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

  /** Tries of one allocation against concurrent ones before it gives up (and is retried). */
  private static final int ALLOCATION_ATTEMPTS = 1000;

  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;
  private final DeviceCertificates certificates;
  private final Clock clock;
  private final LongConsumer watchEndpoint;

  /**
   * @param watchEndpoint starts the health check of a live endpoint (idempotent), called when the
   *     device starts waiting for its first contact
   */
  public DeviceOnboardingActivitiesImpl(
      JdbcTemplate jdbc,
      TransactionTemplate tx,
      DeviceCertificates certificates,
      Clock clock,
      LongConsumer watchEndpoint) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.certificates = certificates;
    this.clock = clock;
    this.watchEndpoint = watchEndpoint;
  }

  private record Placement(long tenantId, String role, String mesh, String lighthouse) {}

  @Override
  public AddressLease allocateAddress(long deviceId) {
    Placement placement = placement(deviceId);
    MeshAddresses pool =
        new MeshAddresses(
            Ipv4Net.parse(placement.mesh()),
            placement.lighthouse() == null
                ? Set.of()
                : Set.of(MeshAddresses.parse(placement.lighthouse())));
    for (int attempt = 0; attempt < ALLOCATION_ATTEMPTS; attempt++) {
      String live = liveAddress(deviceId, placement.role());
      if (live != null) {
        return new AddressLease(live, pool.prefixLength());
      }
      Set<Integer> taken = new HashSet<>();
      jdbc.query(
          "select host(ip_address) from vpn_endpoints where tenant_id = ? and released_at is null",
          rs -> {
            taken.add(MeshAddresses.parse(rs.getString(1)));
          },
          placement.tenantId());
      int candidate = pool.lowestFree(taken);
      if (candidate == -1) {
        throw ApplicationFailure.newNonRetryableFailure(
            "no free address left in mesh "
                + pool.network()
                + " ("
                + pool.capacity()
                + " addresses, all allocated): decommission a device or give the tenant a"
                + " larger mesh_cidr",
            DeviceFailure.ADDRESS_POOL_EXHAUSTED.name());
      }
      String ip = MeshAddresses.format(candidate);
      try {
        tx.executeWithoutResult(
            status -> {
              jdbc.update(
                  "insert into vpn_endpoints (device_id, tenant_id, ip_address, role)"
                      + " values (?, ?, ?::inet, ?)",
                  deviceId,
                  placement.tenantId(),
                  ip,
                  placement.role());
              jdbc.update(
                  "update devices set ip_address = ?::inet, updated_at = now() where id = ?",
                  ip,
                  deviceId);
            });
        return new AddressLease(ip, pool.prefixLength());
      } catch (DataIntegrityViolationException e) {
        // Another onboarding took this address first (or this device's own earlier attempt did):
        // the database's unique index decided; look again.
        log.debug("device {}: {} taken concurrently, trying the next", deviceId, ip);
      }
    }
    throw new IllegalStateException(
        "device " + deviceId + ": no address after " + ALLOCATION_ATTEMPTS + " attempts");
  }

  private String liveAddress(long deviceId, String role) {
    return jdbc
        .queryForList(
            "select host(ip_address) from vpn_endpoints where device_id = ? and role = ?"
                + " and released_at is null",
            String.class,
            deviceId,
            role)
        .stream()
        .findFirst()
        .orElse(null);
  }

  private Placement placement(long deviceId) {
    try {
      return jdbc.queryForObject(
          "select d.tenant_id, d.role, t.mesh_cidr::text mesh, host(t.lighthouse_ip) lighthouse"
              + " from devices d join tenants t on t.id = d.tenant_id where d.id = ?",
          (rs, n) ->
              new Placement(
                  rs.getLong("tenant_id"),
                  rs.getString("role"),
                  rs.getString("mesh"),
                  rs.getString("lighthouse")),
          deviceId);
    } catch (EmptyResultDataAccessException e) {
      throw notFound(deviceId);
    }
  }

  @Override
  public void releaseAddress(long deviceId) {
    tx.executeWithoutResult(
        status -> {
          jdbc.update(
              "update vpn_endpoints set released_at = now() where device_id = ?"
                  + " and released_at is null",
              deviceId);
          jdbc.update(
              "update devices set ip_address = null, updated_at = now() where id = ?", deviceId);
        });
  }

  @Override
  public LicenseGrant issueLicense(LicenseCommand command) {
    for (int attempt = 0; attempt < 5; attempt++) {
      List<LicenseGrant> active =
          jdbc.query(
              "select id, expires_at from licenses where device_id = ? and status = 'active'",
              (rs, n) ->
                  new LicenseGrant(rs.getLong("id"), rs.getTimestamp("expires_at").toInstant()),
              command.deviceId());
      if (!active.isEmpty()) {
        return active.get(0);
      }
      Instant expires = clock.instant().plus(command.validity());
      try {
        jdbc.update(
            "insert into licenses (tenant_id, device_id, license_key, issued_by, expires_at)"
                + " select tenant_id, id, ?, created_by, ? from devices where id = ?",
            licenseKey(),
            Timestamp.from(expires),
            command.deviceId());
      } catch (DataIntegrityViolationException e) {
        // issued concurrently (or a key collision): read it back
      }
      if (active.isEmpty() && !exists(command.deviceId())) {
        throw notFound(command.deviceId());
      }
    }
    throw new IllegalStateException("device " + command.deviceId() + ": license not issued");
  }

  private boolean exists(long deviceId) {
    return Boolean.TRUE.equals(
        jdbc.queryForObject(
            "select exists (select 1 from devices where id = ?)", Boolean.class, deviceId));
  }

  /** {@code OPSF-XXXX-XXXX-XXXX-XXXX}: 80 random bits, no 0/O or 1/I to misread. */
  static String licenseKey() {
    StringBuilder key = new StringBuilder("OPSF");
    for (int group = 0; group < 4; group++) {
      key.append('-');
      for (int i = 0; i < 4; i++) {
        key.append(LICENSE_ALPHABET.charAt(RANDOM.nextInt(LICENSE_ALPHABET.length())));
      }
    }
    return key.toString();
  }

  @Override
  public void revokeLicense(long deviceId) {
    jdbc.update(
        "update licenses set status = 'revoked', revoked_at = now() where device_id = ?"
            + " and status = 'active'",
        deviceId);
  }

  @Override
  public IssuedCertificate issueCertificate(CertificateCommand command) {
    Subject subject;
    try {
      subject = certificates.subject(command.deviceId());
    } catch (IllegalArgumentException e) {
      throw notFound(command.deviceId());
    }
    if (subject.publicKey() == null) {
      throw ApplicationFailure.newNonRetryableFailure(
          "device " + command.deviceId() + " has no public key: it enrolls with a code",
          DeviceFailure.INVALID_PUBLIC_KEY.name());
    }
    NebulaHostKey key;
    try {
      key = NebulaHostKey.parsePem(subject.publicKey());
    } catch (NebulaCertificateException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "public_key: " + e.getMessage(), DeviceFailure.INVALID_PUBLIC_KEY.name());
    }
    try {
      return certificates.issue(subject, key, command.validity());
    } catch (IllegalArgumentException e) {
      // The CA refuses (its validity ended, the address is outside its network): no retry helps.
      throw ApplicationFailure.newNonRetryableFailure(
          e.getMessage(), DeviceFailure.CA_UNAVAILABLE.name());
    }
  }

  @Override
  public IssuedCertificate renewCertificate(RenewCommand command) {
    return certificates.renew(
        command.deviceId(), command.previousFingerprint(), command.validity());
  }

  @Override
  public IssuedCertificate currentCertificate(long deviceId) {
    return certificates.current(deviceId);
  }

  @Override
  public int revokeCertificates(RevokeCommand command) {
    Integer revoked =
        tx.execute(
            status -> {
              jdbc.update(
                  "insert into blocklist (tenant_id, fingerprint, device_id, reason)"
                      + " select tenant_id, fingerprint, device_id, ? from device_certificates"
                      + " where device_id = ? and revoked_at is null"
                      + " on conflict (tenant_id, fingerprint) do nothing",
                  command.reason(),
                  command.deviceId());
              // An unredeemed enrollment code of a revoked device must not mint a new one.
              jdbc.update(
                  "update enrollment_codes set expires_at = least(expires_at, now())"
                      + " where device_id = ? and redeemed_at is null",
                  command.deviceId());
              return jdbc.update(
                  "update device_certificates set revoked_at = now() where device_id = ?"
                      + " and revoked_at is null",
                  command.deviceId());
            });
    return revoked == null ? 0 : revoked;
  }

  @Override
  public void setStatus(StatusChange change) {
    DeviceContact contact = change.contact();
    jdbc.update(
        "update devices set status = ?, updated_at = now(),"
            + " last_contact_at = coalesce(?::timestamptz, last_contact_at),"
            + " contact_source = coalesce(?::text, contact_source) where id = ?",
        change.status().wire(),
        contact == null || contact.at() == null ? null : contact.at().atOffset(ZoneOffset.UTC),
        contact == null ? null : contact.source(),
        change.deviceId());
    if (change.status() == DeviceStatus.AWAITING_CONTACT) {
      // First contact is a first answered probe or first telemetry: the probes start now, not at
      // the connectivity supervisor's next round.
      for (Long endpoint :
          jdbc.queryForList(
              "select id from vpn_endpoints where device_id = ? and released_at is null",
              Long.class,
              change.deviceId())) {
        watchEndpoint.accept(endpoint);
      }
    }
  }

  private static ApplicationFailure notFound(long deviceId) {
    return ApplicationFailure.newNonRetryableFailure(
        "device " + deviceId + " not found", DeviceFailure.DEVICE_NOT_FOUND.name());
  }
}
