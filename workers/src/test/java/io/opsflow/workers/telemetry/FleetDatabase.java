package io.opsflow.workers.telemetry;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.opsflow.workers.embedded.EmbeddedPostgres;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * An embedded PostgreSQL migrated by Flyway, with tenants, devices and VPN endpoints written
 * directly (onboarding is another flow's job).
 */
public final class FleetDatabase implements AutoCloseable {

  public final EmbeddedPostgres postgres;
  public final HikariDataSource dataSource;
  public final JdbcTemplate jdbc;
  public final TransactionTemplate tx;

  public FleetDatabase() {
    postgres = EmbeddedPostgres.start();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.jdbcUrl());
    config.setUsername(postgres.username());
    config.setPassword(postgres.password());
    config.setMaximumPoolSize(10);
    dataSource = new HikariDataSource(config);
    Flyway.configure().dataSource(dataSource).load().migrate();
    jdbc = new JdbcTemplate(dataSource);
    tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
  }

  public void empty() {
    jdbc.execute(
        "truncate telemetry_records, device_latest_state, device_first_contacts,"
            + " connectivity_transitions, connectivity_status, vpn_endpoints, devices, tenants"
            + " restart identity cascade");
  }

  public long tenant(String name) {
    return jdbc.queryForObject(
        "insert into tenants (name, mesh_cidr) values (?, '127.0.0.0/8') returning id",
        Long.class,
        name);
  }

  public long device(long tenant, String name, String type, String role) {
    return jdbc.queryForObject(
        "insert into devices (tenant_id, name, device_type, role, created_by)"
            + " values (?, ?, ?, ?, 'it') returning id",
        Long.class,
        tenant,
        name,
        type,
        role);
  }

  public long endpoint(long device, String ip) {
    return jdbc.queryForObject(
        "insert into vpn_endpoints (device_id, tenant_id, ip_address, role)"
            + " select id, tenant_id, ?::inet, role from devices where id = ? returning id",
        Long.class,
        ip,
        device);
  }

  /** A second live endpoint of a device takes the other role (one live endpoint per role). */
  public long endpoint(long device, String ip, String role) {
    return jdbc.queryForObject(
        "insert into vpn_endpoints (device_id, tenant_id, ip_address, role)"
            + " select id, tenant_id, ?::inet, ? from devices where id = ? returning id",
        Long.class,
        ip,
        role,
        device);
  }

  public void release(long endpoint) {
    jdbc.update("update vpn_endpoints set released_at = now() where id = ?", endpoint);
  }

  @Override
  public void close() {
    dataSource.close();
    postgres.close();
  }
}
