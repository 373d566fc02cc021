package io.opsflow.api.web;

import java.util.Map;
import org.springframework.http.HttpStatus;

/** An error the caller can act on: a status, a message and, for bad input, the field. */
public class ApiException extends RuntimeException {

  private final HttpStatus status;
  private final String field;
  private final transient Map<String, Object> extra;

  public ApiException(HttpStatus status, String message) {
    this(status, message, null);
  }

  public ApiException(HttpStatus status, String message, String field) {
    this(status, message, field, Map.of());
  }

  /** With {@code extra} members of the error body, e.g. every problem of a pipeline YAML. */
  public ApiException(HttpStatus status, String message, String field, Map<String, Object> extra) {
    super(message);
    this.status = status;
    this.field = field;
    this.extra = Map.copyOf(extra);
  }

  public static ApiException forbidden(String message) {
    return new ApiException(HttpStatus.FORBIDDEN, message);
  }

  public static ApiException conflict(String message) {
    return new ApiException(HttpStatus.CONFLICT, message);
  }

  public static ApiException badRequest(String field, String message) {
    return new ApiException(HttpStatus.BAD_REQUEST, message, field);
  }

  public static ApiException notFound(String message) {
    return new ApiException(HttpStatus.NOT_FOUND, message);
  }

  public HttpStatus status() {
    return status;
  }

  public String field() {
    return field;
  }

  public Map<String, Object> extra() {
    return extra;
  }
}
