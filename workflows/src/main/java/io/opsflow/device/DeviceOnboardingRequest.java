package io.opsflow.device;

/**
 * Input of {@code device-<id>}.
 *
 * @param deviceId the device's row
 * @param tenant the tenant's name (search attribute)
 * @param ownKey whether the device sent its own public key: the certificate is issued at once;
 *     otherwise it enrolls with a single-use code and the API signals {@link DeviceEnrolled}
 * @param settings timings
 * @param carried the state a previous run handed over with continue-as-new; null on the first run
 */
public record DeviceOnboardingRequest(
    long deviceId,
    String tenant,
    boolean ownKey,
    DeviceOnboardingSettings settings,
    DeviceOnboardingState carried) {

  public static String workflowId(long deviceId) {
    return "device-" + deviceId;
  }

  /** The same device continued with {@code state}. */
  public DeviceOnboardingRequest continueWith(DeviceOnboardingState state) {
    return new DeviceOnboardingRequest(deviceId, tenant, ownKey, settings, state);
  }
}
