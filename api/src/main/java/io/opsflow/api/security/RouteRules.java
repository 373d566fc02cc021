package io.opsflow.api.security;

import static io.opsflow.api.security.Roles.ANY_READER;
import static io.opsflow.api.security.Roles.CI_USER;
import static io.opsflow.api.security.Roles.ENGINEER;
import static io.opsflow.api.security.Roles.NODE_AGENT;
import static io.opsflow.api.security.Roles.PASS_OPERATOR;
import static io.opsflow.api.security.Roles.PKI_ADMIN;
import static io.opsflow.api.security.Roles.PKI_USER;
import static io.opsflow.api.security.Roles.SCHEDULER_OPERATOR;
import static io.opsflow.api.security.Roles.VENUE_OPERATOR;
import static io.opsflow.api.security.Roles.VIEWER;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.http.HttpMethod;
import org.springframework.util.AntPathMatcher;

/**
 * Who may call what: one table, read by the filter chain, by the OpenAPI document (each operation
 * names its roles) and by the test that walks every route. Rules are tried in order; a request no
 * rule matches is refused (403 with a token, 401 without), so a new route without a rule cannot be
 * reached by anyone.
 */
public final class RouteRules {

  /**
   * One rule.
   *
   * @param method the HTTP method, null for any
   * @param pattern an Ant-style path pattern
   * @param roles the roles allowed (admin is always allowed); empty for a public route
   */
  public record Rule(HttpMethod method, String pattern, List<String> roles) {
    public boolean isPublic() {
      return roles.isEmpty();
    }

    boolean matches(HttpMethod requestMethod, String path) {
      return (method == null || method.equals(requestMethod)) && MATCHER.match(pattern, path);
    }
  }

  private static final AntPathMatcher MATCHER = new AntPathMatcher();

  /** The Temporal UI's codec endpoint (decode, encode). */
  public static final String CODEC_PATTERN = "/api/v1/temporal/codec/**";

  /** The PC-agent WebSocket: its handshake checks the station's own token. */
  public static final String AGENT_SOCKET_PREFIX = "/ws/agent/";

  /**
   * Routes that answer without credentials: health, the OpenAPI document and Swagger UI, the
   * issuer's login and token endpoints, the console's static assets, errors. The PC-agent WebSocket
   * is public at this layer only: its handshake checks the station's own token.
   */
  static final List<String> PUBLIC =
      List.of(
          "/actuator/health",
          "/actuator/health/**",
          "/v3/api-docs",
          "/v3/api-docs/**",
          "/v3/api-docs.yaml",
          "/swagger-ui.html",
          "/swagger-ui/**",
          "/login",
          "/logout",
          "/error",
          "/favicon.ico",
          "/",
          "/index.html",
          "/console/**",
          "/webjars/**",
          AGENT_SOCKET_PREFIX + "**");

  public static final List<Rule> RULES = build();

  private RouteRules() {}

  private static List<Rule> build() {
    List<Rule> rules = new ArrayList<>();
    PUBLIC.forEach(p -> rules.add(new Rule(null, p, List.of())));
    // Node agents: register and heartbeat (the node_agent token or the shared AGENT_SECRET).
    rules.add(new Rule(HttpMethod.POST, "/api/v1/nodes/register", List.of(NODE_AGENT)));
    rules.add(new Rule(HttpMethod.POST, "/api/v1/nodes/heartbeat", List.of(NODE_AGENT)));
    // The Temporal UI's codec server: engineers read decrypted payloads.
    rules.add(new Rule(HttpMethod.POST, CODEC_PATTERN, List.of(ENGINEER)));
    // Per-flow event feeds belong to their flow.
    area(rules, "/api/v1/sessions/*/events", VENUE_OPERATOR);
    area(rules, "/api/v1/builds/*/events", CI_USER);
    rules.add(new Rule(HttpMethod.GET, "/api/v1/events", List.of(ANY_READER)));
    rules.add(new Rule(HttpMethod.GET, "/api/v1/events/**", List.of(ANY_READER)));
    // The venue.
    for (String p : List.of("stations", "users", "sessions", "payments")) {
      area(rules, "/api/v1/" + p, VENUE_OPERATOR);
      area(rules, "/api/v1/" + p + "/**", VENUE_OPERATOR);
    }
    // CI.
    for (String p : List.of("pipelines", "builds")) {
      area(rules, "/api/v1/" + p, CI_USER);
      area(rules, "/api/v1/" + p + "/**", CI_USER);
    }
    // The scheduler.
    for (String p : List.of("workloads", "nodes", "cluster")) {
      area(rules, "/api/v1/" + p, SCHEDULER_OPERATOR);
      area(rules, "/api/v1/" + p + "/**", SCHEDULER_OPERATOR);
    }
    // Passes and the ground stations they reserve.
    for (String p : List.of("ground-stations", "passes")) {
      area(rules, "/api/v1/" + p, PASS_OPERATOR);
      area(rules, "/api/v1/" + p + "/**", PASS_OPERATOR);
    }
    // The live fleet (connectivity, latest telemetry): viewers read, PKI admins start/stop
    // monitors.
    area(rules, "/api/v1/fleet/**", PKI_ADMIN);
    // Devices (seed 003): the enrollment redemption is public (the single-use code is the
    // credential). The installer is for a pki_admin or the pki_user the device is assigned to
    // (checked by the route), never a viewer: fetching it mints an enrollment code. The config
    // holds nothing secret: viewers read it too. Everything else pki_admin's, reads also viewers'.
    rules.add(new Rule(HttpMethod.POST, "/api/v1/enroll", List.of()));
    rules.add(
        new Rule(HttpMethod.GET, "/api/v1/devices/*/installer", List.of(PKI_ADMIN, PKI_USER)));
    rules.add(
        new Rule(HttpMethod.GET, "/api/v1/devices/*/config", List.of(PKI_ADMIN, PKI_USER, VIEWER)));
    for (String p : List.of("tenants", "devices")) {
      area(rules, "/api/v1/" + p, PKI_ADMIN);
      area(rules, "/api/v1/" + p + "/**", PKI_ADMIN);
    }
    // Metrics for a Prometheus scraper with a viewer token.
    rules.add(new Rule(HttpMethod.GET, "/actuator/**", List.of(VIEWER, ENGINEER)));
    return List.copyOf(rules);
  }

  /** Reads for the area's role and viewers; every other method for the area's role only. */
  private static void area(List<Rule> rules, String pattern, String role) {
    rules.add(new Rule(HttpMethod.GET, pattern, List.of(role, VIEWER)));
    rules.add(new Rule(HttpMethod.HEAD, pattern, List.of(role, VIEWER)));
    rules.add(new Rule(null, pattern, List.of(role)));
  }

  /** The first rule for a request, if any: what the filter chain applies. */
  public static Optional<Rule> find(HttpMethod method, String path) {
    return RULES.stream().filter(r -> r.matches(method, path)).findFirst();
  }

  static String[] array(List<String> roles) {
    return roles.toArray(String[]::new);
  }
}
