package io.opsflow.api.device;

import java.time.Instant;
import java.util.List;

/** Bodies and answers of the tenant, device and enrollment routes (snake_case on the wire). */
public final class DeviceDtos {

  private DeviceDtos() {}

  /**
   * A new tenant with its own Nebula CA.
   *
   * @param meshCidr its overlay network, {@code 192.168.100.0/24} when absent
   * @param lighthouseIp the lighthouse's overlay address, the mesh's first host when absent
   * @param lighthouseEndpoint where nodes reach the lighthouse ({@code host:port}), optional
   */
  public record CreateTenant(
      String name, String meshCidr, String lighthouseIp, String lighthouseEndpoint) {}

  /** A tenant; {@code ca_certificate} is its CA's PEM (public: every node trusts it). */
  public record TenantView(
      long id,
      String name,
      String meshCidr,
      String lighthouseIp,
      String lighthouseEndpoint,
      String caFingerprint,
      Instant caNotAfter,
      String caCertificate,
      long devices,
      String createdBy,
      Instant createdAt) {}

  /**
   * A device to onboard.
   *
   * @param publicKey the device's own {@code NEBULA X25519 PUBLIC KEY} PEM ({@code nebula-cert
   *     keygen -out-pub}); absent: the installer enrolls it with a single-use code
   * @param assignedTo the {@code pki_user} allowed to fetch its installer
   * @param groups Nebula groups besides its type and role
   */
  public record RegisterDevice(
      Long tenantId,
      String name,
      String deviceType,
      String role,
      String assignedTo,
      List<String> groups,
      String publicKey) {}

  public record LicenseView(String licenseKey, String status, Instant expiresAt) {}

  public record CertificateView(String fingerprint, Instant notBefore, Instant notAfter) {}

  /**
   * A device as PKI knows it.
   *
   * @param enrollment {@code own_key} or {@code enrollment_code}
   */
  public record DeviceView(
      long id,
      long tenantId,
      String tenant,
      String name,
      String deviceType,
      String role,
      String assignedTo,
      List<String> groups,
      String status,
      String ipAddress,
      String enrollment,
      LicenseView license,
      CertificateView certificate,
      Instant lastContactAt,
      String contactSource,
      String workflowId,
      String createdBy,
      Instant createdAt) {}

  public record DecommissionBody(String reason) {}

  /** The lighthouse's own public key (it keeps its private key, like a device). */
  public record LighthouseKey(String publicKey) {}

  /** The lighthouse's certificate, signed by the tenant's CA for its overlay address. */
  public record LighthouseCertificate(
      long tenantId,
      String ipAddress,
      String fingerprint,
      Instant notAfter,
      String caCertificate,
      String certificate) {}

  /** The device was heard from (for operators and tests; connectivity signals it directly). */
  public record ContactBody(String source, String ipAddress) {}

  public record EnrollBody(String code) {}

  /** The one answer that carries a private key: the redemption of an enrollment code. */
  public record Enrollment(
      long deviceId,
      String ipAddress,
      String fingerprint,
      Instant notAfter,
      String caCertificate,
      String certificate,
      String privateKey) {}
}
