package io.opsflow.flight;

import java.util.ArrayList;
import java.util.List;

/** Records what the workflow asked of retention; archives are made up from the request. */
final class FakeFlightRetention implements FlightRetentionActivities {

  private final List<ArchiveRequest> archived = new ArrayList<>();
  private final List<PruneRequest> pruned = new ArrayList<>();

  @Override
  public synchronized Archive archive(ArchiveRequest request) {
    archived.add(request);
    return new Archive(
        archived.size(), "flight-" + request.flightNumber() + ".jsonl.gz", 0, "0".repeat(64));
  }

  @Override
  public synchronized long prune(PruneRequest request) {
    pruned.add(request);
    return 0;
  }

  @Override
  public Around around(AroundRequest request) {
    return new Around(List.of(), false);
  }

  synchronized List<ArchiveRequest> archived() {
    return List.copyOf(archived);
  }

  synchronized List<PruneRequest> pruned() {
    return List.copyOf(pruned);
  }
}
