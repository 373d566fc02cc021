package io.opsflow.devices;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Venue devices and how they are called.
 *
 * @param httpTimeout connect and request timeout of every device call
 * @param router the MikroTik router (RouterOS REST API); no url means no router control
 * @param breaker the circuit breaker kept per device
 */
@ConfigurationProperties(prefix = "opsflow.devices")
public record DeviceProperties(
    @DefaultValue("5s") Duration httpTimeout,
    @DefaultValue Router router,
    @DefaultValue Breaker breaker) {

  /**
   * @param url base URL, e.g. https://192.168.88.1 (the REST API lives under /rest)
   * @param username RouterOS user with write access to /ip/firewall
   * @param password its password
   * @param allowList address list holding the consoles allowed out during their session
   */
  public record Router(
      String url,
      @DefaultValue("admin") String username,
      @DefaultValue("") String password,
      @DefaultValue("opsflow-allowed") String allowList) {}

  /**
   * @param failureRateThreshold percentage of failed calls that opens the breaker
   * @param slidingWindowSize calls the failure rate is computed over
   * @param minimumNumberOfCalls calls before the rate is judged
   * @param waitInOpenState time the breaker stays open before trying again
   */
  public record Breaker(
      @DefaultValue("50") float failureRateThreshold,
      @DefaultValue("6") int slidingWindowSize,
      @DefaultValue("3") int minimumNumberOfCalls,
      @DefaultValue("15s") Duration waitInOpenState) {}
}
