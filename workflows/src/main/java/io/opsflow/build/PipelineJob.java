package io.opsflow.build;

import java.util.List;
import org.yaml.snakeyaml.nodes.Node;

/**
 * A job as read, with the nodes its {@code needs} were written at (for graph problems).
 *
 * @param spec the job
 * @param needs its needs in the order written, each with its node and path
 */
record PipelineJob(JobSpec spec, List<Need> needs) {

  /** One {@code needs} entry. */
  record Need(String id, Node node, String path) {}

  String id() {
    return spec.id();
  }
}
