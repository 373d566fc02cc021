package io.opsflow.api.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * 401 and 403 in the API's error shape ({@code status}, {@code error}, {@code detail}), with the
 * {@code WWW-Authenticate} challenge RFC 6750 asks for, so a client reads why it was refused.
 */
final class SecurityErrors implements AuthenticationEntryPoint, AccessDeniedHandler {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public void commence(
      HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
      throws IOException {
    boolean tokenGiven = request.getHeader("Authorization") != null;
    String detail =
        !tokenGiven
            ? "Authorization: a bearer token is required"
            : e instanceof InvalidBearerTokenException
                ? "Authorization: the bearer token was refused: " + e.getMessage()
                : "Authorization: " + e.getMessage();
    String challenge =
        tokenGiven
            ? "Bearer error=\"invalid_token\", error_description=\"" + quoted(e.getMessage()) + "\""
            : "Bearer";
    response.setHeader("WWW-Authenticate", challenge);
    write(response, HttpStatus.UNAUTHORIZED, detail);
  }

  @Override
  public void handle(
      HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
      throws IOException {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    HttpMethod method = HttpMethod.valueOf(request.getMethod());
    String detail =
        RouteRules.find(method, path)
            .map(r -> "requires one of the roles " + rolesText(r.roles()))
            .orElse("no rule allows " + method + " " + path);
    response.setHeader("WWW-Authenticate", "Bearer error=\"insufficient_scope\"");
    write(response, HttpStatus.FORBIDDEN, "Forbidden: " + detail);
  }

  private static String rolesText(List<String> roles) {
    return String.join(", ", roles) + " (or admin)";
  }

  private static String quoted(String text) {
    return text == null ? "" : text.replace("\\", "\\\\").replace("\"", "'");
  }

  static void write(HttpServletResponse response, HttpStatus status, String detail)
      throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", status.value());
    body.put("error", status.getReasonPhrase());
    body.put("detail", detail);
    response.setStatus(status.value());
    response.setContentType(MediaType.APPLICATION_JSON_VALUE);
    JSON.writeValue(response.getOutputStream(), body);
  }
}
