package io.opsflow.workers.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.opsflow.device.Decommission;
import io.opsflow.device.DeviceCaKeys;
import io.opsflow.device.DeviceCertificates;
import io.opsflow.device.DeviceContact;
import io.opsflow.device.DeviceFailure;
import io.opsflow.device.DeviceOnboardingActivities.AddressLease;
import io.opsflow.device.DeviceOnboardingActivities.CertificateCommand;
import io.opsflow.device.DeviceOnboardingActivities.IssuedCertificate;
import io.opsflow.device.DeviceOnboardingActivities.RevokeCommand;
import io.opsflow.device.DeviceOnboardingActivitiesImpl;
import io.opsflow.device.DeviceOnboardingRequest;
import io.opsflow.device.DeviceOnboardingSettings;
import io.opsflow.device.DeviceOnboardingWorkflow;
import io.opsflow.device.DeviceOnboardingWorkflowImpl;
import io.opsflow.device.DeviceStatus;
import io.opsflow.device.DeviceView;
import io.opsflow.device.TenantCas;
import io.opsflow.device.pki.Ipv4Net;
import io.opsflow.device.pki.NebulaBlocklist;
import io.opsflow.device.pki.NebulaCertificate;
import io.opsflow.device.pki.NebulaCertificateException;
import io.opsflow.device.pki.NebulaHostKeyPair;
import io.opsflow.workers.embedded.EmbeddedPostgres;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WithStartWorkflowOperation;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The onboarding activities against PostgreSQL (embedded, migrated by Flyway): addresses unique
 * under 50 concurrent onboardings because the database says so, exhaustion named, certificates
 * signed by the tenant's sealed CA, renewal, revocation into the blocklist; and the workflow on
 * them, whose history never holds a private key.
 */
class DeviceOnboardingIT {

  private static EmbeddedPostgres postgres;
  private static HikariDataSource dataSource;
  private static JdbcTemplate jdbc;
  private static DeviceCaKeys keys;
  private static TenantCas cas;
  private static DeviceCertificates certificates;
  private static DeviceOnboardingActivitiesImpl activities;
  // endpoints whose health check the activities started (the connectivity monitors in the apps)
  private static final List<Long> watched = new CopyOnWriteArrayList<>();
  private static final SecureRandom RANDOM = new SecureRandom();

  @BeforeAll
  static void database() {
    postgres = EmbeddedPostgres.start();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.jdbcUrl());
    config.setUsername(postgres.username());
    config.setPassword(postgres.password());
    config.setMaximumPoolSize(60);
    dataSource = new HikariDataSource(config);
    Flyway.configure().dataSource(dataSource).load().migrate();
    jdbc = new JdbcTemplate(dataSource);
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    keys = new DeviceCaKeys(key);
    cas = new TenantCas(jdbc, keys, Clock.systemUTC());
    certificates = new DeviceCertificates(jdbc, cas, Clock.systemUTC());
    activities =
        new DeviceOnboardingActivitiesImpl(
            jdbc,
            new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
            certificates,
            Clock.systemUTC(),
            watched::add);
  }

  @AfterAll
  static void stop() {
    dataSource.close();
    postgres.close();
  }

  private static long tenant(String cidr, String lighthouse) {
    String name = "t" + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE);
    long id =
        jdbc.queryForObject(
            "insert into tenants (name, mesh_cidr, lighthouse_ip, lighthouse_endpoint)"
                + " values (?, ?::cidr, ?::inet, '127.0.0.1:4242') returning id",
            Long.class,
            name,
            cidr,
            lighthouse);
    cas.create(id, name, Ipv4Net.parse(cidr), Duration.ofDays(3650));
    return id;
  }

  private static long device(long tenant, String name, String publicKey) {
    return jdbc.queryForObject(
        "insert into devices (tenant_id, name, device_type, created_by, public_key, groups)"
            + " values (?, ?, 'drone', 'it', ?, '{drone,primary}') returning id",
        Long.class,
        tenant,
        name,
        publicKey);
  }

  @Test
  void fiftyParallelOnboardingsGetFiftyDistinctAddressesInsideTheMesh() throws Exception {
    long tenant = tenant("192.168.100.0/24", "192.168.100.1");
    List<Long> devices = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      devices.add(device(tenant, "drone-" + i, null));
    }
    ExecutorService pool = Executors.newFixedThreadPool(50);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<AddressLease>> leases = new ArrayList<>();
    for (long device : devices) {
      leases.add(
          pool.submit(
              () -> {
                start.await();
                return activities.allocateAddress(device);
              }));
    }
    start.countDown();
    Set<String> addresses = new HashSet<>();
    for (Future<AddressLease> lease : leases) {
      AddressLease got = lease.get();
      assertThat(got.prefixLength()).isEqualTo(24);
      addresses.add(got.ipAddress());
    }
    pool.shutdown();

    assertThat(addresses)
        .hasSize(50)
        .doesNotContain("192.168.100.0", "192.168.100.1", "192.168.100.255");
    assertThat(addresses).allMatch(ip -> ip.startsWith("192.168.100."));
    assertThat(
            jdbc.queryForObject(
                "select count(distinct ip_address) from vpn_endpoints where tenant_id = ?"
                    + " and released_at is null",
                Integer.class,
                tenant))
        .isEqualTo(50);
    // A retried allocation returns the same address.
    assertThat(activities.allocateAddress(devices.get(0)).ipAddress())
        .isEqualTo(
            jdbc.queryForObject(
                "select host(ip_address) from devices where id = ?", String.class, devices.get(0)));
  }

  @Test
  void anExhaustedMeshIsANamedFailureAndAReleasedAddressIsHandedOutAgain() {
    // /29: six hosts, one the lighthouse's.
    long tenant = tenant("10.9.0.0/29", "10.9.0.1");
    List<Long> devices = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      long device = device(tenant, "d" + i, null);
      devices.add(device);
      assertThat(activities.allocateAddress(device).ipAddress()).isEqualTo("10.9.0." + (i + 2));
    }
    long sixth = device(tenant, "d6", null);

    ApplicationFailure full =
        catchThrowableOfType(ApplicationFailure.class, () -> activities.allocateAddress(sixth));

    assertThat(full.getType()).isEqualTo(DeviceFailure.ADDRESS_POOL_EXHAUSTED.name());
    assertThat(full.isNonRetryable()).isTrue();
    assertThat(full.getOriginalMessage()).contains("no free address left in mesh 10.9.0.0/29");
    activities.releaseAddress(devices.get(2));
    assertThat(activities.allocateAddress(sixth).ipAddress()).isEqualTo("10.9.0.4");
  }

  @Test
  void certificatesAreSignedByTheSealedTenantCaRenewedAndRevokedIntoTheBlocklist()
      throws NebulaCertificateException {
    long tenant = tenant("192.168.100.0/24", "192.168.100.1");
    NebulaHostKeyPair pair = NebulaHostKeyPair.generate();
    long device = device(tenant, "laptop-1", pair.publicKey().toPem());
    activities.allocateAddress(device);

    IssuedCertificate issued =
        activities.issueCertificate(new CertificateCommand(device, Duration.ofDays(30)));
    // A retry returns the same certificate.
    assertThat(activities.issueCertificate(new CertificateCommand(device, Duration.ofDays(30))))
        .isEqualTo(issued);
    NebulaCertificate ca = NebulaCertificate.parse(cas.certificatePem(tenant));
    NebulaCertificate certificate = NebulaCertificate.parse(certificates.pem(issued.fingerprint()));
    certificate.verify(ca, Instant.now());
    pair.requireMatches(certificate);
    assertThat(certificate.details().ips()).containsExactly(Ipv4Net.parse("192.168.100.2/24"));
    assertThat(certificate.details().groups()).containsExactly("drone", "primary");
    assertThat(issued.notAfter()).isAfter(Instant.now().plus(Duration.ofDays(29)));

    // The CA's key is sealed: not in clear in the row, and another key cannot open it.
    byte[] sealed =
        jdbc.queryForObject(
            "select key_ciphertext from tenant_cas where tenant_id = ?", byte[].class, tenant);
    assertThat(new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1))
        .doesNotContain("PRIVATE KEY");
    byte[] other = new byte[32];
    RANDOM.nextBytes(other);
    assertThat(
            catchThrowableOfType(
                IllegalStateException.class,
                () -> new TenantCas(jdbc, new DeviceCaKeys(other), Clock.systemUTC()).open(tenant)))
        .hasMessageContaining("does not decrypt");

    IssuedCertificate renewed =
        certificates.renew(device, issued.fingerprint(), Duration.ofDays(30));
    assertThat(renewed.fingerprint()).isNotEqualTo(issued.fingerprint());
    assertThat(certificates.renew(device, issued.fingerprint(), Duration.ofDays(30)))
        .isEqualTo(renewed);
    NebulaCertificate second = NebulaCertificate.parse(certificates.pem(renewed.fingerprint()));
    pair.requireMatches(second);

    assertThat(activities.revokeCertificates(new RevokeCommand(device, "stolen"))).isEqualTo(2);
    assertThat(certificates.blocklist(tenant))
        .containsExactlyInAnyOrder(issued.fingerprint(), renewed.fingerprint());
    NebulaBlocklist blocklist = new NebulaBlocklist(Set.copyOf(certificates.blocklist(tenant)));
    assertThat(
            catchThrowableOfType(
                NebulaCertificateException.class,
                () -> second.verify(ca, Instant.now(), blocklist)))
        .isNotNull();
  }

  @Test
  void theWorkflowOnTheRealActivitiesNeverPutsAPrivateKeyInItsHistory() {
    long tenant = tenant("192.168.100.0/24", "192.168.100.1");
    NebulaHostKeyPair pair = NebulaHostKeyPair.generate();
    long device = device(tenant, "fts-1", pair.publicKey().toPem());
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      Worker worker = env.newWorker("orchestration");
      worker.registerWorkflowImplementationTypes(DeviceOnboardingWorkflowImpl.class);
      worker.registerActivitiesImplementations(activities);
      env.start();
      WorkflowClient client = env.getWorkflowClient();
      DeviceOnboardingWorkflow stub =
          client.newWorkflowStub(
              DeviceOnboardingWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setWorkflowId(DeviceOnboardingRequest.workflowId(device))
                  .setTaskQueue("orchestration")
                  .setWorkflowIdConflictPolicy(
                      WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
                  .build());
      DeviceView ready =
          WorkflowClient.executeUpdateWithStart(
              stub::awaitReady,
              UpdateOptions.<DeviceView>newBuilder()
                  .setWaitForStage(WorkflowUpdateStage.COMPLETED)
                  .build(),
              new WithStartWorkflowOperation<>(
                  stub::run,
                  new DeviceOnboardingRequest(
                      device, "acme", true, DeviceOnboardingSettings.defaults(), null)));
      assertThat(ready.status()).isEqualTo(DeviceStatus.AWAITING_CONTACT);
      assertThat(status(device)).isEqualTo("awaiting_contact");
      // waiting for contact starts the probes of the device's endpoint
      assertThat(watched)
          .contains(
              jdbc.queryForObject(
                  "select id from vpn_endpoints where device_id = ? and released_at is null",
                  Long.class,
                  device));
      DeviceOnboardingWorkflow running =
          client.newWorkflowStub(
              DeviceOnboardingWorkflow.class, DeviceOnboardingRequest.workflowId(device));
      running.contact(new DeviceContact(DeviceContact.PING, ready.ipAddress(), Instant.now()));
      env.sleep(Duration.ofSeconds(5));
      assertThat(status(device)).isEqualTo("online");
      DeviceView gone = running.decommission(new Decommission("retired", "it"));
      assertThat(gone.status()).isEqualTo(DeviceStatus.DECOMMISSIONED);
      assertThat(status(device)).isEqualTo("decommissioned");
      assertThat(certificates.blocklist(tenant)).containsExactly(ready.fingerprint());
      assertThat(
              jdbc.queryForObject(
                  "select count(*) from vpn_endpoints where device_id = ? and released_at is null",
                  Integer.class,
                  device))
          .isZero();
      assertThat(
              jdbc.queryForObject(
                  "select status from licenses where device_id = ?", String.class, device))
          .isEqualTo("revoked");

      // Protobuf text: payloads appear as their (JSON) bytes, not base64 as in toJson.
      String history =
          client.fetchHistory(DeviceOnboardingRequest.workflowId(device)).getHistory().toString();
      assertThat(history).contains(ready.fingerprint()).doesNotContain("PRIVATE KEY");
    }
  }

  private static String status(long device) {
    return jdbc.queryForObject("select status from devices where id = ?", String.class, device);
  }
}
