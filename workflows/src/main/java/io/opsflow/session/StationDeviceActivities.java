package io.opsflow.session;

import io.temporal.activity.ActivityInterface;

/**
 * Console enforcement through real devices: a Shelly plug and a MikroTik router. Runs on the
 * devices queue, each device behind its own circuit breaker.
 */
@ActivityInterface(namePrefix = "Device")
public interface StationDeviceActivities {

  /**
   * Switches the plug relay. With {@code on} and a timer, the plug flips itself off after the timer
   * even if the platform is down (fail-safe).
   */
  PlugState switchPlug(PlugCommand command);

  /** Reads the plug's power and stores one reading for the session. */
  PlugState samplePower(PowerSample sample);

  /**
   * Opens the network for the console: removes its block rule and adds an allow entry that times
   * out on the router by itself (fail-safe). Also used to refresh the timeout on extension.
   */
  void openNetwork(RouterCommand command);

  /** Blocks the console: adds the drop rule for its MAC and removes the allow entry. */
  void blockNetwork(RouterCommand command);

  record PlugCommand(long stationId, String plugUrl, boolean on, long timerSeconds) {}

  record PlugState(boolean on, Double powerWatts) {}

  record PowerSample(long stationId, long sessionId, String plugUrl) {}

  /**
   * @param allowSeconds lifetime of the allow entry on the router (0 when blocking)
   */
  record RouterCommand(long stationId, String mac, String ip, long allowSeconds) {}
}
