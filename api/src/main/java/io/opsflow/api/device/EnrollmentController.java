package io.opsflow.api.device;

import io.opsflow.api.device.DeviceDtos.EnrollBody;
import io.opsflow.api.device.DeviceDtos.Enrollment;
import io.opsflow.device.DeviceInstaller;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/enroll}: no bearer token, the single-use code is the credential. The one
 * answer of the API that carries a private key; a second redemption is a 410.
 */
@RestController
public class EnrollmentController {

  private final Devices devices;

  public EnrollmentController(Devices devices) {
    this.devices = devices;
  }

  @PostMapping("/api/v1/enroll")
  public ResponseEntity<?> enroll(
      @RequestBody EnrollBody body,
      @RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) {
    Enrollment enrollment = devices.enroll(body.code());
    ResponseEntity.BodyBuilder ok =
        ResponseEntity.ok().header(HttpHeaders.CACHE_CONTROL, "no-store");
    if (accept != null && accept.contains(DeviceInstaller.PEM_BUNDLE)) {
      // What the installer reads: the key, then the certificate.
      return ok.contentType(MediaType.parseMediaType(DeviceInstaller.PEM_BUNDLE))
          .body(enrollment.privateKey() + enrollment.certificate());
    }
    return ok.contentType(MediaType.APPLICATION_JSON).body(enrollment);
  }
}
