package io.opsflow.session;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * Search attributes of session workflows, so the Temporal UI can filter them, e.g. {@code
 * OpsflowStationId = 7 and OpsflowSessionStatus = "ACTIVE"}. They must be registered on the
 * namespace (the API does it at start-up); a workflow started without them runs the same.
 */
public final class SessionSearchAttributes {

  public static final SearchAttributeKey<Long> STATION_ID =
      SearchAttributeKey.forLong("OpsflowStationId");
  public static final SearchAttributeKey<Long> USER_ID =
      SearchAttributeKey.forLong("OpsflowUserId");
  public static final SearchAttributeKey<String> STATUS =
      SearchAttributeKey.forKeyword("OpsflowSessionStatus");

  public static final List<SearchAttributeKey<?>> ALL = List.of(STATION_ID, USER_ID, STATUS);

  private SessionSearchAttributes() {}
}
