package io.opsflow.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Matrix combinations as GitHub computes them, and the instances that replace the job. */
class MatrixExpansionTest {

  private static final BuildTrigger TRIGGER =
      new BuildTrigger(
          "workflow_dispatch",
          "refs/heads/main",
          "abc",
          "alice",
          "demo",
          1,
          Map.of("jdks", "[17, 21]", "os", "ubuntu"));

  private static Dag expand(String yaml) {
    Dag parsed = PipelineParser.parse(yaml);
    return MatrixExpansion.expand(parsed, BuildContexts.workflowContexts(TRIGGER, 1, "ci"));
  }

  private static List<String> ids(Dag dag) {
    return dag.jobs().stream().map(JobSpec::id).toList();
  }

  @Test
  void productFirstAxisSlowestThenExcludeThenInclude() {
    Dag dag =
        expand(
            """
            jobs:
              test:
                strategy:
                  matrix:
                    os: [ubuntu, windows]
                    node: [18, 20, 22]
                    exclude:
                      - os: windows
                        node: 18
                    include:
                      - node: 20
                        npm: 10
                      - os: ubuntu
                        node: 22
                        experimental: true
                      - os: macos
                        node: 22
                steps: [{run: x}]
              deploy:
                needs: test
                steps: [{run: x}]
            """);
    assertThat(ids(dag))
        .containsExactly(
            "test (ubuntu, 18)",
            "test (ubuntu, 20, 10)",
            "test (ubuntu, 22, true)",
            "test (windows, 20, 10)",
            "test (windows, 22)",
            "test (macos, 22)",
            "deploy");
    JobSpec first = dag.jobs().get(0);
    assertThat(first.matrix().values()).isEqualTo(Map.of("os", "ubuntu", "node", 18.0));
    assertThat(first.matrix().index()).isZero();
    assertThat(first.matrix().total()).isEqualTo(6);
    assertThat(first.matrix().failFast()).isTrue();
    assertThat(first.group()).isEqualTo("test");
    assertThat(dag.job("deploy").needs()).containsExactlyElementsOf(ids(dag).subList(0, 6));
    assertThat(dag.strategies()).isEmpty();
  }

  @Test
  void axesMayComeFromExpressionsOverTheTrigger() {
    Dag dag =
        expand(
            """
            jobs:
              test:
                name: Test on ${{ matrix.os }} with ${{ matrix.jdk }}
                strategy:
                  matrix:
                    jdk: ${{ fromJSON(inputs.jdks) }}
                    os: ['${{ inputs.os }}']
                steps: [{run: x}]
            """);
    assertThat(ids(dag)).containsExactly("test (17, ubuntu)", "test (21, ubuntu)");
    assertThat(dag.jobs().get(1).name()).isEqualTo("Test on ubuntu with 21");
    Dag whole =
        expand(
            """
            jobs:
              test:
                strategy:
                  matrix: ${{ fromJSON('{"include":[{"go":"1.22"},{"go":"1.23"}]}') }}
                steps: [{run: x}]
            """);
    assertThat(ids(whole)).containsExactly("test (1.22)", "test (1.23)");
  }

  @Test
  void impossibleMatricesNameTheirField() {
    assertThatThrownBy(
            () ->
                expand(
                    """
                    jobs:
                      t:
                        strategy:
                          matrix:
                            a: [1]
                            exclude: [{a: 1}]
                        steps: [{run: x}]
                    """))
        .hasMessage("jobs.t.strategy.matrix: no combinations left (every one is excluded)");
    assertThatThrownBy(
            () ->
                expand(
                    """
                    jobs:
                      t:
                        strategy:
                          matrix:
                            a: ${{ inputs.os }}
                        steps: [{run: x}]
                    """))
        .hasMessage("jobs.t.strategy.matrix.a: must be a list, got ubuntu");
    assertThatThrownBy(
            () ->
                expand(
                    """
                    jobs:
                      t:
                        strategy:
                          matrix:
                            a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]
                            b: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
                        steps: [{run: x}]
                    """))
        .hasMessage("jobs.t.strategy.matrix: more than 256 combinations");
  }
}
