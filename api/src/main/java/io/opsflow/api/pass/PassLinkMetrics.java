package io.opsflow.api.pass;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * What ground-station links went through in the last hour, for Prometheus ({@code
 * /actuator/prometheus}): {@code opsflow_pass_link_events{ground_station,event}}, the number of
 * {@code opened}, {@code dropped}, {@code reconnected}, {@code down} and {@code closed} link events
 * of passes on each station. The executors holding the links are separate processes (or Pods) that
 * record each event in {@code pass_events}; this reads them back every {@code
 * opsflow.passes.link-metrics-refresh} (15 s), so every API instance exports the same values.
 */
@Component
public class PassLinkMetrics {

  private record Count(long station, String event, long count) {}

  private final JdbcTemplate jdbc;
  private final MultiGauge events;

  public PassLinkMetrics(JdbcTemplate jdbc, MeterRegistry registry) {
    this.jdbc = jdbc;
    this.events =
        MultiGauge.builder("opsflow.pass.link.events")
            .description("ground-station link events in the last hour, by station and event")
            .register(registry);
  }

  @Scheduled(
      fixedDelayString = "${opsflow.passes.link-metrics-refresh:PT15S}",
      initialDelayString = "${opsflow.passes.link-metrics-refresh:PT15S}")
  public void refresh() {
    List<Count> counts =
        jdbc.query(
            "select p.ground_station_id, e.detail->>'event', count(*) from pass_events e"
                + " join passes p on p.id = e.pass_id"
                + " where e.type = 'link' and e.at > now() - interval '1 hour'"
                + " and e.detail->>'event' is not null group by 1, 2",
            (rs, i) -> new Count(rs.getLong(1), rs.getString(2), rs.getLong(3)));
    events.register(
        counts.stream()
            .map(
                c ->
                    MultiGauge.Row.of(
                        Tags.of("ground_station", Long.toString(c.station()), "event", c.event()),
                        c.count()))
            .toList(),
        true);
  }
}
