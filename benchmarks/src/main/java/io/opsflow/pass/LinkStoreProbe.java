package io.opsflow.pass;

import io.opsflow.pass.PassLinkActivities.LinkSpec;
import io.opsflow.pass.PassLinkActivities.LinkStatus;
import java.time.Duration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * For the TM store benchmark ({@code io.opsflow.benchmarks.PassTelemetryStoreBenchmark}): one
 * pass's ground-station link exactly as an executor holds it ({@link PassLinks}, its reader and its
 * writer thread storing through {@link PacketStore}), with the writer's batch size chosen: {@link
 * GroundStationLink#BATCH} as the executor runs, or 1 for a naive one-INSERT-per-packet store. In
 * this package because the link is not public API.
 */
public final class LinkStoreProbe implements AutoCloseable {

  /** The batch size the executor's links use. */
  public static final int EXECUTOR_BATCH = GroundStationLink.BATCH;

  private final PassLinks links;
  private final LinkSpec spec;
  private final GroundStationLink link;

  private LinkStoreProbe(PassLinks links, LinkSpec spec, GroundStationLink link) {
    this.links = links;
    this.spec = spec;
    this.link = link;
  }

  /** Connects the pass's link to the ground station; TM is stored from now on. */
  public static LinkStoreProbe open(JdbcTemplate jdbc, LinkSpec spec, int tmBatch) {
    PassLinks links =
        new PassLinks(
            jdbc,
            new GroundStationLink.Settings(
                Duration.ofSeconds(5), 0, Duration.ofMillis(100), tmBatch));
    return new LinkStoreProbe(links, spec, links.up(spec, () -> {}));
  }

  /** The link's counters now (TM received so far). */
  public LinkStatus status() {
    return link.status();
  }

  /** Closes the link once every TM received is stored (at most 30 s of storing left). */
  public LinkStatus closeLink() {
    return links.close(spec.passId());
  }

  @Override
  public void close() {
    links.close();
  }
}
