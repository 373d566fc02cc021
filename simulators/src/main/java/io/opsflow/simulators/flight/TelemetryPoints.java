package io.opsflow.simulators.flight;

import io.opsflow.flight.TelemetryPoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A tlog as the classifier would see it after the syslog intake: the forwarded message kinds, in
 * log order, ids from 1, onboard time = the log's timestamp. Without the intake there is no receive
 * time, so it equals the onboard time (latency 0).
 */
public final class TelemetryPoints {

  private TelemetryPoints() {}

  /** The points of {@code tlog}. */
  public static List<TelemetryPoint> fromTlog(Path tlog) throws IOException {
    List<TelemetryPoint> points = new ArrayList<>();
    long id = 0;
    for (TlogRecord record : TlogReader.readAll(tlog)) {
      var message = MavlinkTelemetry.of(record);
      if (message.isPresent()) {
        TelemetryMessage m = message.get();
        points.add(new TelemetryPoint(++id, m.time(), m.time(), m.msgId(), m.params()));
      }
    }
    return points;
  }
}
