package io.opsflow.device;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Device onboarding (seed 003, flow 1), validated at start-up.
 *
 * @param caKey base64 of the 32-byte key sealing the tenants' CA keys; blank: generated once in
 *     {@code <data dir>/security/device-ca-key}. Every process that signs (API, workers) needs the
 *     same one.
 * @param caValidity how long a new tenant CA is valid
 * @param contactTimeout how long a device has to be heard from once its installer is ready
 * @param certificateValidity how long each device certificate is valid
 * @param renewalWindow how long before expiry a certificate is renewed; shorter than the validity
 * @param licenseValidity how long a license is valid
 * @param enrollmentCodeValidity how long an enrollment code can be redeemed
 * @param apiUrl this API as devices reach it: the installer's enrollment and config URLs
 * @param syslogTarget where devices send syslog telemetry ({@code host:port}), written to the
 *     installed {@code opsflow.env}; blank: none
 */
@ConfigurationProperties(prefix = "opsflow.device-onboarding")
public record DeviceOnboardingProperties(
    @DefaultValue("") String caKey,
    @DefaultValue("3650d") Duration caValidity,
    @DefaultValue("24h") Duration contactTimeout,
    @DefaultValue("30d") Duration certificateValidity,
    @DefaultValue("7d") Duration renewalWindow,
    @DefaultValue("365d") Duration licenseValidity,
    @DefaultValue("24h") Duration enrollmentCodeValidity,
    @DefaultValue("http://127.0.0.1:8080") String apiUrl,
    @DefaultValue("") String syslogTarget) {

  public DeviceOnboardingProperties {
    positive("ca-validity", caValidity);
    positive("contact-timeout", contactTimeout);
    positive("certificate-validity", certificateValidity);
    positive("renewal-window", renewalWindow);
    positive("license-validity", licenseValidity);
    positive("enrollment-code-validity", enrollmentCodeValidity);
    if (renewalWindow.compareTo(certificateValidity) >= 0) {
      throw new IllegalArgumentException(
          "opsflow.device-onboarding.renewal-window ("
              + renewalWindow
              + ") must be shorter than certificate-validity ("
              + certificateValidity
              + "): every certificate would be renewed as soon as it is issued");
    }
    if (!apiUrl.matches("https?://[A-Za-z0-9.:\\[\\]_-]+(/[A-Za-z0-9._~/-]*)?")) {
      throw new IllegalArgumentException(
          "opsflow.device-onboarding.api-url must be an http(s) URL without query, was " + apiUrl);
    }
    if (!syslogTarget.isEmpty() && !syslogTarget.matches("[A-Za-z0-9.-]+:[0-9]{1,5}")) {
      throw new IllegalArgumentException(
          "opsflow.device-onboarding.syslog-target must be host:port, was " + syslogTarget);
    }
  }

  private static void positive(String name, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException("opsflow.device-onboarding." + name + " must be positive");
    }
  }

  /** The workflow's timings. */
  public DeviceOnboardingSettings settings() {
    return new DeviceOnboardingSettings(
        contactTimeout, certificateValidity, renewalWindow, licenseValidity);
  }
}
