package io.opsflow.api.device;

import io.opsflow.api.device.DeviceDtos.CreateTenant;
import io.opsflow.api.device.DeviceDtos.LighthouseCertificate;
import io.opsflow.api.device.DeviceDtos.LighthouseKey;
import io.opsflow.api.device.DeviceDtos.TenantView;
import io.opsflow.api.web.ApiException;
import io.opsflow.device.DeviceOnboardingProperties;
import io.opsflow.device.MeshAddresses;
import io.opsflow.device.TenantCas;
import io.opsflow.device.pki.Ipv4Net;
import io.opsflow.device.pki.NebulaCa;
import io.opsflow.device.pki.NebulaCertificate;
import io.opsflow.device.pki.NebulaCertificateException;
import io.opsflow.device.pki.NebulaHostKey;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Tenants and their CAs in PostgreSQL. */
@Component
public class Tenants {

  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  static final Pattern ENDPOINT = Pattern.compile("[A-Za-z0-9.-]{1,253}:[0-9]{1,5}");

  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;
  private final TenantCas cas;
  private final DeviceOnboardingProperties properties;

  public Tenants(
      JdbcTemplate jdbc,
      PlatformTransactionManager transactions,
      TenantCas cas,
      DeviceOnboardingProperties properties) {
    this.jdbc = jdbc;
    this.tx = new TransactionTemplate(transactions);
    this.cas = cas;
    this.properties = properties;
  }

  public TenantView create(CreateTenant body, String createdBy) {
    if (body.name() == null || !NAME.matcher(body.name()).matches()) {
      throw ApiException.badRequest(
          "name",
          "name: lower-case letters, digits and '-', 1 to 63, starting with a letter or digit");
    }
    Ipv4Net mesh = mesh(body.meshCidr());
    MeshAddresses hosts = new MeshAddresses(mesh, Set.of());
    String lighthouse =
        body.lighthouseIp() == null || body.lighthouseIp().isBlank()
            ? MeshAddresses.format(hosts.lowestFree(Set.of()))
            : body.lighthouseIp().strip();
    int lighthouseAddress;
    try {
      lighthouseAddress = MeshAddresses.parse(lighthouse);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("lighthouse_ip", "lighthouse_ip: not an IPv4 address");
    }
    if (!hosts.isHost(lighthouseAddress)) {
      throw ApiException.badRequest(
          "lighthouse_ip", "lighthouse_ip: " + lighthouse + " is not a host address of " + mesh);
    }
    String endpoint = body.lighthouseEndpoint() == null ? null : body.lighthouseEndpoint().strip();
    if (endpoint != null && !endpoint.isEmpty() && !endpointValid(endpoint)) {
      throw ApiException.badRequest(
          "lighthouse_endpoint", "lighthouse_endpoint: host:port with a port of 1 to 65535");
    }
    String finalEndpoint = endpoint == null || endpoint.isEmpty() ? null : endpoint;
    try {
      Long id =
          tx.execute(
              status -> {
                long created =
                    jdbc.queryForObject(
                        "insert into tenants (name, mesh_cidr, lighthouse_ip, lighthouse_endpoint,"
                            + " created_by) values (?, ?::cidr, ?::inet, ?, ?) returning id",
                        Long.class,
                        body.name(),
                        mesh.toString(),
                        lighthouse,
                        finalEndpoint,
                        createdBy);
                cas.create(created, body.name(), mesh, properties.caValidity());
                return created;
              });
      return require(id);
    } catch (DuplicateKeyException e) {
      throw new ApiException(
          org.springframework.http.HttpStatus.CONFLICT,
          "name: a tenant named '" + body.name() + "' exists",
          "name");
    }
  }

  /**
   * A certificate for the tenant's lighthouse: its own public key, the lighthouse address with the
   * mesh's mask, the group {@code lighthouse}, valid as long as a device's.
   */
  public LighthouseCertificate lighthouseCertificate(long id, LighthouseKey body) {
    TenantView tenant = require(id);
    NebulaHostKey key;
    try {
      key = NebulaHostKey.parsePem(body == null ? null : body.publicKey());
    } catch (NebulaCertificateException | RuntimeException e) {
      throw ApiException.badRequest(
          "public_key",
          "public_key: not a NEBULA X25519 PUBLIC KEY PEM; never send the private key");
    }
    Ipv4Net mesh = Ipv4Net.parse(tenant.meshCidr());
    NebulaCa ca = cas.open(id);
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Instant notAfter = now.plus(properties.certificateValidity());
    Instant caEnd = ca.certificate().details().notAfter();
    NebulaCertificate certificate =
        ca.sign(
            key,
            tenant.name() + "-lighthouse",
            new Ipv4Net(MeshAddresses.parse(tenant.lighthouseIp()), mesh.mask()),
            List.of("lighthouse"),
            now,
            notAfter.isAfter(caEnd) ? caEnd : notAfter);
    return new LighthouseCertificate(
        id,
        tenant.lighthouseIp(),
        certificate.fingerprint(),
        certificate.details().notAfter(),
        tenant.caCertificate(),
        certificate.toPem());
  }

  static boolean endpointValid(String endpoint) {
    if (!ENDPOINT.matcher(endpoint).matches()) {
      return false;
    }
    int port = Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
    return port >= 1 && port <= 65535;
  }

  private static Ipv4Net mesh(String cidr) {
    if (cidr == null || cidr.isBlank()) {
      return Ipv4Net.DEFAULT_MESH;
    }
    Ipv4Net mesh;
    try {
      mesh = Ipv4Net.parse(cidr);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("mesh_cidr", "mesh_cidr: " + e.getMessage());
    }
    if (mesh.prefixLength() < 8 || mesh.prefixLength() > 30) {
      throw ApiException.badRequest("mesh_cidr", "mesh_cidr: the prefix must be 8 to 30 bits");
    }
    if (!mesh.equals(mesh.network())) {
      throw ApiException.badRequest(
          "mesh_cidr",
          "mesh_cidr: "
              + cidr.strip()
              + " is not a network address (did you mean "
              + mesh.network()
              + "?)");
    }
    return mesh;
  }

  private static final String SELECT =
      "select t.*, t.mesh_cidr::text mesh, host(t.lighthouse_ip) lighthouse, c.fingerprint,"
          + " c.not_after ca_not_after, c.certificate ca_certificate,"
          + " (select count(*) from devices d where d.tenant_id = t.id) device_count"
          + " from tenants t left join tenant_cas c on c.tenant_id = t.id";

  public TenantView require(long id) {
    return jdbc.query(SELECT + " where t.id = ?", Tenants::row, id).stream()
        .findFirst()
        .orElseThrow(() -> ApiException.notFound("tenant " + id + " not found"));
  }

  public List<TenantView> list() {
    return jdbc.query(SELECT + " order by t.id", Tenants::row);
  }

  private static TenantView row(ResultSet rs, int n) throws SQLException {
    return new TenantView(
        rs.getLong("id"),
        rs.getString("name"),
        rs.getString("mesh"),
        rs.getString("lighthouse"),
        rs.getString("lighthouse_endpoint"),
        rs.getString("fingerprint"),
        rs.getTimestamp("ca_not_after") == null
            ? null
            : rs.getTimestamp("ca_not_after").toInstant(),
        rs.getString("ca_certificate"),
        rs.getLong("device_count"),
        rs.getString("created_by"),
        rs.getTimestamp("created_at").toInstant());
  }
}
