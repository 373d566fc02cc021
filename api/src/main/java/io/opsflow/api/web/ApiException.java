package io.opsflow.api.web;

import org.springframework.http.HttpStatus;

/** An error the caller can act on: a status, a message and, for bad input, the field. */
public class ApiException extends RuntimeException {

  private final HttpStatus status;
  private final String field;

  public ApiException(HttpStatus status, String message) {
    this(status, message, null);
  }

  public ApiException(HttpStatus status, String message, String field) {
    super(message);
    this.status = status;
    this.field = field;
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
}
