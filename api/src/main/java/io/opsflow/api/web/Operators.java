package io.opsflow.api.web;

import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Who is calling an operator route: the authenticated bearer token's caller ({@code
 * preferred_username}, else its subject), never a header a client could set. Routes that act on
 * someone's behalf (pipelines, builds) record and check it.
 */
@Component
public class Operators {

  /** The caller's user name; 401 when the request carries no authenticated identity. */
  public String require(HttpServletRequest request) {
    Principal principal = request.getUserPrincipal();
    String user = principal == null ? null : principal.getName();
    if (user == null || user.isBlank()) {
      throw new ApiException(
          HttpStatus.UNAUTHORIZED, "Authorization: the operator's identity is required");
    }
    return user.strip();
  }
}
