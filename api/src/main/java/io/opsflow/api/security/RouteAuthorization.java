package io.opsflow.api.security;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.http.HttpMethod;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.authorization.AuthorityAuthorizationManager;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;

/**
 * Applies {@link RouteRules} to each request: the first matching rule's roles (through the role
 * hierarchy, so admin passes everywhere), public routes to anyone, and nothing to a request no rule
 * matches.
 */
final class RouteAuthorization implements AuthorizationManager<RequestAuthorizationContext> {

  private final RoleHierarchy hierarchy;

  RouteAuthorization(RoleHierarchy hierarchy) {
    this.hierarchy = hierarchy;
  }

  @Override
  @SuppressWarnings("deprecation")
  public AuthorizationDecision check(
      Supplier<Authentication> authentication, RequestAuthorizationContext context) {
    AuthorizationResult result = authorize(authentication, context);
    return result instanceof AuthorizationDecision d
        ? d
        : new AuthorizationDecision(result.isGranted());
  }

  @Override
  public AuthorizationResult authorize(
      Supplier<Authentication> authentication, RequestAuthorizationContext context) {
    HttpServletRequest request = context.getRequest();
    // The request that started an async (SSE) or error dispatch was already authorized.
    if (request.getDispatcherType() == DispatcherType.ASYNC
        || request.getDispatcherType() == DispatcherType.ERROR) {
      return new AuthorizationDecision(true);
    }
    String path = request.getRequestURI().substring(request.getContextPath().length());
    Optional<RouteRules.Rule> rule = RouteRules.find(HttpMethod.valueOf(request.getMethod()), path);
    if (rule.isEmpty()) {
      return new AuthorizationDecision(false);
    }
    if (rule.get().isPublic()) {
      return new AuthorizationDecision(true);
    }
    AuthorityAuthorizationManager<RequestAuthorizationContext> roles =
        AuthorityAuthorizationManager.hasAnyRole(RouteRules.array(rule.get().roles()));
    roles.setRoleHierarchy(hierarchy);
    return roles.authorize(authentication, context);
  }
}
