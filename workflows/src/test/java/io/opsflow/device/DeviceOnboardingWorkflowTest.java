package io.opsflow.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.opsflow.Failures;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WithStartWorkflowOperation;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The onboarding workflow on the time-skipping test server with in-memory activities: the wait for
 * first contact and its timeout, renewal before expiry (continued as new), decommission and the
 * Saga when onboarding fails half way.
 */
class DeviceOnboardingWorkflowTest {

  private static final String QUEUE = "orchestration";
  private static final long DEVICE = 7;
  private static final String WORKFLOW_ID = DeviceOnboardingRequest.workflowId(DEVICE);
  private static final DeviceOnboardingSettings SETTINGS =
      new DeviceOnboardingSettings(
          Duration.ofHours(1), Duration.ofDays(10), Duration.ofDays(3), Duration.ofDays(365));

  /** The workflow version the recorded histories belong to: {@code device-<version>-<scenario>}. */
  private static final String RECORDED_VERSION = "v1";

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private FakeDeviceActivities activities;

  @BeforeEach
  void startTestServer() {
    env = TestWorkflowEnvironment.newInstance();
    env.registerSearchAttribute(
        DeviceSearchAttributes.TENANT.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    env.registerSearchAttribute(
        DeviceSearchAttributes.STATUS.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    activities = new FakeDeviceActivities(env::currentTimeMillis, 3);
    Worker worker = env.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(DeviceOnboardingWorkflowImpl.class);
    worker.registerActivitiesImplementations(activities);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void stopTestServer() {
    env.close();
  }

  private DeviceOnboardingWorkflow stub(long device) {
    return client.newWorkflowStub(
        DeviceOnboardingWorkflow.class,
        WorkflowOptions.newBuilder()
            .setWorkflowId(DeviceOnboardingRequest.workflowId(device))
            .setTaskQueue(QUEUE)
            .setWorkflowIdConflictPolicy(
                WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
            .setTypedSearchAttributes(
                SearchAttributes.newBuilder()
                    .set(DeviceSearchAttributes.TENANT, "acme")
                    .set(DeviceSearchAttributes.STATUS, DeviceStatus.REGISTERED.wire())
                    .build())
            .build());
  }

  /** Registers the device the way the API does: update-with-start, answered once ready. */
  private DeviceView register(long device, boolean ownKey) {
    DeviceOnboardingWorkflow stub = stub(device);
    return WorkflowClient.executeUpdateWithStart(
        stub::awaitReady,
        UpdateOptions.<DeviceView>newBuilder()
            .setWaitForStage(WorkflowUpdateStage.COMPLETED)
            .build(),
        new WithStartWorkflowOperation<>(
            stub::run, new DeviceOnboardingRequest(device, "acme", ownKey, SETTINGS, null)));
  }

  private DeviceOnboardingWorkflow running(long device) {
    return client.newWorkflowStub(
        DeviceOnboardingWorkflow.class, DeviceOnboardingRequest.workflowId(device));
  }

  private Instant now() {
    return Instant.ofEpochMilli(env.currentTimeMillis());
  }

  @Test
  void aDeviceWithItsOwnKeyGetsAnAddressLicenseAndCertificateThenGoesOnlineOnFirstContact()
      throws IOException {
    DeviceView ready = register(DEVICE, true);

    assertThat(ready.status()).isEqualTo(DeviceStatus.AWAITING_CONTACT);
    assertThat(ready.ipAddress()).isEqualTo("192.168.100.1");
    assertThat(ready.fingerprint()).isEqualTo("fp-7-1");
    assertThat(ready.notAfter()).isAfter(now().plus(Duration.ofDays(9)));
    assertThat(ready.contactDeadline()).isAfter(now().plus(Duration.ofMinutes(59)));
    assertThat(activities.calls())
        .containsExactly("allocateAddress", "issueLicense", "issueCertificate");
    assertThat(activities.licensed(DEVICE)).isTrue();

    env.sleep(Duration.ofMinutes(20));
    running(DEVICE).contact(new DeviceContact(DeviceContact.PING, "192.168.100.1", now()));
    running(DEVICE).contact(new DeviceContact(DeviceContact.TELEMETRY, "192.168.100.1", now()));
    env.sleep(Duration.ofMinutes(50));

    DeviceView online = running(DEVICE).state();
    assertThat(online.status()).isEqualTo(DeviceStatus.ONLINE);
    assertThat(online.lastContactAt()).isNotNull();
    // Later contacts change nothing: one ONLINE write, and no timeout after the deadline passed.
    assertThat(activities.statuses())
        .containsExactly(
            DeviceStatus.ONBOARDING, DeviceStatus.AWAITING_CONTACT, DeviceStatus.ONLINE);
    assertThat(
            client
                .newUntypedWorkflowStub(WORKFLOW_ID)
                .describe()
                .getTypedSearchAttributes()
                .get(DeviceSearchAttributes.STATUS))
        .isEqualTo("online");
    running(DEVICE).decommission(new Decommission("done", "admin"));
    recordHistory("contact");
  }

  @Test
  void aDeviceNeverHeardFromTimesOutAndComesOnlineWhenItFinallyCalls() throws IOException {
    register(DEVICE, true);

    env.sleep(Duration.ofMinutes(61));
    assertThat(running(DEVICE).state().status()).isEqualTo(DeviceStatus.CONTACT_TIMEOUT);

    running(DEVICE).contact(new DeviceContact(DeviceContact.TELEMETRY, "192.168.100.1", now()));
    env.sleep(Duration.ofSeconds(5));
    assertThat(running(DEVICE).state().status()).isEqualTo(DeviceStatus.ONLINE);
    assertThat(activities.statuses())
        .containsSubsequence(
            DeviceStatus.AWAITING_CONTACT, DeviceStatus.CONTACT_TIMEOUT, DeviceStatus.ONLINE);
    running(DEVICE).decommission(new Decommission(null, "admin"));
    recordHistory("timeout");
  }

  @Test
  void theCertificateIsRenewedBeforeExpiryAndEachRenewalContinuesAsNew() throws IOException {
    DeviceView ready = register(DEVICE, true);
    running(DEVICE).contact(new DeviceContact(DeviceContact.PING, "192.168.100.1", now()));
    Instant firstExpiry = ready.notAfter();

    // 10-day certificates renewed 3 days before expiry: at day 7, then at day 14.
    env.sleep(Duration.ofDays(6));
    assertThat(activities.certificates()).hasSize(1);
    env.sleep(Duration.ofDays(2));
    List<DeviceOnboardingActivities.IssuedCertificate> issued = activities.certificates();
    assertThat(issued).hasSize(2);
    assertThat(issued.get(1).notBefore()).isBefore(firstExpiry.minus(Duration.ofDays(2)));
    DeviceView renewed = running(DEVICE).state();
    assertThat(renewed.fingerprint()).isEqualTo(issued.get(1).fingerprint());
    assertThat(renewed.renewals()).isEqualTo(1);
    assertThat(renewed.status()).isEqualTo(DeviceStatus.ONLINE);
    assertThat(renewed.ipAddress()).isEqualTo("192.168.100.1");
    env.sleep(Duration.ofDays(7));
    assertThat(activities.certificates()).hasSize(3);
    assertThat(running(DEVICE).state().renewals()).isEqualTo(2);

    // Each renewal ended a run: the first run's history ends in continue-as-new.
    String firstRunId = firstRunId();
    var firstRun = client.fetchHistory(WORKFLOW_ID, firstRunId).getEvents();
    assertThat(firstRun.get(firstRun.size() - 1).getEventType())
        .isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);

    DeviceView gone = running(DEVICE).decommission(new Decommission("lost at sea", "admin"));
    assertThat(gone.status()).isEqualTo(DeviceStatus.DECOMMISSIONED);
    // Every certificate it ever had is blocklisted, the current one included.
    assertThat(activities.blocklist())
        .containsExactlyElementsOf(
            activities.certificates().stream()
                .map(DeviceOnboardingActivities.IssuedCertificate::fingerprint)
                .toList());
    recordHistory("renewal", firstRunId);
  }

  private String firstRunId() {
    var executions =
        env.getWorkflowServiceStubs()
            .blockingStub()
            .listClosedWorkflowExecutions(
                io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest.newBuilder()
                    .setNamespace(env.getNamespace())
                    .build())
            .getExecutionsList();
    return executions.stream()
        .filter(e -> e.getExecution().getWorkflowId().equals(WORKFLOW_ID))
        .min(java.util.Comparator.comparing(e -> e.getStartTime().getSeconds()))
        .orElseThrow()
        .getExecution()
        .getRunId();
  }

  @Test
  void decommissionRevokesReleasesAndASecondOneIsRefused() throws IOException {
    register(DEVICE, true);
    DeviceView gone = running(DEVICE).decommission(new Decommission("retired", "admin"));

    assertThat(gone.status()).isEqualTo(DeviceStatus.DECOMMISSIONED);
    assertThat(activities.blocklist()).containsExactly("fp-7-1");
    assertThat(activities.holdsAddress(DEVICE)).isFalse();
    assertThat(activities.licensed(DEVICE)).isFalse();
    DeviceView result = client.newUntypedWorkflowStub(WORKFLOW_ID).getResult(DeviceView.class);
    assertThat(result.status()).isEqualTo(DeviceStatus.DECOMMISSIONED);

    // The address goes back to the pool: the next device gets it.
    assertThat(register(DEVICE + 1, true).ipAddress()).isEqualTo("192.168.100.1");
    recordHistory("decommission");
  }

  @Test
  void anExhaustedPoolFailsRegistrationWithTheNamedFailureAndGivesBackNothing() {
    register(1, true);
    register(2, true);
    register(3, true);

    WorkflowUpdateException refused =
        catchThrowableOfType(WorkflowUpdateException.class, () -> register(4, true));

    ApplicationFailure cause = Failures.applicationCause(refused);
    assertThat(cause.getType()).isEqualTo(DeviceFailure.ADDRESS_POOL_EXHAUSTED.name());
    assertThat(cause.getOriginalMessage()).contains("no free address");
    assertThat(running(4).state().status()).isEqualTo(DeviceStatus.FAILED);
    DeviceView result =
        client
            .newUntypedWorkflowStub(DeviceOnboardingRequest.workflowId(4))
            .getResult(DeviceView.class);
    assertThat(result.failure()).isEqualTo(DeviceFailure.ADDRESS_POOL_EXHAUSTED);
    // The three others keep their addresses.
    assertThat(activities.holdsAddress(1)).isTrue();
    assertThat(activities.holdsAddress(3)).isTrue();
  }

  @Test
  void aCertificateThatCannotBeIssuedReleasesTheAddressAndRevokesTheLicense() throws IOException {
    activities.certificateFailure = "public_key: not a Nebula X25519 public key";

    WorkflowUpdateException refused =
        catchThrowableOfType(WorkflowUpdateException.class, () -> register(DEVICE, true));

    assertThat(Failures.applicationCause(refused).getType())
        .isEqualTo(DeviceFailure.INVALID_PUBLIC_KEY.name());
    assertThat(activities.calls())
        .containsExactly(
            "allocateAddress",
            "issueLicense",
            "issueCertificate",
            "revokeCertificates",
            "revokeLicense",
            "releaseAddress");
    assertThat(activities.holdsAddress(DEVICE)).isFalse();
    assertThat(activities.licensed(DEVICE)).isFalse();
    assertThat(activities.statuses()).endsWith(DeviceStatus.FAILED);
    recordHistory("saga");
  }

  @Test
  void anEnrollingDeviceHasNoCertificateUntilItRedeemsItsCodeThenItIsRenewed() throws IOException {
    DeviceView ready = register(DEVICE, false);
    assertThat(ready.fingerprint()).isNull();
    assertThat(activities.calls()).containsExactly("allocateAddress", "issueLicense");

    env.sleep(Duration.ofMinutes(5));
    running(DEVICE).enrolled(new DeviceEnrolled("fp-enrolled", now().plus(Duration.ofDays(10))));
    running(DEVICE).contact(new DeviceContact(DeviceContact.PING, "192.168.100.1", now()));
    env.sleep(Duration.ofDays(8));

    DeviceView renewed = running(DEVICE).state();
    assertThat(renewed.renewals()).isEqualTo(1);
    assertThat(activities.calls()).contains("renewCertificate");
    running(DEVICE).decommission(new Decommission("done", "admin"));
    recordHistory("enrollment");
  }

  @Test
  void anEnrolledDeviceWhoseSignalWasLostIsFoundOnFirstContactAndRenewed() throws IOException {
    register(DEVICE, false);
    activities.enrolledCertificate =
        new DeviceOnboardingActivities.IssuedCertificate(
            "fp-stored", "192.168.100.1", now(), now().plus(Duration.ofDays(10)));

    running(DEVICE).contact(new DeviceContact(DeviceContact.PING, "192.168.100.1", now()));
    env.sleep(Duration.ofSeconds(5));
    assertThat(running(DEVICE).state().fingerprint()).isEqualTo("fp-stored");
    env.sleep(Duration.ofDays(8));

    assertThat(running(DEVICE).state().renewals()).isEqualTo(1);
    assertThat(activities.calls()).contains("currentCertificate", "renewCertificate");
    running(DEVICE).decommission(new Decommission("done", "admin"));
    recordHistory("enrollment-lookup", firstRunId());
  }

  private void recordHistory(String scenario) throws IOException {
    recordHistory(scenario, null);
  }

  /** The run's history for {@link DeviceOnboardingWorkflowReplayTest}; null: the latest run. */
  private void recordHistory(String scenario, String runId) throws IOException {
    String dir = System.getProperty("opsflow.recordHistories");
    if (dir == null || dir.isBlank()) {
      return;
    }
    Path file = Path.of(dir).resolve("device-" + RECORDED_VERSION + "-" + scenario + ".json");
    Files.createDirectories(file.getParent());
    Files.writeString(file, client.fetchHistory(WORKFLOW_ID, runId).toJson(true));
  }
}
