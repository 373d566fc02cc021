package io.opsflow.api.device;

import io.opsflow.api.device.DeviceDtos.EnrollBody;
import io.opsflow.api.device.DeviceDtos.Enrollment;
import io.opsflow.device.DeviceInstaller;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
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

  // The Accept header is read from the request, not declared as a parameter: it is content
  // negotiation, not input the OpenAPI document should describe.
  @PostMapping(
      value = "/api/v1/enroll",
      produces = {MediaType.APPLICATION_JSON_VALUE, DeviceInstaller.PEM_BUNDLE})
  public ResponseEntity<?> enroll(
      @RequestBody(required = false) EnrollBody body, HttpServletRequest request) {
    String accept = request.getHeader(HttpHeaders.ACCEPT);
    Enrollment enrollment = devices.enroll(body == null ? null : body.code());
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
