package io.opsflow.build;

import java.util.Map;

/**
 * What started a build: the {@code github} and {@code inputs} contexts of its expressions.
 *
 * @param event the event name ({@code push}, {@code pull_request}, {@code workflow_dispatch}, ...)
 * @param ref the full ref ({@code refs/heads/main}, {@code refs/tags/v1.0})
 * @param sha the commit
 * @param actor who started it (the token's user)
 * @param repository the repository name the pipeline stands for (the pipeline's name)
 * @param number the build's number within its pipeline ({@code github.run_number})
 * @param inputs the {@code workflow_dispatch} inputs, typed and with their defaults applied
 */
public record BuildTrigger(
    String event,
    String ref,
    String sha,
    String actor,
    String repository,
    int number,
    Map<String, Object> inputs) {
  public BuildTrigger {
    inputs =
        inputs == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(inputs));
  }
}
