package io.opsflow.pass;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * Search attributes of pass workflows, e.g. {@code OpsflowGroundStationId = 3 and OpsflowPassStatus
 * = "executing"} in the Temporal UI.
 *
 * <p>The pass id is in the workflow id ({@code pass-<id>}); the dev server's SQLite visibility has
 * three Int columns, all taken (station, user, ground station).
 */
public final class PassSearchAttributes {

  public static final SearchAttributeKey<Long> GROUND_STATION_ID =
      SearchAttributeKey.forLong("OpsflowGroundStationId");
  public static final SearchAttributeKey<String> SATELLITE =
      SearchAttributeKey.forKeyword("OpsflowSatellite");
  public static final SearchAttributeKey<String> STATUS =
      SearchAttributeKey.forKeyword("OpsflowPassStatus");

  public static final List<SearchAttributeKey<?>> ALL =
      List.of(GROUND_STATION_ID, SATELLITE, STATUS);

  private PassSearchAttributes() {}
}
