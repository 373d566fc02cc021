package io.opsflow.build;

import java.util.List;
import org.yaml.snakeyaml.nodes.Node;

/**
 * A job as read, with the nodes its {@code needs} were written at (for graph problems).
 *
 * @param spec the job
 * @param needs its needs in the order written, each with its node and path
 * @param strategy its {@code strategy}, or null
 */
record PipelineJob(JobSpec spec, List<Need> needs, MatrixSpec strategy) {

  PipelineJob(JobSpec spec, List<Need> needs) {
    this(spec, needs, null);
  }

  /** One {@code needs} entry. */
  record Need(String id, Node node, String path) {}

  String id() {
    return spec.id();
  }
}
