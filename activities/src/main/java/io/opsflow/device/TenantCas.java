package io.opsflow.device;

import io.opsflow.device.pki.Ipv4Net;
import io.opsflow.device.pki.NebulaCa;
import io.opsflow.device.pki.NebulaCertificateException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Each tenant's Nebula CA in {@code tenant_cas}: the certificate in clear (every node trusts it),
 * the signing key sealed with {@link DeviceCaKeys}. Only this class opens it, to sign.
 */
public class TenantCas {

  private final JdbcTemplate jdbc;
  private final Supplier<DeviceCaKeys> keys;
  private final Clock clock;

  public TenantCas(JdbcTemplate jdbc, DeviceCaKeys keys, Clock clock) {
    this(jdbc, () -> keys, clock);
  }

  /**
   * @param keys the sealing key, asked for only when a CA is created or opened: a process that
   *     never signs never reads (or generates) it
   */
  public TenantCas(JdbcTemplate jdbc, Supplier<DeviceCaKeys> keys, Clock clock) {
    this.jdbc = jdbc;
    this.keys = keys;
    this.clock = clock;
  }

  /**
   * A new CA for the tenant, restricted to its mesh, stored sealed; the existing one if it has one.
   *
   * @return the CA certificate's PEM
   */
  public String create(long tenantId, String tenantName, Ipv4Net mesh, Duration validity) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    NebulaCa ca =
        NebulaCa.create(
            tenantName + " opsflow CA",
            List.of(mesh),
            List.of(),
            List.of(),
            now,
            now.plus(validity));
    int inserted =
        jdbc.update(
            "insert into tenant_cas (tenant_id, certificate, fingerprint, key_ciphertext, key_id,"
                + " not_after) values (?, ?, ?, ?, ?, ?) on conflict (tenant_id) do nothing",
            tenantId,
            ca.certificatePem(),
            ca.fingerprint(),
            keys.get().encrypt(ca.privateKeyPem(), tenantId),
            keys.get().keyId(),
            ca.certificate().details().notAfter().atOffset(ZoneOffset.UTC));
    return inserted == 1 ? ca.certificatePem() : certificatePem(tenantId);
  }

  /** The CA certificate's PEM (public: what {@code pki.ca} holds). */
  public String certificatePem(long tenantId) {
    return jdbc.queryForObject(
        "select certificate from tenant_cas where tenant_id = ?", String.class, tenantId);
  }

  /**
   * The tenant's CA with its signing key, to sign one certificate; never kept or logged.
   *
   * @throws IllegalStateException when the tenant has no CA or its key does not open
   */
  public NebulaCa open(long tenantId) {
    List<NebulaCa> found =
        jdbc.query(
            "select certificate, key_ciphertext from tenant_cas where tenant_id = ?",
            (rs, n) -> {
              String pem = keys.get().decrypt(rs.getBytes("key_ciphertext"), tenantId);
              try {
                return NebulaCa.load(rs.getString("certificate"), pem);
              } catch (NebulaCertificateException e) {
                throw new IllegalStateException(
                    "the CA of tenant " + tenantId + " does not load: " + e.getMessage(), e);
              }
            },
            tenantId);
    if (found.isEmpty()) {
      throw new IllegalStateException("tenant " + tenantId + " has no CA");
    }
    return found.get(0);
  }
}
