package io.opsflow.build;

import java.util.Map;

/**
 * One combination of a job's {@code strategy.matrix}: the job runs once per combination, each an
 * instance with its own id ({@code test (17, ubuntu)}), status, log and retries.
 *
 * @param group the job id under {@code jobs:} ({@code test})
 * @param values the combination: the {@code matrix} context of the instance
 * @param index 0-based position of the combination ({@code strategy.job-index})
 * @param total number of combinations ({@code strategy.job-total})
 * @param failFast {@code strategy.fail-fast} (default true): a failed instance cancels the others
 * @param maxParallel {@code strategy.max-parallel}: instances running at once, or null for no limit
 *     but the build's parallelism
 */
public record JobMatrix(
    String group,
    Map<String, Object> values,
    int index,
    int total,
    boolean failFast,
    Integer maxParallel) {
  public JobMatrix {
    values =
        values == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values));
  }
}
