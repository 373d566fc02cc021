package io.opsflow.device.connectivity;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * Search attributes of connectivity monitors, e.g. {@code OpsflowConnectivityStatus = "offline"} in
 * the Temporal UI (the endpoint id is in the workflow id, {@code connectivity-<id>}).
 */
public final class ConnectivitySearchAttributes {

  public static final SearchAttributeKey<String> STATUS =
      SearchAttributeKey.forKeyword("OpsflowConnectivityStatus");

  public static final List<SearchAttributeKey<?>> ALL = List.of(STATUS);

  private ConnectivitySearchAttributes() {}
}
