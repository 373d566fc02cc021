package io.opsflow.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What of a step the workflow evaluates, and what it leaves to the runner. */
class JobRenderTest {

  private static final String PIPELINE =
      """
      jobs:
        a:
          env:
            STAGE: prod
          steps:
            - id: v
              run: echo "version=1" >> "$GITHUB_OUTPUT"
            - if: steps.v.outputs.version != '' && env.STAGE == 'prod'
              name: release ${{ steps.v.outputs.version }} to ${{ env.STAGE }}
              run: echo "${{ env.STAGE }} ${{ steps.v.outputs.version }}"
              env:
                KEY: ${{ hashFiles('**/pom.xml') }}
                PLAIN: ${{ env.STAGE }}-x
            - if: failure()
              run: echo ${{ github.ref }}
      """;

  private static JobRender.Rendered render(String yaml) {
    Dag dag = PipelineParser.parse(yaml);
    return JobRender.render(
        dag,
        dag.job("a"),
        BuildContexts.workflowContexts(
            new BuildTrigger("push", "refs/heads/main", "abc", "bob", "r", 3, Map.of()), 1, "p"),
        Map.of(),
        "runners",
        Map.of());
  }

  @Test
  void whatNamesStepsIsLeftToTheRunnerWithTheOtherContextsEvaluated() {
    List<StepSpec> steps = render(PIPELINE).steps();

    assertThat(steps.get(0).residual()).isNull();
    StepSpec release = steps.get(1);
    assertThat(release.when()).isEqualTo("always");
    StepResidual left = release.residual();
    // env.STAGE was evaluated in the workflow: the runner gets its value, never the reference.
    // env.STAGE == 'prod' was decided in the workflow: the runner gets true, never the reference.
    assertThat(left.condition())
        .contains("__opsflow_output 0 'version'")
        .contains("='true'")
        .doesNotContain("STAGE");
    assertThat(left.run()).startsWith("printf '%s' 'echo \"prod '").contains("__opsflow_output 0");
    assertThat(left.name()).contains("printf '%s' 'release '").endsWith("printf '%s' ' to prod'\n");
    assertThat(left.env()).containsOnlyKeys("KEY");
    assertThat(left.env().get("KEY")).contains("__opsflow_hashfiles '^(.*/)?pom[.]xml(/.*)?$'");
    assertThat(release.env()).containsEntry("PLAIN", "prod-x").doesNotContainKey("KEY");
    // A step without steps or hashFiles is decided as before.
    assertThat(steps.get(2).residual()).isNull();
    assertThat(steps.get(2).when()).isEqualTo("failure");
    assertThat(steps.get(2).run()).isEqualTo("echo refs/heads/main");
  }

  @Test
  void aValueTheRunnerCannotCompareFailsTheJobNamingTheField() {
    assertThatThrownBy(
            () ->
                render(
                    """
                    jobs:
                      a:
                        steps:
                          - id: v
                            run: echo
                          - if: steps.v.outputs.n == fromJSON('12345678901234567')
                            run: echo
                    """))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "jobs.a.steps[1].if: the number 1.23456789012346E+16 cannot be compared");
    assertThatThrownBy(
            () ->
                render(
                    """
                    jobs:
                      a:
                        steps:
                          - id: v
                            run: echo
                          - run: echo ${{ steps.v.outputs.n || fromJSON('[1]') }}
                    """))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "jobs.a.steps[1].run: a value used with steps on the runner is an array");
  }
}
