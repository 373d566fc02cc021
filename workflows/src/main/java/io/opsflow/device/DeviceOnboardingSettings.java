package io.opsflow.device;

import java.time.Duration;

/**
 * Timings of one device's onboarding, taken from configuration by the API and recorded in the
 * workflow input so that every replay sees the same values.
 *
 * @param contactTimeout how long after its installer is ready the device has to be heard from
 * @param certificateValidity how long each certificate is valid
 * @param renewalWindow how long before a certificate expires it is renewed; shorter than the
 *     validity
 * @param licenseValidity how long a license is valid
 */
public record DeviceOnboardingSettings(
    Duration contactTimeout,
    Duration certificateValidity,
    Duration renewalWindow,
    Duration licenseValidity) {

  /** Defaults of a real fleet: a day to come online, certificates for 30 days renewed 7 early. */
  public static DeviceOnboardingSettings defaults() {
    return new DeviceOnboardingSettings(
        Duration.ofHours(24), Duration.ofDays(30), Duration.ofDays(7), Duration.ofDays(365));
  }
}
