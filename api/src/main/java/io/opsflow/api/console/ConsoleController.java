package io.opsflow.api.console;

import io.opsflow.api.security.SecurityProperties;
import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The web console's two server routes; everything else it is, is static files under {@code
 * static/console/} (public, like these two): what the browser needs to log in by itself (the OIDC
 * issuer and the console's public client), and the OAuth2 redirect URI, which serves the console's
 * shell so the page can take the authorization code.
 */
@Controller
// Like the security configuration it reads: only in a servlet application (not in the slice tests
// that start the context without a web server).
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@Hidden
public class ConsoleController {

  /**
   * What the console needs before it has a token.
   *
   * @param issuer the OIDC issuer: its discovery document names the authorize, token and logout
   *     endpoints (the embedded issuer: this very server, as the browser reaches it)
   * @param clientId the console's public client (authorization code + PKCE)
   * @param scope the scopes it asks for
   * @param roleClients clients whose {@code resource_access.<client>.roles} are roles (Keycloak)
   * @param temporalUi the Temporal UI's base URL, for links to each resource's workflow
   * @param temporalNamespace the namespace in those links
   * @param embeddedIssuer whether the issuer is the embedded one (its login page is on this server)
   */
  public record ConsoleConfig(
      String issuer,
      String clientId,
      String scope,
      List<String> roleClients,
      String temporalUi,
      String temporalNamespace,
      boolean embeddedIssuer) {}

  private final SecurityProperties security;
  private final String clientId;
  private final String temporalUi;
  private final String namespace;

  public ConsoleController(
      SecurityProperties security,
      @Value("${opsflow.console.client-id:}") String clientId,
      @Value("${opsflow.console.temporal-ui:${opsflow.temporal.ui-url:http://127.0.0.1:8233}}")
          String temporalUi,
      @Value("${spring.temporal.namespace:default}") String namespace) {
    this.security = security;
    this.clientId = clientId;
    this.temporalUi = temporalUi;
    this.namespace = namespace;
  }

  @GetMapping(path = "/console/config.json", produces = "application/json")
  @ResponseBody
  public ResponseEntity<ConsoleConfig> config(HttpServletRequest request) {
    boolean embedded = security.isEmbeddedIssuer();
    String issuer =
        embedded
            ? ServletUriComponentsBuilder.fromContextPath(request).build().toUriString()
            : security.issuer().strip();
    String client =
        !clientId.isBlank()
            ? clientId.strip()
            : embedded ? security.embedded().consoleClient() : "opsflow-console";
    ConsoleConfig config =
        new ConsoleConfig(
            stripSlash(issuer),
            client,
            "openid profile",
            security.roleClients(),
            stripSlash(temporalUi.strip()),
            namespace,
            embedded);
    return ResponseEntity.ok().cacheControl(CacheControl.noStore()).body(config);
  }

  /** The redirect URI of the console's client: the shell, whose script redeems the code. */
  @GetMapping("/console/callback")
  public String callback() {
    return "forward:/index.html";
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
