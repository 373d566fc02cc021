package io.opsflow.workload;

import io.temporal.common.SearchAttributeKey;
import java.util.List;

/**
 * Search attributes of workload workflows, so the Temporal UI can filter them, e.g. {@code
 * OpsflowNodeId = "node-1" and OpsflowWorkloadStatus = "RUNNING"}. They must be registered on the
 * namespace (the API does it at start-up). A workflow started with {@link #STATUS} set (any value)
 * keeps both up to date; one started without it runs the same and upserts nothing.
 */
public final class WorkloadSearchAttributes {

  public static final SearchAttributeKey<String> STATUS =
      SearchAttributeKey.forKeyword("OpsflowWorkloadStatus");
  public static final SearchAttributeKey<String> NODE_ID =
      SearchAttributeKey.forKeyword("OpsflowNodeId");

  public static final List<SearchAttributeKey<?>> ALL = List.of(STATUS, NODE_ID);

  private WorkloadSearchAttributes() {}
}
