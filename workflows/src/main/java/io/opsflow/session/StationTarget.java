package io.opsflow.session;

import java.math.BigDecimal;

/**
 * The station as it was when the session was requested: enough for the workflow to enforce the
 * session without reading mutable configuration later.
 *
 * @param stationId station row id
 * @param type PC (agent) or CONSOLE (plug and/or router)
 * @param plugUrl base URL of the Shelly plug, null when the console has none
 * @param consoleMac MAC address the router blocks, null without router control
 * @param consoleIp console IP for the router's allow entry with a timeout (fail-safe), nullable
 * @param hourlyRate price per hour, used for extensions
 */
public record StationTarget(
    long stationId,
    StationType type,
    String plugUrl,
    String consoleMac,
    String consoleIp,
    BigDecimal hourlyRate) {

  /** The price of {@code minutes} at this station's hourly rate, rounded to cents. */
  public BigDecimal priceOf(int minutes) {
    return hourlyRate
        .multiply(BigDecimal.valueOf(minutes))
        .divide(BigDecimal.valueOf(60), 2, java.math.RoundingMode.HALF_UP);
  }

  public boolean hasPlug() {
    return type == StationType.CONSOLE && plugUrl != null && !plugUrl.isBlank();
  }

  public boolean hasRouterControl() {
    return type == StationType.CONSOLE && consoleMac != null && !consoleMac.isBlank();
  }
}
