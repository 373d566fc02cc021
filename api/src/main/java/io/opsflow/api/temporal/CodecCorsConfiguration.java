package io.opsflow.api.temporal;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The Temporal UI calls the codec endpoint from the browser, from its own origin, with its {@code
 * X-Namespace} header and, when "include cross-origin credentials" is ticked, with credentials:
 * those origins are allowed ({@code opsflow.temporal.codec-endpoint.allowed-origins}, default the
 * dev server's UI on port 8233; the UI of the embedded dev server is added by itself). Spring MVC's
 * CORS mapping, which Spring Security's {@code cors()} also reads.
 */
@Configuration(proxyBeanMethods = false)
public class CodecCorsConfiguration implements WebMvcConfigurer {

  /** The origins allowed when none are configured. */
  public static final List<String> DEFAULT_ORIGINS =
      List.of("http://127.0.0.1:8233", "http://localhost:8233");

  private final Set<String> origins = new LinkedHashSet<>();

  public CodecCorsConfiguration(
      @Value("${opsflow.temporal.codec-endpoint.allowed-origins:}") List<String> configured,
      @Value("${opsflow.temporal.ui-url:}") String embeddedUi) {
    configured.stream().filter(StringUtils::hasText).map(String::trim).forEach(origins::add);
    if (origins.isEmpty()) {
      origins.addAll(DEFAULT_ORIGINS);
    }
    if (StringUtils.hasText(embeddedUi)) {
      origins.add(embeddedUi.trim());
    }
  }

  /** The allowed origins. */
  public Set<String> origins() {
    return Set.copyOf(origins);
  }

  @Override
  public void addCorsMappings(CorsRegistry registry) {
    registry
        .addMapping(CodecController.PATH + "/**")
        .allowedOrigins(origins.toArray(String[]::new))
        .allowedMethods("POST")
        .allowedHeaders("Content-Type", "X-Namespace", "Authorization")
        .allowCredentials(true)
        .maxAge(3600);
  }
}
