package io.opsflow.device;

/** A device's onboarding state, as {@code devices.status} and the API spell it. */
public enum DeviceStatus {
  REGISTERED,
  ONBOARDING,
  AWAITING_CONTACT,
  ONLINE,
  CONTACT_TIMEOUT,
  DECOMMISSIONED,
  FAILED;

  /** The lower-case name stored in {@code devices.status}. */
  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
