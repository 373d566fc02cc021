package io.opsflow.build;

import io.opsflow.build.PipelineNodes.Entry;
import io.opsflow.build.PipelineTriggers.EventFilter;
import io.opsflow.build.PipelineTriggers.InputSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * {@code on:} as an event name, a list of them, or a mapping of events to their filters. Read:
 * {@code branches}, {@code branches-ignore}, {@code tags}, {@code tags-ignore} (checked when a
 * build starts) and {@code workflow_dispatch.inputs}; other keys ({@code paths}, {@code types},
 * {@code schedule}, ...) are listed as ignored.
 */
final class PipelineOn {

  private static final Set<String> INPUT_TYPES =
      Set.of("string", "boolean", "number", "choice", "environment");

  private PipelineOn() {}

  static PipelineTriggers read(Entry on, PipelineProblems problems) {
    Map<String, EventFilter> events = new LinkedHashMap<>();
    Map<String, InputSpec> inputs = new LinkedHashMap<>();
    Node value = on.value();
    if (on.isNull()) {
      problems.at(on.keyNode(), on.path(), "on must name at least one event");
      return null;
    }
    if (value instanceof ScalarNode scalar) {
      events.put(scalar.getValue(), EventFilter.NONE);
    } else if (value instanceof SequenceNode list) {
      for (int i = 0; i < list.getValue().size(); i++) {
        Node item = list.getValue().get(i);
        if (item instanceof ScalarNode s && !PipelineNodes.isNull(item)) {
          events.put(s.getValue(), EventFilter.NONE);
        } else {
          problems.at(
              item,
              on.path() + "[" + i + "]",
              "on must list event names, got " + PipelineNodes.describe(item));
        }
      }
    } else if (value instanceof MappingNode map) {
      for (Entry event : PipelineNodes.entries(map, on.path(), problems)) {
        events.put(event.key(), filter(event, inputs, problems));
      }
    }
    return new PipelineTriggers(events, inputs);
  }

  private static EventFilter filter(
      Entry event, Map<String, InputSpec> inputs, PipelineProblems problems) {
    if (event.isNull()) {
      return EventFilter.NONE;
    }
    if (!(event.value() instanceof MappingNode map)) {
      if (event.key().equals("schedule")) {
        problems.ignore(event.path());
        return EventFilter.NONE;
      }
      problems.at(
          event.value(),
          event.path(),
          "on."
              + event.key()
              + " must be a mapping of filters, got "
              + PipelineNodes.describe(event.value()));
      return EventFilter.NONE;
    }
    List<String> branches = null;
    List<String> branchesIgnore = null;
    List<String> tags = null;
    List<String> tagsIgnore = null;
    List<String> paths = null;
    Entry branchesEntry = null;
    Entry tagsEntry = null;
    for (Entry f : PipelineNodes.entries(map, event.path(), problems)) {
      switch (f.key()) {
        case "branches" -> {
          branches = patterns(f, problems);
          branchesEntry = branchesEntry == null ? f : branchesEntry;
        }
        case "branches-ignore" -> {
          branchesIgnore = patterns(f, problems);
          branchesEntry = branchesEntry == null ? f : branchesEntry;
        }
        case "tags" -> {
          tags = patterns(f, problems);
          tagsEntry = tagsEntry == null ? f : tagsEntry;
        }
        case "tags-ignore" -> {
          tagsIgnore = patterns(f, problems);
          tagsEntry = tagsEntry == null ? f : tagsEntry;
        }
        case "inputs" -> {
          if (event.key().equals("workflow_dispatch")) {
            inputs(f, inputs, problems);
          } else {
            problems.ignore(f.path());
          }
        }
        default -> {
          if (f.key().equals("paths") || f.key().equals("paths-ignore")) {
            paths = patterns(f, problems);
          }
          problems.ignore(f.path());
        }
      }
    }
    if (branches != null && branchesIgnore != null) {
      problems.at(
          branchesEntry.keyNode(),
          event.path(),
          "use either branches or branches-ignore for one event, not both");
    }
    if (tags != null && tagsIgnore != null) {
      problems.at(
          tagsEntry.keyNode(),
          event.path(),
          "use either tags or tags-ignore for one event, not both");
    }
    return new EventFilter(branches, branchesIgnore, tags, tagsIgnore, paths);
  }

  private static List<String> patterns(Entry f, PipelineProblems problems) {
    List<String> patterns = new ArrayList<>();
    if (f.value() instanceof ScalarNode s && !f.isNull()) {
      patterns.add(s.getValue());
    } else if (f.value() instanceof SequenceNode list) {
      for (int i = 0; i < list.getValue().size(); i++) {
        Node item = list.getValue().get(i);
        if (item instanceof ScalarNode s && !PipelineNodes.isNull(item)) {
          patterns.add(s.getValue());
        } else {
          problems.at(
              item,
              f.path() + "[" + i + "]",
              f.key() + " must list patterns, got " + PipelineNodes.describe(item));
        }
      }
    } else {
      problems.at(
          PipelineNodes.anchor(f),
          f.path(),
          f.key()
              + " must be a pattern or a list of patterns, got "
              + PipelineNodes.describe(f.value()));
    }
    for (String p : patterns) {
      try {
        TriggerFilters.glob(p);
      } catch (IllegalArgumentException e) {
        problems.at(f.value(), f.path(), "pattern '" + p + "': " + e.getMessage());
      }
    }
    return patterns;
  }

  private static void inputs(Entry f, Map<String, InputSpec> inputs, PipelineProblems problems) {
    if (f.isNull()) {
      return;
    }
    if (!(f.value() instanceof MappingNode map)) {
      problems.at(
          f.value(),
          f.path(),
          "inputs must be a mapping of names to inputs, got " + PipelineNodes.describe(f.value()));
      return;
    }
    for (Entry input : PipelineNodes.entries(map, f.path(), problems)) {
      String type = "string";
      boolean required = false;
      String defaultValue = null;
      List<String> options = List.of();
      String description = null;
      if (input.value() instanceof MappingNode spec) {
        for (Entry e : PipelineNodes.entries(spec, input.path(), problems)) {
          switch (e.key()) {
            case "type" -> {
              String t = PipelineNodes.optionalString(e, problems);
              if (t != null && !INPUT_TYPES.contains(t)) {
                problems.at(
                    e.value(),
                    e.path(),
                    "input type must be one of boolean, choice, environment, number or string, got "
                        + PipelineNodes.describe(e.value()));
              } else if (t != null) {
                type = t;
              }
            }
            case "required" -> required = PipelineNodes.bool(e, problems);
            case "default" -> defaultValue = PipelineNodes.optionalString(e, problems);
            case "description" -> description = PipelineNodes.optionalString(e, problems);
            case "options" -> options = patterns(e, problems);
            default -> problems.ignore(e.path());
          }
        }
      } else if (!input.isNull()) {
        problems.at(
            input.value(),
            input.path(),
            "input must be a mapping (type, default, ...), got "
                + PipelineNodes.describe(input.value()));
        continue;
      }
      if (type.equals("choice") && options.isEmpty()) {
        problems.at(input.keyNode(), input.path(), "a choice input needs options");
      }
      InputSpec spec = new InputSpec(type, required, defaultValue, options, description);
      if (defaultValue != null) {
        String bad = TriggerFilters.inputProblem(input.key(), spec, defaultValue);
        if (bad != null) {
          problems.at(input.keyNode(), input.path() + ".default", bad);
        }
      }
      inputs.put(input.key(), spec);
    }
  }
}
