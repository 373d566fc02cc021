package io.opsflow.flight;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * Search attributes of flight history workflows, e.g. {@code OpsflowFlightAirborne = true} for the
 * devices in the air. A workflow started with {@link #DEVICE_ID} set keeps {@link #AIRBORNE} up to
 * date; one started without it upserts nothing.
 */
public final class FlightSearchAttributes {

  public static final SearchAttributeKey<Long> DEVICE_ID =
      SearchAttributeKey.forLong("OpsflowFlightDeviceId");
  public static final SearchAttributeKey<Boolean> AIRBORNE =
      SearchAttributeKey.forBoolean("OpsflowFlightAirborne");

  public static final List<SearchAttributeKey<?>> ALL = List.of(DEVICE_ID, AIRBORNE);

  private FlightSearchAttributes() {}
}
