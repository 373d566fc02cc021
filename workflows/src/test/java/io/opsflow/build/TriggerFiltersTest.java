package io.opsflow.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** on: filters against a trigger, and workflow_dispatch inputs. */
class TriggerFiltersTest {

  private static final PipelineTriggers ON =
      PipelineParser.parse(
              """
              on:
                push:
                  branches: [main, 'release/**', '!release/**-wip']
                  tags: ['v[0-9]+.*']
                pull_request:
                  branches-ignore: ['docs/*']
                workflow_dispatch:
                  inputs:
                    level: {type: choice, options: [debug, info], default: info}
                    dry: {type: boolean}
                    count: {type: number, default: 2}
                    name: {required: true}
              jobs: {a: {steps: [{run: x}]}}
              """)
          .triggers();

  private static String refusal(String event, String ref) {
    return TriggerFilters.refusal(ON, new BuildTrigger(event, ref, "s", "u", "r", 1, null));
  }

  @ParameterizedTest(name = "{0} {1}: {2}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      nullValues = "-",
      value = {
        "push | refs/heads/main | -",
        "push | refs/heads/release/1.x | -",
        "push | refs/heads/release/1.x/hotfix | -",
        "push | refs/heads/release/1.x-wip | on.push.branches [main, release/**, !release/**-wip]"
            + " does not match 'release/1.x-wip'",
        "push | refs/heads/feature | on.push.branches [main, release/**, !release/**-wip] does"
            + " not match 'feature'",
        "push | refs/tags/v1.2 | -",
        "push | refs/tags/latest | on.push.tags [v[0-9]+.*] does not match 'latest'",
        "pull_request | refs/heads/main | -",
        "pull_request | refs/heads/docs/readme | on.pull_request.branches-ignore [docs/*] matches"
            + " 'docs/readme'",
        "pull_request | refs/tags/v1 | on.pull_request filters branches only; tag 'v1' does not"
            + " run it",
        "workflow_dispatch | refs/heads/anything | -",
        "schedule | refs/heads/main | the pipeline does not run on 'schedule' (on: push,"
            + " pull_request, workflow_dispatch)",
      })
  void filters(String event, String ref, String expected) {
    assertThat(refusal(event, ref)).isEqualTo(expected);
  }

  @Test
  void noOnRunsOnAnything() {
    assertThat(
            TriggerFilters.refusal(null, new BuildTrigger("push", "x", null, null, null, 1, null)))
        .isNull();
  }

  @Test
  void inputsAreTypedDefaultedAndChecked() {
    assertThat(
            TriggerFilters.inputs(
                ON, "workflow_dispatch", Map.of("name", "x", "dry", "true", "count", 3)))
        .containsExactly(
            Map.entry("level", "info"),
            Map.entry("dry", true),
            Map.entry("count", 3.0),
            Map.entry("name", "x"));
    assertThat(TriggerFilters.inputs(ON, "workflow_dispatch", Map.of("name", "x")))
        .containsEntry("dry", false)
        .containsEntry("count", 2.0);
    assertThat(TriggerFilters.inputs(ON, "push", Map.of())).isEmpty();
    assertThatThrownBy(() -> TriggerFilters.inputs(ON, "workflow_dispatch", Map.of()))
        .hasMessage("inputs.name: required, and has no default");
    assertThatThrownBy(
            () ->
                TriggerFilters.inputs(
                    ON, "workflow_dispatch", Map.of("name", "x", "level", "warn")))
        .hasMessage("inputs.level: must be one of [debug, info], got 'warn'");
    assertThatThrownBy(
            () -> TriggerFilters.inputs(ON, "workflow_dispatch", Map.of("name", "x", "dry", "yes")))
        .hasMessage("inputs.dry: must be true or false, got 'yes'");
    assertThatThrownBy(
            () ->
                TriggerFilters.inputs(ON, "workflow_dispatch", Map.of("name", "x", "count", "two")))
        .hasMessage("inputs.count: must be a number, got 'two'");
    assertThatThrownBy(
            () -> TriggerFilters.inputs(ON, "workflow_dispatch", Map.of("name", List.of("x"))))
        .hasMessage("inputs.name: must be a string, not an object or a list");
    assertThatThrownBy(() -> TriggerFilters.inputs(ON, "workflow_dispatch", Map.of("colour", "x")))
        .hasMessage(
            "inputs.colour: not declared in on.workflow_dispatch.inputs (declared: level, dry,"
                + " count, name)");
    assertThatThrownBy(() -> TriggerFilters.inputs(ON, "push", Map.of("name", "x")))
        .hasMessage("inputs: only a workflow_dispatch build takes inputs (event is 'push')");
  }
}
