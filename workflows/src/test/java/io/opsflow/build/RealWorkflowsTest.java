package io.opsflow.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Workflow files in the shape of real ones (Java/Maven, Node, Go, Python; written here, in {@code
 * src/test/resources/workflows}) parse unchanged, and their matrices expand to the jobs GitHub
 * would run.
 */
class RealWorkflowsTest {

  static String workflow(String name) throws IOException {
    try (InputStream in = RealWorkflowsTest.class.getResourceAsStream("/workflows/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static Dag expanded(String file, BuildTrigger trigger) throws IOException {
    Dag dag = PipelineParser.parse(workflow(file));
    return MatrixExpansion.expand(dag, BuildContexts.workflowContexts(trigger, 1, dag.name()));
  }

  private static BuildTrigger push(String ref) {
    return new BuildTrigger("push", ref, "0123abc", "alice", "demo", 1, Map.of());
  }

  @Test
  void javaMaven() throws IOException {
    Dag dag = expanded("java-maven.yml", push("refs/heads/release/2.x"));
    assertThat(dag.jobs().stream().map(JobSpec::id))
        .containsExactly("build (ubuntu-latest, 17)", "build (ubuntu-latest, 21)", "publish");
    assertThat(dag.job("publish").needs())
        .containsExactly("build (ubuntu-latest, 17)", "build (ubuntu-latest, 21)");
    assertThat(dag.ignored())
        .contains(
            "jobs.build.runs-on",
            "jobs.build.steps[0].uses",
            "jobs.build.steps[1].uses",
            "jobs.publish.permissions");
    assertThat(dag.triggers().inputs().get("skip-tests").type()).isEqualTo("boolean");
    assertThat(TriggerFilters.refusal(dag.triggers(), push("refs/heads/release/2.x"))).isNull();
    assertThat(TriggerFilters.refusal(dag.triggers(), push("refs/heads/feature")))
        .isEqualTo("on.push.branches [main, release/**] does not match 'feature'");
  }

  @Test
  void node() throws IOException {
    Dag dag = expanded("node.yml", push("refs/heads/main"));
    assertThat(dag.jobs().stream().map(JobSpec::id))
        .containsExactly("build (18.x)", "build (20.x)", "build (22.x)");
    assertThat(dag.jobs().get(1).matrix().values()).isEqualTo(Map.of("node-version", "20.x"));
  }

  @Test
  void go() throws IOException {
    Dag dag = expanded("go.yml", push("refs/tags/v1.2.0"));
    assertThat(dag.jobs().stream().map(JobSpec::id)).containsExactly("build", "release");
    assertThat(dag.job("release").ifExpression())
        .isEqualTo("startsWith(github.ref, 'refs/tags/v')");
    assertThat(TriggerFilters.refusal(dag.triggers(), push("refs/tags/v1.2.0"))).isNull();
    assertThat(TriggerFilters.refusal(dag.triggers(), push("refs/tags/nightly")))
        .isEqualTo("on.push.tags [v*] does not match 'nightly'");
  }

  @Test
  void python() throws IOException {
    Dag dag = expanded("python.yml", push("refs/heads/main"));
    assertThat(dag.jobs().stream().map(JobSpec::id))
        .containsExactly("test (3.11)", "test (3.12)", "coverage");
    assertThat(dag.job("test (3.11)").steps().stream().map(StepSpec::name))
        .containsExactly("Lint", "Test");
    assertThat(dag.triggers().events().keySet()).containsExactly("push", "pull_request");
    assertThat(List.copyOf(dag.ignored()))
        .contains("jobs.test.steps[1].uses", "jobs.coverage.runs-on");
  }

  /** The README's example, as written there. */
  @Test
  void readmeExample() throws IOException {
    String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
    int start = readme.indexOf("```yaml\nname: release\n");
    String yaml = readme.substring(start + 8, readme.indexOf("```", start + 8));
    Dag dag = PipelineParser.parse(yaml);
    Dag push =
        MatrixExpansion.expand(
            dag, BuildContexts.workflowContexts(push("refs/heads/main"), 1, dag.name()));
    assertThat(push.jobs().stream().map(JobSpec::id))
        .containsExactly("version", "test (17)", "test (21, true)", "deploy");
    assertThat(push.job("deploy").needs())
        .containsExactly("version", "test (17)", "test (21, true)");
    BuildTrigger dispatch =
        new BuildTrigger(
            "workflow_dispatch",
            "refs/heads/main",
            "s",
            "u",
            "r",
            1,
            TriggerFilters.inputs(dag.triggers(), "workflow_dispatch", Map.of("jdks", "[11]")));
    Dag manual =
        MatrixExpansion.expand(dag, BuildContexts.workflowContexts(dispatch, 1, dag.name()));
    assertThat(manual.jobs().stream().map(JobSpec::id))
        .containsExactly("version", "test (11)", "test (21, true)", "deploy");
  }
}
