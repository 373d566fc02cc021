package io.opsflow.flight;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * Search attributes of flight history workflows, e.g. {@code OpsflowFlightAirborne = true} for the
 * devices in the air (the device is in the workflow id, {@code flight-history-<deviceId>}). A
 * workflow started with {@link #AIRBORNE} set (to false) keeps it up to date; one started without
 * it upserts nothing. No Int attribute: the dev server's SQLite visibility has only three Int
 * columns, all taken.
 */
public final class FlightSearchAttributes {

  public static final SearchAttributeKey<Boolean> AIRBORNE =
      SearchAttributeKey.forBoolean("OpsflowFlightAirborne");

  public static final List<SearchAttributeKey<?>> ALL = List.of(AIRBORNE);

  private FlightSearchAttributes() {}
}
