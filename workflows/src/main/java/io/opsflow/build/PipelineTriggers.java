package io.opsflow.build;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pipeline's {@code on:}: the events that start it, each with its filters, and the declared
 * {@code workflow_dispatch} inputs.
 *
 * @param events event name to its filters, in the order written
 * @param inputs {@code on.workflow_dispatch.inputs}, by name, in the order written
 */
public record PipelineTriggers(Map<String, EventFilter> events, Map<String, InputSpec> inputs) {
  public PipelineTriggers {
    events = events == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(events));
    inputs = inputs == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
  }

  /**
   * One event's filters (GitHub's glob patterns; an empty list is no filter).
   *
   * @param branches {@code branches}
   * @param branchesIgnore {@code branches-ignore}
   * @param tags {@code tags}
   * @param tagsIgnore {@code tags-ignore}
   * @param paths {@code paths} and {@code paths-ignore} cannot be checked without the changed files
   *     and are listed as ignored
   */
  public record EventFilter(
      List<String> branches,
      List<String> branchesIgnore,
      List<String> tags,
      List<String> tagsIgnore,
      List<String> paths) {
    public EventFilter {
      branches = branches == null ? List.of() : List.copyOf(branches);
      branchesIgnore = branchesIgnore == null ? List.of() : List.copyOf(branchesIgnore);
      tags = tags == null ? List.of() : List.copyOf(tags);
      tagsIgnore = tagsIgnore == null ? List.of() : List.copyOf(tagsIgnore);
      paths = paths == null ? List.of() : List.copyOf(paths);
    }

    static final EventFilter NONE = new EventFilter(null, null, null, null, null);
  }

  /**
   * A declared {@code workflow_dispatch} input.
   *
   * @param type {@code string} (default), {@code boolean}, {@code number}, {@code choice} or {@code
   *     environment}
   * @param required whether a build must give it (when it has no default)
   * @param defaultValue {@code default}, as written, or null
   * @param options {@code options} of a choice
   * @param description {@code description}, or null
   */
  public record InputSpec(
      String type,
      boolean required,
      String defaultValue,
      List<String> options,
      String description) {
    public InputSpec {
      type = type == null ? "string" : type;
      options = options == null ? List.of() : List.copyOf(options);
    }
  }
}
