package io.opsflow.device;

import io.temporal.failure.ApplicationFailure;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/** The onboarding activities over in-memory tables, with a mesh of a given size. */
class FakeDeviceActivities implements DeviceOnboardingActivities {

  private final LongSupplier clock;
  private final int hosts;
  private final TreeSet<Integer> taken = new TreeSet<>();
  private final Map<Long, Integer> addresses = new HashMap<>();
  private final Map<Long, String> licenses = new HashMap<>();
  private final List<IssuedCertificate> certificates = new ArrayList<>();
  final List<String> blocklist = new ArrayList<>();
  final List<String> calls = new ArrayList<>();
  final List<DeviceStatus> statuses = new ArrayList<>();
  private int serial;
  volatile String certificateFailure;

  FakeDeviceActivities(LongSupplier clock, int hosts) {
    this.clock = clock;
    this.hosts = hosts;
  }

  private Instant now() {
    return Instant.ofEpochMilli(clock.getAsLong());
  }

  @Override
  public synchronized AddressLease allocateAddress(long deviceId) {
    calls.add("allocateAddress");
    Integer host = addresses.get(deviceId);
    if (host == null) {
      for (int h = 1; h <= hosts; h++) {
        if (!taken.contains(h)) {
          host = h;
          break;
        }
      }
      if (host == null) {
        throw ApplicationFailure.newNonRetryableFailure(
            "no free address left in 192.168.100.0/24",
            DeviceFailure.ADDRESS_POOL_EXHAUSTED.name());
      }
      taken.add(host);
      addresses.put(deviceId, host);
    }
    return new AddressLease("192.168.100." + host, 24);
  }

  @Override
  public synchronized void releaseAddress(long deviceId) {
    calls.add("releaseAddress");
    Integer host = addresses.remove(deviceId);
    if (host != null) {
      taken.remove(host);
    }
  }

  synchronized boolean holdsAddress(long deviceId) {
    return addresses.containsKey(deviceId);
  }

  synchronized boolean licensed(long deviceId) {
    return "active".equals(licenses.get(deviceId));
  }

  @Override
  public synchronized LicenseGrant issueLicense(LicenseCommand command) {
    calls.add("issueLicense");
    licenses.put(command.deviceId(), "active");
    return new LicenseGrant(command.deviceId(), now().plus(command.validity()));
  }

  @Override
  public synchronized void revokeLicense(long deviceId) {
    calls.add("revokeLicense");
    licenses.computeIfPresent(deviceId, (k, v) -> "revoked");
  }

  @Override
  public synchronized IssuedCertificate issueCertificate(CertificateCommand command) {
    calls.add("issueCertificate");
    if (certificateFailure != null) {
      throw ApplicationFailure.newNonRetryableFailure(
          certificateFailure, DeviceFailure.INVALID_PUBLIC_KEY.name());
    }
    return certificate(command.deviceId(), command.validity());
  }

  private IssuedCertificate certificate(long deviceId, java.time.Duration validity) {
    Instant now = now();
    IssuedCertificate issued =
        new IssuedCertificate(
            "fp-" + deviceId + "-" + (++serial),
            "192.168.100." + addresses.get(deviceId),
            now,
            now.plus(validity));
    certificates.add(issued);
    return issued;
  }

  @Override
  public synchronized IssuedCertificate renewCertificate(RenewCommand command) {
    calls.add("renewCertificate");
    return certificate(command.deviceId(), command.validity());
  }

  synchronized List<IssuedCertificate> certificates() {
    return List.copyOf(certificates);
  }

  /** What the API stored when the device redeemed its code (set by a test). */
  volatile IssuedCertificate enrolledCertificate;

  @Override
  public synchronized IssuedCertificate currentCertificate(long deviceId) {
    calls.add("currentCertificate");
    return enrolledCertificate;
  }

  @Override
  public synchronized int revokeCertificates(RevokeCommand command) {
    calls.add("revokeCertificates");
    int n = 0;
    for (IssuedCertificate c : certificates) {
      if (c.fingerprint().startsWith("fp-" + command.deviceId() + "-")
          && !blocklist.contains(c.fingerprint())) {
        blocklist.add(c.fingerprint());
        n++;
      }
    }
    return n;
  }

  @Override
  public synchronized void setStatus(StatusChange change) {
    statuses.add(change.status());
  }

  synchronized List<DeviceStatus> statuses() {
    return List.copyOf(statuses);
  }

  synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  synchronized List<String> blocklist() {
    return List.copyOf(blocklist);
  }
}
