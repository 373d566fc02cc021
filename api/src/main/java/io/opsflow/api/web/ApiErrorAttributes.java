package io.opsflow.api.web;

import java.util.Map;
import org.springframework.boot.web.error.ErrorAttributeOptions;
import org.springframework.boot.web.servlet.error.DefaultErrorAttributes;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.WebRequest;

/**
 * Errors Spring answers itself (405, 406, 415, an unknown path, a failure outside a controller) in
 * the API's error shape too: {@code detail} beside Boot's {@code status} and {@code error}, so
 * every error a client sees has the documented fields.
 */
@Component
public class ApiErrorAttributes extends DefaultErrorAttributes {

  @Override
  public Map<String, Object> getErrorAttributes(WebRequest request, ErrorAttributeOptions options) {
    Map<String, Object> attributes =
        super.getErrorAttributes(request, options.including(ErrorAttributeOptions.Include.MESSAGE));
    Object status = attributes.get("status");
    Object message = attributes.get("message");
    // A server failure's own message may name internals: the client gets the reason only.
    boolean serverError = status instanceof Integer code && code >= 500;
    String detail =
        !serverError
                && message instanceof String m
                && !m.isBlank()
                && !m.equals("No message available")
            ? m
            : reason(status);
    attributes.put("detail", detail);
    attributes.remove("message");
    return attributes;
  }

  private static String reason(Object status) {
    if (status instanceof Integer code) {
      HttpStatus known = HttpStatus.resolve(code);
      if (known != null) {
        return known.getReasonPhrase();
      }
    }
    return "Error";
  }
}
