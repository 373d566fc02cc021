package io.opsflow.api.flight;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The newest 5-minute link metrics of every device (flight_metric_buckets) as gauges tagged with
 * {@code device}, for Prometheus ({@code /actuator/prometheus}): {@code
 * opsflow_flight_link_messages_per_second}, {@code _stability}, {@code _gaps}, {@code
 * _max_gap_seconds}, {@code _latency_mean_ms}, {@code _latency_max_ms}, plus {@code
 * opsflow_flight_flights} (flights recorded per device). Refreshed from the database every {@code
 * opsflow.flight.metrics-refresh} (15 s), so every app instance exports the same values whichever
 * worker classified them.
 */
@Component
public class FlightMetrics {

  private record Latest(
      long device,
      double messagesPerSecond,
      double stability,
      double gaps,
      double maxGap,
      Double latencyMean,
      Double latencyMax) {}

  private final JdbcTemplate jdbc;
  private final MultiGauge rate;
  private final MultiGauge stability;
  private final MultiGauge gaps;
  private final MultiGauge maxGap;
  private final MultiGauge latencyMean;
  private final MultiGauge latencyMax;
  private final MultiGauge flights;

  public FlightMetrics(JdbcTemplate jdbc, MeterRegistry registry) {
    this.jdbc = jdbc;
    this.rate =
        gauge(registry, "opsflow.flight.link.messages.per.second", "messages/s, newest window");
    this.stability =
        gauge(registry, "opsflow.flight.link.stability", "share of seconds with a message");
    this.gaps = gauge(registry, "opsflow.flight.link.gaps", "gaps above 2 s, newest window");
    this.maxGap = gauge(registry, "opsflow.flight.link.max.gap.seconds", "longest gap");
    this.latencyMean =
        gauge(registry, "opsflow.flight.link.latency.mean.ms", "receive minus onboard time");
    this.latencyMax = gauge(registry, "opsflow.flight.link.latency.max.ms", "worst latency");
    this.flights = gauge(registry, "opsflow.flight.flights", "flights recorded");
  }

  private static MultiGauge gauge(MeterRegistry registry, String name, String description) {
    return MultiGauge.builder(name).description(description).register(registry);
  }

  @Scheduled(
      fixedDelayString = "${opsflow.flight.metrics-refresh:PT15S}",
      initialDelayString = "${opsflow.flight.metrics-refresh:PT15S}")
  public void refresh() {
    List<Latest> latest =
        jdbc.query(
            "select distinct on (device_id) device_id, messages_per_second, stability, gaps,"
                + " max_gap_s, latency_mean_ms, latency_max_ms from flight_metric_buckets"
                + " order by device_id, bucket_start desc",
            (rs, i) ->
                new Latest(
                    rs.getLong(1),
                    rs.getDouble(2),
                    rs.getDouble(3),
                    rs.getDouble(4),
                    rs.getDouble(5),
                    (Double) rs.getObject(6),
                    (Double) rs.getObject(7)));
    rate.register(rows(latest, Latest::messagesPerSecond), true);
    stability.register(rows(latest, Latest::stability), true);
    gaps.register(rows(latest, Latest::gaps), true);
    maxGap.register(rows(latest, Latest::maxGap), true);
    latencyMean.register(
        rows(latest.stream().filter(l -> l.latencyMean() != null).toList(), Latest::latencyMean),
        true);
    latencyMax.register(
        rows(latest.stream().filter(l -> l.latencyMax() != null).toList(), Latest::latencyMax),
        true);
    flights.register(
        jdbc.query(
            "select device_id, count(*) from flights group by device_id",
            (rs, i) ->
                MultiGauge.Row.of(Tags.of("device", Long.toString(rs.getLong(1))), rs.getLong(2))),
        true);
  }

  private static List<MultiGauge.Row<?>> rows(
      List<Latest> latest, java.util.function.ToDoubleFunction<Latest> value) {
    return latest.stream()
        .<MultiGauge.Row<?>>map(
            l ->
                MultiGauge.Row.of(
                    Tags.of("device", Long.toString(l.device())), value.applyAsDouble(l)))
        .toList();
  }
}
