package io.opsflow.api.web;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Who is calling an operator route. opsflow sits behind the venue's or company's authenticating
 * proxy (oauth2-proxy, an ingress with SSO), which passes the signed-in user in a header, by
 * default {@code X-Forwarded-User}; routes that act on someone's behalf (pipelines, builds) require
 * it.
 */
@Component
public class Operators {

  private final String header;

  public Operators(@Value("${opsflow.api.user-header:X-Forwarded-User}") String header) {
    this.header = header;
  }

  /** The caller's user name; 401 when the proxy did not say who it is. */
  public String require(HttpServletRequest request) {
    String user = request.getHeader(header);
    if (user == null || user.isBlank()) {
      throw new ApiException(
          HttpStatus.UNAUTHORIZED, header + ": missing; the operator's identity is required");
    }
    return user.strip();
  }

  public String header() {
    return header;
  }
}
