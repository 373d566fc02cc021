package io.opsflow.device;

import io.temporal.activity.ActivityInterface;
import java.time.Duration;
import java.time.Instant;

/**
 * The database and PKI side of onboarding. Every method is idempotent: a retry after a lost reply
 * finds the effect already there and returns it. Nothing here returns or takes a private key.
 */
@ActivityInterface(namePrefix = "Device")
public interface DeviceOnboardingActivities {

  /**
   * The device's live address in its tenant's mesh, allocated on first call: the lowest free host
   * address (never the network, broadcast or lighthouse address), unique in the mesh under
   * concurrency. Fails {@link DeviceFailure#ADDRESS_POOL_EXHAUSTED} when none is left.
   */
  AddressLease allocateAddress(long deviceId);

  /** Releases the device's live addresses (decommission, or a failed onboarding). */
  void releaseAddress(long deviceId);

  /** The device's active license, issued on first call. */
  LicenseGrant issueLicense(LicenseCommand command);

  /** Revokes the device's active license. */
  void revokeLicense(long deviceId);

  /**
   * A certificate for the device's own public key, its address and groups, signed by the tenant's
   * CA; the current unrevoked one when there is one.
   */
  IssuedCertificate issueCertificate(CertificateCommand command);

  /**
   * A new certificate for the same key, address and groups as {@code previousFingerprint}; the one
   * already renewed from it when there is one.
   */
  IssuedCertificate renewCertificate(RenewCommand command);

  /**
   * The device's newest unrevoked certificate, or null: what an enrolling device got when it
   * redeemed its code, in case the API's signal did not arrive.
   */
  IssuedCertificate currentCertificate(long deviceId);

  /** Revokes every unrevoked certificate of the device: each lands on the tenant's blocklist. */
  int revokeCertificates(RevokeCommand command);

  /** Writes the device's status (and its first contact, when given). */
  void setStatus(StatusChange change);

  record AddressLease(String ipAddress, int prefixLength) {}

  record LicenseCommand(long deviceId, Duration validity) {}

  record LicenseGrant(long licenseId, Instant expiresAt) {}

  record CertificateCommand(long deviceId, Duration validity) {}

  record RenewCommand(long deviceId, String previousFingerprint, Duration validity) {}

  record IssuedCertificate(
      String fingerprint, String ipAddress, Instant notBefore, Instant notAfter) {}

  record RevokeCommand(long deviceId, String reason) {}

  record StatusChange(long deviceId, DeviceStatus status, DeviceContact contact) {}
}
