package io.opsflow.api.security;

import java.util.List;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.access.hierarchicalroles.RoleHierarchyImpl;

/**
 * The roles a token carries (Keycloak realm or client roles, a scope, or the embedded issuer's
 * {@code roles} claim). {@code admin} implies every other role; {@code pki_admin} implies {@code
 * pki_user}.
 */
public final class Roles {

  public static final String ADMIN = "admin";

  /** Stations, users, sessions and payments (the venue). */
  public static final String VENUE_OPERATOR = "venue_operator";

  /** Pipelines and builds; the pipeline's creator/member rule applies on top. */
  public static final String CI_USER = "ci_user";

  /** Workloads, nodes and the cluster. */
  public static final String SCHEDULER_OPERATOR = "scheduler_operator";

  /** Ground-station passes. */
  public static final String PASS_OPERATOR = "pass_operator";

  /** Devices: registers them, assigns tenants, issues licenses (seed 003). */
  public static final String PKI_ADMIN = "pki_admin";

  /** Devices: fetches the installer of a device assigned to them (seed 003). */
  public static final String PKI_USER = "pki_user";

  /** Reads everything, changes nothing. */
  public static final String VIEWER = "viewer";

  /** Node agents: register and heartbeat. */
  public static final String NODE_AGENT = "node_agent";

  /** Engineers reading Temporal payloads through the codec endpoint. */
  public static final String ENGINEER = "engineer";

  public static final List<String> ALL =
      List.of(
          ADMIN,
          VENUE_OPERATOR,
          CI_USER,
          SCHEDULER_OPERATOR,
          PASS_OPERATOR,
          PKI_ADMIN,
          PKI_USER,
          VIEWER,
          NODE_AGENT,
          ENGINEER);

  /** Roles that may read events of every flow. */
  static final String[] ANY_READER = {
    VIEWER, VENUE_OPERATOR, CI_USER, SCHEDULER_OPERATOR, PASS_OPERATOR, PKI_ADMIN, ENGINEER
  };

  private Roles() {}

  static RoleHierarchy hierarchy() {
    return RoleHierarchyImpl.withDefaultRolePrefix()
        .role(ADMIN)
        .implies(ALL.stream().filter(r -> !r.equals(ADMIN)).toArray(String[]::new))
        .role(PKI_ADMIN)
        .implies(PKI_USER)
        .build();
  }
}
