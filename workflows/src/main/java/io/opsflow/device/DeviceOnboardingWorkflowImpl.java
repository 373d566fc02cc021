package io.opsflow.device;

import io.opsflow.Failures;
import io.opsflow.device.DeviceOnboardingActivities.AddressLease;
import io.opsflow.device.DeviceOnboardingActivities.CertificateCommand;
import io.opsflow.device.DeviceOnboardingActivities.IssuedCertificate;
import io.opsflow.device.DeviceOnboardingActivities.LicenseCommand;
import io.opsflow.device.DeviceOnboardingActivities.RenewCommand;
import io.opsflow.device.DeviceOnboardingActivities.RevokeCommand;
import io.opsflow.device.DeviceOnboardingActivities.StatusChange;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import java.time.Instant;

/** Deterministic onboarding lifecycle; every side effect is an activity. */
public class DeviceOnboardingWorkflowImpl implements DeviceOnboardingWorkflow {

  private final DeviceOnboardingRequest request;
  private final DeviceOnboardingSettings settings;

  /** Onboarding steps: bounded, so that a step that cannot succeed ends in the compensation. */
  private final DeviceOnboardingActivities steps;

  /** Compensation, revocation and status writes: retried until they succeed. */
  private final DeviceOnboardingActivities store;

  private DeviceStatus status;
  private String ipAddress;
  private Instant contactDeadline;
  private String fingerprint;
  private Instant notAfter;
  private int renewals;
  private Instant lastContactAt;
  private DeviceContact pendingContact;
  private DeviceEnrolled pendingEnrollment;
  private Decommission decommissionRequest;
  private DeviceFailure failure;
  private String failureMessage;

  @WorkflowInit
  public DeviceOnboardingWorkflowImpl(DeviceOnboardingRequest request) {
    this.request = request;
    this.settings = request.settings();
    RetryOptions retry =
        RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofMillis(500))
            .setMaximumInterval(Duration.ofSeconds(30))
            .build();
    this.steps =
        Workflow.newActivityStub(
            DeviceOnboardingActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setScheduleToCloseTimeout(Duration.ofMinutes(10))
                .setRetryOptions(retry)
                .build());
    this.store =
        Workflow.newActivityStub(
            DeviceOnboardingActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setRetryOptions(retry)
                .build());
    DeviceOnboardingState carried = request.carried();
    if (carried == null) {
      status = DeviceStatus.REGISTERED;
    } else {
      status = carried.status();
      ipAddress = carried.ipAddress();
      contactDeadline = carried.contactDeadline();
      fingerprint = carried.fingerprint();
      notAfter = carried.notAfter();
      renewals = carried.renewals();
      lastContactAt = carried.lastContactAt();
    }
  }

  @Override
  public DeviceView run(DeviceOnboardingRequest ignored) {
    if (request.carried() == null && !onboard()) {
      return finish();
    }
    while (true) {
      Duration wait = nextWakeUp();
      if (wait == null) {
        Workflow.await(this::hasWork);
      } else {
        Workflow.await(wait, this::hasWork);
      }
      if (decommissionRequest != null) {
        decommission();
        return finish();
      }
      if (pendingEnrollment != null) {
        fingerprint = pendingEnrollment.fingerprint();
        notAfter = pendingEnrollment.notAfter();
        pendingEnrollment = null;
      }
      if (pendingContact != null) {
        takeContact();
        lookUpEnrollment();
      }
      if (status == DeviceStatus.AWAITING_CONTACT && !now().isBefore(contactDeadline)) {
        changeStatus(DeviceStatus.CONTACT_TIMEOUT, null);
      }
      if (fingerprint != null && !now().isBefore(renewAt())) {
        IssuedCertificate renewed =
            store.renewCertificate(
                new RenewCommand(request.deviceId(), fingerprint, settings.certificateValidity()));
        fingerprint = renewed.fingerprint();
        notAfter = renewed.notAfter();
        renewals++;
        // One run per certificate keeps each history short however long the device lives.
        Workflow.await(Workflow::isEveryHandlerFinished);
        if (pendingContact != null) {
          takeContact();
        }
        if (decommissionRequest == null && pendingEnrollment == null) {
          Workflow.continueAsNew(request.continueWith(carry()));
        }
      }
    }
  }

  /** Address, license, certificate: each compensation registered before its step. */
  private boolean onboard() {
    Saga saga = new Saga(new Saga.Options.Builder().build());
    long id = request.deviceId();
    try {
      changeStatus(DeviceStatus.ONBOARDING, null);
      saga.addCompensation(store::releaseAddress, id);
      AddressLease lease = steps.allocateAddress(id);
      ipAddress = lease.ipAddress();
      saga.addCompensation(store::revokeLicense, id);
      steps.issueLicense(new LicenseCommand(id, settings.licenseValidity()));
      if (request.ownKey()) {
        saga.addCompensation(
            () -> store.revokeCertificates(new RevokeCommand(id, "onboarding failed")));
        IssuedCertificate certificate =
            steps.issueCertificate(new CertificateCommand(id, settings.certificateValidity()));
        fingerprint = certificate.fingerprint();
        notAfter = certificate.notAfter();
      }
      contactDeadline = now().plus(settings.contactTimeout());
      changeStatus(DeviceStatus.AWAITING_CONTACT, null);
      return true;
    } catch (ActivityFailure e) {
      saga.compensate();
      ApplicationFailure cause = Failures.applicationCause(e);
      DeviceFailure named = cause == null ? null : DeviceFailure.fromType(cause.getType());
      failure = named != null ? named : DeviceFailure.CA_UNAVAILABLE;
      failureMessage =
          named != null ? cause.getOriginalMessage() : "onboarding failed: " + rootMessage(e);
      ipAddress = null;
      fingerprint = null;
      notAfter = null;
      changeStatus(DeviceStatus.FAILED, null);
      return false;
    }
  }

  private void decommission() {
    long id = request.deviceId();
    String reason =
        decommissionRequest.reason() == null || decommissionRequest.reason().isBlank()
            ? "decommissioned"
            : decommissionRequest.reason();
    store.revokeCertificates(new RevokeCommand(id, reason));
    store.releaseAddress(id);
    store.revokeLicense(id);
    changeStatus(DeviceStatus.DECOMMISSIONED, null);
  }

  private void takeContact() {
    DeviceContact contact = pendingContact;
    pendingContact = null;
    if (status == DeviceStatus.AWAITING_CONTACT || status == DeviceStatus.CONTACT_TIMEOUT) {
      lastContactAt = contact.at() != null ? contact.at() : now();
      changeStatus(DeviceStatus.ONLINE, contact);
    }
  }

  /**
   * A device heard from has a certificate: if the API's {@link DeviceEnrolled} signal was lost, the
   * stored one is what the workflow renews from now on.
   */
  private void lookUpEnrollment() {
    if (fingerprint != null || request.ownKey() || status != DeviceStatus.ONLINE) {
      return;
    }
    if (Workflow.getVersion("enrollment-lookup", Workflow.DEFAULT_VERSION, 1) < 1) {
      return;
    }
    IssuedCertificate current = store.currentCertificate(request.deviceId());
    if (current != null) {
      fingerprint = current.fingerprint();
      notAfter = current.notAfter();
    }
  }

  private boolean hasWork() {
    return decommissionRequest != null || pendingContact != null || pendingEnrollment != null;
  }

  /** Until the contact deadline or the renewal, whichever comes first; null: nothing scheduled. */
  private Duration nextWakeUp() {
    Instant next = null;
    if (status == DeviceStatus.AWAITING_CONTACT) {
      next = contactDeadline;
    }
    if (fingerprint != null && (next == null || renewAt().isBefore(next))) {
      next = renewAt();
    }
    if (next == null) {
      return null;
    }
    Duration wait = Duration.between(now(), next);
    return wait.isNegative() ? Duration.ZERO : wait;
  }

  private Instant renewAt() {
    return notAfter.minus(settings.renewalWindow());
  }

  /** The row first: whoever hears of the new status (awaitReady, decommission) finds it stored. */
  private void changeStatus(DeviceStatus next, DeviceContact contact) {
    store.setStatus(new StatusChange(request.deviceId(), next, contact));
    status = next;
    if (Workflow.getTypedSearchAttributes().containsKey(DeviceSearchAttributes.STATUS)) {
      Workflow.upsertTypedSearchAttributes(DeviceSearchAttributes.STATUS.valueSet(next.wire()));
    }
  }

  @Override
  public DeviceView awaitReady() {
    Workflow.await(() -> status != DeviceStatus.REGISTERED && status != DeviceStatus.ONBOARDING);
    if (status == DeviceStatus.FAILED) {
      throw ApplicationFailure.newNonRetryableFailure(failureMessage, failure.name());
    }
    return state();
  }

  @Override
  public void contact(DeviceContact contact) {
    if (pendingContact == null && lastContactAt == null) {
      pendingContact = contact;
    }
  }

  @Override
  public void enrolled(DeviceEnrolled enrolled) {
    pendingEnrollment = enrolled;
  }

  @Override
  public void validateDecommission(Decommission decommission) {
    if (decommissionRequest != null
        || status == DeviceStatus.DECOMMISSIONED
        || status == DeviceStatus.FAILED) {
      throw ApplicationFailure.newNonRetryableFailure(
          DeviceFailure.ALREADY_DECOMMISSIONED.defaultMessage(),
          DeviceFailure.ALREADY_DECOMMISSIONED.name());
    }
  }

  @Override
  public DeviceView decommission(Decommission decommission) {
    decommissionRequest = decommission;
    Workflow.await(() -> status == DeviceStatus.DECOMMISSIONED || status == DeviceStatus.FAILED);
    return state();
  }

  @Override
  public DeviceView state() {
    return new DeviceView(
        request.deviceId(),
        status,
        ipAddress,
        fingerprint,
        notAfter,
        renewals,
        contactDeadline,
        lastContactAt,
        failure,
        failureMessage);
  }

  private DeviceOnboardingState carry() {
    return new DeviceOnboardingState(
        status, ipAddress, contactDeadline, fingerprint, notAfter, renewals, lastContactAt);
  }

  private DeviceView finish() {
    Workflow.await(Workflow::isEveryHandlerFinished);
    return state();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t instanceof ApplicationFailure af ? af.getOriginalMessage() : t.getMessage();
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }
}
