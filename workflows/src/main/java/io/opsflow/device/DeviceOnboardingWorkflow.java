package io.opsflow.device;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One device's life in its tenant's Nebula mesh, id {@code device-<id>}: an address in the mesh, a
 * license and a certificate (a Saga: a failure half way gives back what was taken), then the wait
 * for first contact ({@code awaiting_contact} to {@code online} or {@code contact_timeout}), then
 * certificate renewal before expiry on a durable timer (each renewal continues as new), until
 * decommission revokes it all.
 */
@WorkflowInterface
public interface DeviceOnboardingWorkflow {

  @WorkflowMethod
  DeviceView run(DeviceOnboardingRequest request);

  /**
   * Returns once the device is ready to install ({@code awaiting_contact}); fails with the named
   * failure ({@link DeviceFailure#ADDRESS_POOL_EXHAUSTED}, ...) when onboarding failed. Sent with
   * update-with-start so that registering a device answers in one round trip.
   */
  @UpdateMethod
  DeviceView awaitReady();

  /**
   * The device was heard from (first ping, first telemetry): {@code awaiting_contact} or {@code
   * contact_timeout} becomes {@code online}. Connectivity and the syslog intake send it; a repeat
   * is harmless.
   */
  @SignalMethod
  void contact(DeviceContact contact);

  /** An enrollment code was redeemed: the certificate to renew from now on. */
  @SignalMethod
  void enrolled(DeviceEnrolled enrolled);

  /** Revokes every certificate (blocklisted), releases the address, revokes the license. */
  @UpdateMethod
  DeviceView decommission(Decommission decommission);

  @UpdateValidatorMethod(updateName = "decommission")
  void validateDecommission(Decommission decommission);

  @QueryMethod
  DeviceView state();
}
