package io.opsflow.api.device;

import io.opsflow.api.device.DeviceDtos.CreateTenant;
import io.opsflow.api.device.DeviceDtos.LighthouseCertificate;
import io.opsflow.api.device.DeviceDtos.LighthouseKey;
import io.opsflow.api.device.DeviceDtos.TenantView;
import io.opsflow.api.web.Operators;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Tenants: each a Nebula mesh with its own CA and lighthouse (pki_admin creates, viewers read). */
@RestController
@RequestMapping("/api/v1/tenants")
public class TenantController {

  private final Tenants tenants;
  private final Operators operators;

  public TenantController(Tenants tenants, Operators operators) {
    this.tenants = tenants;
    this.operators = operators;
  }

  @PostMapping
  public ResponseEntity<TenantView> create(
      @RequestBody(required = false) CreateTenant body, HttpServletRequest request) {
    TenantView created =
        tenants.create(
            body == null ? new CreateTenant(null, null, null, null) : body,
            operators.require(request));
    return ResponseEntity.created(URI.create("/api/v1/tenants/" + created.id())).body(created);
  }

  @GetMapping
  public List<TenantView> list() {
    return tenants.list();
  }

  @GetMapping("/{id}")
  public TenantView get(@PathVariable long id) {
    return tenants.require(id);
  }

  /** Signs the lighthouse's own public key for the tenant's lighthouse address. */
  @PostMapping("/{id}/lighthouse-certificate")
  public LighthouseCertificate lighthouseCertificate(
      @PathVariable long id, @RequestBody(required = false) LighthouseKey body) {
    return tenants.lighthouseCertificate(id, body);
  }
}
