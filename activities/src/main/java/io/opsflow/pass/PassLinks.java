package io.opsflow.pass;

import io.opsflow.pass.PassLinkActivities.LinkSpec;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The ground-station links of this process, one per pass: the executor of a pass holds its pass's
 * link, opened by the first action that needs it (preprocessing, or any action after the executor
 * was replaced) and kept until postprocessing closes it or the process ends.
 */
public final class PassLinks implements AutoCloseable {

  private final PacketStore store;
  private final GroundStationLink.Settings settings;
  private final ConcurrentMap<Long, GroundStationLink> links = new ConcurrentHashMap<>();

  /** Links storing packets through {@code jdbc}, with the default reconnect policy. */
  public PassLinks(JdbcTemplate jdbc) {
    this(jdbc, GroundStationLink.Settings.defaults());
  }

  /**
   * Links with their own reconnect policy.
   *
   * @param connectTimeout one connection attempt's timeout
   * @param reconnectAttempts attempts after the link dropped (or failed to open) before it is down
   * @param reconnectBackoff the wait before the first reconnect, doubled each time
   */
  public PassLinks(
      JdbcTemplate jdbc,
      java.time.Duration connectTimeout,
      int reconnectAttempts,
      java.time.Duration reconnectBackoff) {
    this(jdbc, new GroundStationLink.Settings(connectTimeout, reconnectAttempts, reconnectBackoff));
  }

  PassLinks(JdbcTemplate jdbc, GroundStationLink.Settings settings) {
    this.store = new PacketStore(jdbc);
    this.settings = settings;
  }

  PacketStore store() {
    return store;
  }

  /** The pass's link, up: connected now when it is not (LinkDown when it cannot be). */
  GroundStationLink up(LinkSpec spec, Runnable heartbeat) {
    GroundStationLink link =
        links.computeIfAbsent(
            spec.passId(),
            id -> new GroundStationLink(id, spec.host(), spec.port(), store, settings));
    link.ensureUp(heartbeat);
    return link;
  }

  /** The pass's link if this process holds one. */
  GroundStationLink existing(long passId) {
    return links.get(passId);
  }

  /** Closes the pass's link, if any; {@code null} when there was none. */
  PassLinkActivities.LinkStatus close(long passId) {
    GroundStationLink link = links.remove(passId);
    return link == null ? null : link.close();
  }

  /** Closes every link, storing what was received (process shutdown). */
  @Override
  public void close() {
    for (Long passId : List.copyOf(links.keySet())) {
      GroundStationLink link = links.remove(passId);
      if (link != null) {
        try {
          link.close();
        } catch (RuntimeException e) {
          link.abort();
        }
      }
    }
  }
}
