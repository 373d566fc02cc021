package io.opsflow.device;

/** Named failures, used as {@code ApplicationFailure} types so the API can map each to a status. */
public enum DeviceFailure {
  /** No free address is left in the tenant's mesh (409). */
  ADDRESS_POOL_EXHAUSTED("No free address left in the tenant's mesh"),
  /** The tenant has no CA, or its CA cannot sign (expired, key unreadable). */
  CA_UNAVAILABLE("The tenant's CA cannot sign"),
  /** The device or its tenant is not in the database. */
  DEVICE_NOT_FOUND("Device not found"),
  /** The device's public key cannot be certified. */
  INVALID_PUBLIC_KEY("The device's public key is not a Nebula X25519 public key"),
  /** Decommission of a device already decommissioned (or whose onboarding failed). */
  ALREADY_DECOMMISSIONED("Device is already decommissioned");

  private final String defaultMessage;

  DeviceFailure(String defaultMessage) {
    this.defaultMessage = defaultMessage;
  }

  public String defaultMessage() {
    return defaultMessage;
  }

  /** The failure named by an ApplicationFailure type, or null for a type that is not ours. */
  public static DeviceFailure fromType(String type) {
    for (DeviceFailure f : values()) {
      if (f.name().equals(type)) {
        return f;
      }
    }
    return null;
  }
}
