package io.opsflow.flight;

import java.util.List;

/**
 * What the classifier has derived so far.
 *
 * @param flights every flight, the last one possibly still open
 * @param incidents every incident in the order it started, some possibly still open
 * @param buckets the 5-minute metric windows in time order
 * @param lastId the highest point id classified (the cursor)
 * @param points points classified
 * @param duplicates points skipped because their id was not above the cursor
 * @param reordered points older than one already classified: counted in the buckets only
 */
public record FlightHistory(
    List<Flight> flights,
    List<Incident> incidents,
    List<MetricBucket> buckets,
    long lastId,
    long points,
    long duplicates,
    long reordered) {}
