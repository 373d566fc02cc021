package io.opsflow.session;

import io.opsflow.devices.DeviceGuard;
import io.opsflow.devices.RouterOsClient;
import io.opsflow.devices.ShellyPlugClient;
import io.temporal.failure.ApplicationFailure;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Console enforcement on real devices. Both operations are idempotent by nature: switching a relay
 * to a state, ensuring a rule exists or not.
 */
@Component
public class StationDeviceActivitiesImpl implements StationDeviceActivities {

  private final ShellyPlugClient plugs;
  private final RouterOsClient router;
  private final DeviceGuard guard;
  private final JdbcTemplate jdbc;

  public StationDeviceActivitiesImpl(
      ShellyPlugClient plugs, RouterOsClient router, DeviceGuard guard, JdbcTemplate jdbc) {
    this.plugs = plugs;
    this.router = router;
    this.guard = guard;
    this.jdbc = jdbc;
  }

  @Override
  public PlugState switchPlug(PlugCommand c) {
    ShellyPlugClient.Reading reading =
        guard.call(
            "plug:" + c.plugUrl(), () -> plugs.switchRelay(c.plugUrl(), c.on(), c.timerSeconds()));
    return new PlugState(reading.on(), reading.powerWatts());
  }

  @Override
  public PlugState samplePower(PowerSample s) {
    ShellyPlugClient.Reading reading =
        guard.call("plug:" + s.plugUrl(), () -> plugs.status(s.plugUrl()));
    jdbc.update(
        "insert into power_readings (station_id, session_id, watts, relay_on) values (?, ?, ?, ?)",
        s.stationId(),
        s.sessionId(),
        reading.powerWatts(),
        reading.on());
    return new PlugState(reading.on(), reading.powerWatts());
  }

  @Override
  public void openNetwork(RouterCommand c) {
    requireRouter();
    guard.call(
        router.deviceName(),
        () -> {
          router.open(c.stationId(), c.mac(), c.ip(), c.allowSeconds());
          return null;
        });
  }

  @Override
  public void blockNetwork(RouterCommand c) {
    requireRouter();
    guard.call(
        router.deviceName(),
        () -> {
          router.block(c.stationId(), c.mac(), c.ip());
          return null;
        });
  }

  private void requireRouter() {
    if (!router.configured()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "no router configured (opsflow.devices.router.url)", "ROUTER_NOT_CONFIGURED");
    }
  }
}
