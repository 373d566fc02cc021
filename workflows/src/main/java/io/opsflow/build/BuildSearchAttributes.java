package io.opsflow.build;

import io.temporal.common.SearchAttributeKey;
import io.temporal.common.SearchAttributes;
import java.util.List;

/**
 * Search attributes of build workflows, so the Temporal UI can filter them, e.g. {@code
 * OpsflowPipelineId = "3" and OpsflowBuildStatus = "FAILED"}. They must be registered on the
 * namespace; a build started without them (see {@link #initial}) runs the same and upserts nothing.
 */
public final class BuildSearchAttributes {

  public static final SearchAttributeKey<String> PIPELINE_ID =
      SearchAttributeKey.forKeyword("OpsflowPipelineId");
  public static final SearchAttributeKey<String> STATUS =
      SearchAttributeKey.forKeyword("OpsflowBuildStatus");

  public static final List<SearchAttributeKey<?>> ALL = List.of(PIPELINE_ID, STATUS);

  private BuildSearchAttributes() {}

  /**
   * The attributes to start {@code build-<id>} with (WorkflowOptions.setTypedSearchAttributes): its
   * pipeline and QUEUED. The workflow then upserts the status on every change.
   */
  public static SearchAttributes initial(BuildRequest request) {
    return SearchAttributes.newBuilder()
        .set(PIPELINE_ID, Long.toString(request.pipelineId()))
        .set(STATUS, BuildStatus.QUEUED.name())
        .build();
  }
}
