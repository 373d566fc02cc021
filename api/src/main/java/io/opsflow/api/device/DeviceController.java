package io.opsflow.api.device;

import io.opsflow.api.device.DeviceDtos.ContactBody;
import io.opsflow.api.device.DeviceDtos.DecommissionBody;
import io.opsflow.api.device.DeviceDtos.DeviceView;
import io.opsflow.api.device.DeviceDtos.RegisterDevice;
import io.opsflow.api.security.Roles;
import io.opsflow.api.web.ApiException;
import io.opsflow.api.web.Operators;
import io.opsflow.device.Decommission;
import io.opsflow.device.DeviceContact;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Devices (seed 003, flow 1): a pki_admin registers one (it is onboarded before the answer), its
 * installer goes to a pki_admin or the pki_user it is assigned to, decommission revokes it.
 */
@RestController
@RequestMapping("/api/v1/devices")
public class DeviceController {

  static final MediaType SHELL_SCRIPT = MediaType.parseMediaType("text/x-shellscript");
  static final MediaType YAML = MediaType.parseMediaType("application/yaml");

  private final Devices devices;
  private final DeviceWorkflows workflows;
  private final Operators operators;

  public DeviceController(Devices devices, DeviceWorkflows workflows, Operators operators) {
    this.devices = devices;
    this.workflows = workflows;
    this.operators = operators;
  }

  @PostMapping
  public ResponseEntity<DeviceView> register(
      @RequestBody(required = false) RegisterDevice body, HttpServletRequest request) {
    DeviceView device =
        devices.register(
            body == null ? new RegisterDevice(null, null, null, null, null, null, null) : body,
            operators.require(request));
    return ResponseEntity.created(URI.create("/api/v1/devices/" + device.id())).body(device);
  }

  @GetMapping
  public List<DeviceView> list(
      @RequestParam(name = "tenant_id", required = false) Long tenantId,
      @RequestParam(required = false) String status) {
    return devices.list(tenantId, status);
  }

  @GetMapping("/{id}")
  public DeviceView get(@PathVariable long id) {
    return devices.require(id);
  }

  /** The installer script: for a pki_admin, or the pki_user the device is assigned to. */
  @GetMapping("/{id}/installer")
  public ResponseEntity<String> installer(@PathVariable long id, HttpServletRequest request) {
    String caller = operators.require(request);
    DeviceView device = devices.require(id);
    devices.requireInstallerAccess(device, caller, isPkiAdmin());
    return ResponseEntity.ok()
        .contentType(SHELL_SCRIPT)
        .header(
            HttpHeaders.CONTENT_DISPOSITION,
            "attachment; filename=\"opsflow-install-" + id + ".sh\"")
        .header(HttpHeaders.CACHE_CONTROL, "no-store")
        .body(devices.installer(device, caller));
  }

  /** Nebula's config.yaml with the tenant's current blocklist (pushed revocations). */
  @GetMapping("/{id}/config")
  public ResponseEntity<String> config(@PathVariable long id, HttpServletRequest request) {
    String caller = operators.require(request);
    DeviceView device = devices.require(id);
    devices.requireInstallerAccess(device, caller, isPkiAdmin() || hasRole(Roles.VIEWER));
    return ResponseEntity.ok().contentType(YAML).body(devices.config(device));
  }

  @PostMapping("/{id}/decommission")
  public DeviceView decommission(
      @PathVariable long id,
      @RequestBody(required = false) DecommissionBody body,
      HttpServletRequest request) {
    String caller = operators.require(request);
    devices.require(id);
    workflows.decommission(id, new Decommission(body == null ? null : body.reason(), caller));
    return devices.require(id);
  }

  /** Reports that the device was heard from (the connectivity check signals it directly). */
  @PostMapping("/{id}/contact")
  public ResponseEntity<DeviceView> contact(
      @PathVariable long id, @RequestBody(required = false) ContactBody body) {
    DeviceView device = devices.require(id);
    String source = body == null || body.source() == null ? DeviceContact.PING : body.source();
    if (!source.equals(DeviceContact.PING) && !source.equals(DeviceContact.TELEMETRY)) {
      throw ApiException.badRequest("source", "source: ping or telemetry");
    }
    workflows.contact(
        id,
        new DeviceContact(
            source,
            body == null || body.ipAddress() == null ? device.ipAddress() : body.ipAddress(),
            Instant.now()));
    return ResponseEntity.accepted().body(device);
  }

  private static boolean isPkiAdmin() {
    return hasRole(Roles.PKI_ADMIN) || hasRole(Roles.ADMIN);
  }

  private static boolean hasRole(String role) {
    Authentication auth = SecurityContextHolder.getContext().getAuthentication();
    if (auth == null) {
      return false;
    }
    for (GrantedAuthority authority : auth.getAuthorities()) {
      if (authority.getAuthority().equals("ROLE_" + role)) {
        return true;
      }
    }
    return false;
  }
}
