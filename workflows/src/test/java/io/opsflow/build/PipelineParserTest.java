package io.opsflow.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The pipeline YAML as a user writes it, and every mistake reported where it was made. */
class PipelineParserTest {

  static final String CI =
      """
      name: ci
      on:
        push:
          branches: [main]
      permissions:
        contents: read
      env:
        REGISTRY: registry.local:5000
        DEBUG: false
      jobs:
        build:
          name: Build
          runs-on: ubuntu-latest
          container:
            image: maven:3.9-eclipse-temurin-21
            options: --cpus 2
          env:
            MAVEN_OPTS: -Xmx1g
          steps:
            - uses: actions/checkout@v4
            - name: Compile
              run: mvn -B -DskipTests package
              env:
                PROFILE: ci
        test:
          needs: build
          container: maven:3.9-eclipse-temurin-21
          timeout-minutes: 30
          retries: 2
          steps:
            - run: mvn -B verify
        lint:
          needs: [build]
          image: node:22
          continue-on-error: true
          steps:
            - run: npm ci
            - run: npm run lint
              working-directory: web
        deploy:
          needs: [test, lint]
          if: ${{ always() }}
          environment: production
          steps:
            - name: Deploy
              run: |
                ./deploy.sh "$REGISTRY"
      """;

  @Test
  void realisticPipelineBecomesTheDagItDescribes() {
    Dag dag = PipelineParser.parse(CI);

    assertThat(dag.name()).isEqualTo("ci");
    assertThat(dag.env()).isEqualTo(Map.of("REGISTRY", "registry.local:5000", "DEBUG", "false"));
    assertThat(dag.jobs())
        .containsExactly(
            new JobSpec(
                "build",
                "Build",
                List.of(),
                "maven:3.9-eclipse-temurin-21",
                Map.of("MAVEN_OPTS", "-Xmx1g"),
                List.of(
                    new StepSpec("Compile", "mvn -B -DskipTests package", Map.of("PROFILE", "ci"))),
                null,
                false,
                JobCondition.SUCCESS,
                0),
            new JobSpec(
                "test",
                "test",
                List.of("build"),
                "maven:3.9-eclipse-temurin-21",
                Map.of(),
                List.of(new StepSpec(null, "mvn -B verify", Map.of())),
                30,
                false,
                JobCondition.SUCCESS,
                2),
            new JobSpec(
                "lint",
                "lint",
                List.of("build"),
                "node:22",
                Map.of(),
                List.of(
                    new StepSpec(null, "npm ci", Map.of()),
                    new StepSpec(
                        null,
                        "npm run lint",
                        Map.of(),
                        null,
                        null,
                        "web",
                        false,
                        null,
                        null,
                        null)),
                null,
                true,
                JobCondition.SUCCESS,
                0),
            new JobSpec(
                "deploy",
                "deploy",
                List.of("test", "lint"),
                null,
                Map.of(),
                List.of(new StepSpec("Deploy", "./deploy.sh \"$REGISTRY\"\n", Map.of())),
                null,
                false,
                JobCondition.ALWAYS,
                0,
                "${{ always() }}",
                null));
    assertThat(dag.edges())
        .containsExactly(
            List.of("build", "test"),
            List.of("build", "lint"),
            List.of("test", "deploy"),
            List.of("lint", "deploy"));
    assertThat(dag.levels())
        .containsExactly(List.of("build"), List.of("test", "lint"), List.of("deploy"));
    assertThat(dag.ignored())
        .containsExactly(
            "permissions",
            "jobs.build.runs-on",
            "jobs.build.container.options",
            "jobs.build.steps[0].uses",
            "jobs.deploy.environment");
  }

  @Test
  void needsMayBeOneIdOrAListAndMayPointForward() {
    Dag dag =
        PipelineParser.parse(
            """
            jobs:
              package:
                needs: [compile, test]
                steps: [{run: pack}]
              test:
                needs: compile
                steps: [{run: test}]
              compile:
                steps: [{run: cc}]
            """);

    assertThat(dag.job("package").needs()).containsExactly("compile", "test");
    assertThat(dag.job("test").needs()).containsExactly("compile");
    assertThat(dag.levels())
        .containsExactly(List.of("compile"), List.of("test"), List.of("package"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "success()|SUCCESS",
        "failure()|FAILURE",
        "always()|ALWAYS",
        "'${{ always() }}'|ALWAYS",
        "${{always()}}|ALWAYS",
        "'  ${{  failure( )  }}  '|FAILURE",
        "\"!cancelled()\"|NOT_CANCELLED",
        "${{ !cancelled() }}|NOT_CANCELLED",
        "${{ success() }}|SUCCESS"
      })
  void ifAcceptsTheStatusFunctions(String condition, JobCondition expected) {
    Dag dag =
        PipelineParser.parse("jobs:\n  a:\n    if: " + condition + "\n    steps: [{run: x}]\n");

    assertThat(dag.job("a").condition()).isEqualTo(expected);
  }

  @Test
  void jobWithoutIfRunsOnSuccessAndDefaultsItsName() {
    JobSpec job = PipelineParser.parse("jobs:\n  only:\n    steps: [{run: x}]\n").job("only");

    assertThat(job.condition()).isEqualTo(JobCondition.SUCCESS);
    assertThat(job.name()).isEqualTo("only");
    assertThat(job.retries()).isZero();
    assertThat(job.timeoutMinutes()).isNull();
    assertThat(job.image()).isNull();
  }

  @Test
  void envScalarsBecomeTheTextWrittenAndNullBecomesEmpty() {
    Dag dag =
        PipelineParser.parse(
            """
            env:
              COUNT: 3
              RATIO: 1.50
              VERBOSE: true
              ANSWER: yes
              QUOTED: "007"
              EMPTY:
            jobs:
              a:
                steps: [{run: x}]
            """);

    assertThat(dag.env())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "COUNT", "3",
                "RATIO", "1.50",
                "VERBOSE", "true",
                "ANSWER", "yes",
                "QUOTED", "007",
                "EMPTY", ""));
  }

  @Test
  void anchorsAndAliasesShareValuesBetweenJobs() {
    Dag dag =
        PipelineParser.parse(
            """
            jobs:
              a:
                env: &common {LANG: C}
                steps: &steps
                  - run: make
              b:
                env: *common
                steps: *steps
            """);

    assertThat(dag.job("b").env()).isEqualTo(Map.of("LANG", "C"));
    assertThat(dag.job("b").steps()).isEqualTo(dag.job("a").steps());
  }

  @Test
  void aliasThatContainsItselfInAnIgnoredKeyDoesNotHang() {
    Dag dag =
        PipelineParser.parse(
            """
            x-on: &loop [*loop]
            x-config: &map {self: *map}
            jobs:
              a:
                steps: [{run: x}]
            """);

    assertThat(dag.ignored()).containsExactly("x-on", "x-config");
  }

  // --- problems, each with the line and column of the node at fault ---

  @Test
  void documentThatIsNotAMappingIsRejected() {
    assertThat(problems("- build\n- test\n"))
        .containsExactly(
            new PipelineProblem(1, 1, "", "pipeline must be a mapping with jobs, got a list"));
    assertThat(problems("just text"))
        .containsExactly(
            new PipelineProblem(1, 1, "", "pipeline must be a mapping with jobs, got 'just text'"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   \n", "# only a comment\n"})
  void emptyDocumentIsRejected(String yaml) {
    assertThat(problems(yaml)).containsExactly(new PipelineProblem(0, 0, "", "pipeline is empty"));
  }

  @Test
  void nullTextIsAnEmptyPipelineNotANullPointer() {
    assertThat(problems(null)).containsExactly(new PipelineProblem(0, 0, "", "pipeline is empty"));
  }

  @Test
  void missingJobsIsReportedAtTheDocument() {
    assertThat(problems("name: ci\non: push\n"))
        .containsExactly(
            new PipelineProblem(1, 1, "jobs", "jobs is required: a mapping of job ids to jobs"));
  }

  @Test
  void emptyJobsIsReportedAtJobs() {
    assertThat(problems("name: ci\njobs: {}\n"))
        .containsExactly(new PipelineProblem(2, 7, "jobs", "jobs must not be empty"));
    assertThat(problems("name: ci\njobs:\n"))
        .containsExactly(new PipelineProblem(2, 1, "jobs", "jobs must not be empty"));
    assertThat(problems("jobs: [a, b]\n"))
        .containsExactly(
            new PipelineProblem(
                1, 7, "jobs", "jobs must be a mapping of job ids to jobs, got a list"));
  }

  @Test
  void duplicateJobIdIsReportedAtItsSecondOccurrence() {
    assertThat(
            problems(
                """
                jobs:
                  build:
                    steps: [{run: make}]
                  build:
                    steps: [{run: make all}]
                """))
        .containsExactly(new PipelineProblem(4, 3, "jobs.build", "duplicate job id 'build'"));
  }

  @Test
  void duplicateKeysAreReportedAnywhereIncludingIgnoredParts() {
    assertThat(
            problems(
                """
                on:
                  push: {}
                  push: {}
                jobs:
                  a:
                    steps:
                      - run: make
                        run: make all
                    env: {A: 1, A: 2}
                """))
        .containsExactly(
            new PipelineProblem(3, 3, "on.push", "duplicate key 'push'"),
            new PipelineProblem(8, 9, "jobs.a.steps[0].run", "duplicate key 'run'"),
            new PipelineProblem(9, 17, "jobs.a.env.A", "duplicate key 'A'"));
  }

  @Test
  void unknownNeedIsReportedAtTheNeedsItem() {
    assertThat(
            problems(
                """
                jobs:
                  build:
                    steps: [{run: make}]
                  test:
                    needs: [build, bild]
                    steps: [{run: make test}]
                  deploy:
                    needs: tset
                    steps: [{run: ship}]
                """))
        .containsExactly(
            new PipelineProblem(5, 20, "jobs.test.needs[1]", "needs unknown job 'bild'"),
            new PipelineProblem(8, 12, "jobs.deploy.needs", "needs unknown job 'tset'"));
  }

  @Test
  void jobNeedingItselfIsRejected() {
    assertThat(problems("jobs:\n  a:\n    needs: [a]\n    steps: [{run: x}]\n"))
        .containsExactly(new PipelineProblem(3, 13, "jobs.a.needs[0]", "job 'a' needs itself"));
  }

  @Test
  void needingTheSameJobTwiceIsRejected() {
    assertThat(
            problems(
                "jobs:\n  a:\n    steps: [{run: x}]\n  b:\n    needs: [a, a]\n    steps: [{run: x}]\n"))
        .containsExactly(new PipelineProblem(5, 16, "jobs.b.needs[1]", "needs 'a' more than once"));
  }

  @Test
  void cycleIsNamedInRunOrderAtTheNeedsOfItsFirstJob() {
    assertThat(
            problems(
                """
                jobs:
                  lint:
                    steps: [{run: lint}]
                  a:
                    needs: [lint, c]
                    steps: [{run: a}]
                  b:
                    needs: a
                    steps: [{run: b}]
                  c:
                    needs: [b]
                    steps: [{run: c}]
                """))
        .containsExactly(new PipelineProblem(5, 19, "jobs.a.needs[1]", "cycle: a -> b -> c -> a"));
  }

  @Test
  void twoSeparateCyclesAreBothReported() {
    assertThat(
            problems(
                """
                jobs:
                  a: {needs: b, steps: [{run: x}]}
                  b: {needs: a, steps: [{run: x}]}
                  c: {needs: d, steps: [{run: x}]}
                  d: {needs: c, steps: [{run: x}]}
                """))
        .containsExactly(
            new PipelineProblem(2, 14, "jobs.a.needs", "cycle: a -> b -> a"),
            new PipelineProblem(4, 14, "jobs.c.needs", "cycle: c -> d -> c"));
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void longCycleIsNamedByItsStartAndLengthNotListedInFull() {
    StringBuilder yaml = new StringBuilder("jobs:\n");
    for (int i = 0; i < 5000; i++) {
      yaml.append("  j%d: {needs: j%d, steps: [{run: x}]}\n".formatted(i, (i + 1) % 5000));
    }

    assertThat(problems(yaml.toString()))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.line()).isEqualTo(2);
              assertThat(p.column()).isEqualTo(15);
              assertThat(p.path()).isEqualTo("jobs.j0.needs");
              assertThat(p.message())
                  .startsWith("cycle: j0 -> j4999 -> j4998 -> ")
                  .endsWith(" -> j4902 -> ... (4901 more) -> j0");
            });
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void longChainParsesWithoutDeepRecursion() {
    StringBuilder yaml = new StringBuilder("jobs:\n  j0: {steps: [{run: x}]}\n");
    for (int i = 1; i < 5000; i++) {
      yaml.append("  j%d: {needs: j%d, steps: [{run: x}]}\n".formatted(i, i - 1));
    }

    Dag dag = PipelineParser.parse(yaml.toString());

    assertThat(dag.levels()).hasSize(5000);
    assertThat(dag.levels().get(4999)).containsExactly("j4999");
  }

  @Test
  void wrongTypesNameTheFieldAndTheValue() {
    assertThat(
            problems(
                """
                name: [not, a, string]
                env: [A, B]
                jobs:
                  a:
                    name: {x: 1}
                    timeout-minutes: abc
                    continue-on-error: yes
                    retries: 11
                    needs: {b: 1}
                    steps: run this
                  b:
                    timeout-minutes: 0
                    retries: -1
                    env:
                      OK: 1
                      NESTED: {x: 1}
                      9LIVES: x
                    steps: [{run: x}]
                """))
        .containsExactly(
            new PipelineProblem(1, 7, "name", "name must be a string, got a list"),
            new PipelineProblem(
                2, 6, "env", "env must be a mapping of names to values, got a list"),
            new PipelineProblem(5, 11, "jobs.a.name", "name must be a string, got a mapping"),
            new PipelineProblem(
                6,
                22,
                "jobs.a.timeout-minutes",
                "timeout-minutes must be a positive integer (minutes), got 'abc'"),
            new PipelineProblem(
                7,
                24,
                "jobs.a.continue-on-error",
                "continue-on-error must be true or false, got 'yes'"),
            new PipelineProblem(
                8, 14, "jobs.a.retries", "retries must be an integer from 0 to 10, got '11'"),
            new PipelineProblem(
                9,
                12,
                "jobs.a.needs",
                "needs must be a job id or a list of job ids, got a mapping"),
            new PipelineProblem(10, 12, "jobs.a.steps", "steps must be a list, got 'run this'"),
            new PipelineProblem(
                12,
                22,
                "jobs.b.timeout-minutes",
                "timeout-minutes must be a positive integer (minutes), got '0'"),
            new PipelineProblem(
                13, 14, "jobs.b.retries", "retries must be an integer from 0 to 10, got '-1'"),
            new PipelineProblem(
                16,
                15,
                "jobs.b.env.NESTED",
                "env value of 'NESTED' must be a string, number or boolean, got a mapping"),
            new PipelineProblem(
                17,
                7,
                "jobs.b.env.9LIVES",
                "env name '9LIVES' must contain only letters, digits and '_' and not start with"
                    + " a digit"));
  }

  @Test
  void ifIsAnExpressionWithOrWithoutBraces() {
    Dag dag =
        PipelineParser.parse(
            """
            jobs:
              a:
                steps: [{run: x}]
              b:
                needs: a
                if: github.ref == 'refs/heads/main' && needs.a.result == 'success'
                steps: [{run: x}]
              c:
                needs: a
                if: ${{ cancelled() }}
                steps: [{run: x}]
            """);
    assertThat(dag.job("b").ifExpression())
        .isEqualTo("github.ref == 'refs/heads/main' && needs.a.result == 'success'");
    assertThat(dag.job("b").condition()).isEqualTo(JobCondition.SUCCESS);
    assertThat(dag.job("c").ifExpression()).isEqualTo("${{ cancelled() }}");
  }

  @Test
  void badExpressionsAreReportedWhereTheyAre() {
    assertThat(problems("jobs:\n  deploy:\n    if: github.ref == \n    steps: [{run: x}]\n"))
        .containsExactly(
            new PipelineProblem(
                3, 22, "jobs.deploy.if", "invalid expression: unexpected end of expression"));
    assertThat(problems("jobs:\n  a:\n    if: ${{ matrix.os == 'x' }}\n    steps: [{run: x}]\n"))
        .containsExactly(
            new PipelineProblem(
                3,
                13,
                "jobs.a.if",
                "context 'matrix' is not available here (available: github, inputs, needs,"
                    + " vars)"));
    assertThat(
            problems(
                """
                jobs:
                  a:
                    steps:
                      - run: |
                          echo start
                          echo ${{ steps.x.outputs }}
                      - run: echo "${{ format('{0}', github.sha }}"
                        env:
                          V: ${{ 'it''s' == }}
                """))
        .containsExactly(
            new PipelineProblem(
                6,
                20,
                "jobs.a.steps[0].run",
                "steps.<id> and steps.<id>.outputs are objects; name a value: steps.<id>.outcome,"
                    + " steps.<id>.conclusion or steps.<id>.outputs.<name>"),
            new PipelineProblem(
                7,
                49,
                "jobs.a.steps[1].run",
                "invalid expression: expected ')' to close the call of format(), got end of"
                    + " expression"),
            new PipelineProblem(
                9,
                29,
                "jobs.a.steps[1].env.V",
                "invalid expression: unexpected end of expression"));
    assertThat(problems("env:\n  A: ${{ needs.x.result }}\njobs: {a: {steps: [{run: x}]}}\n"))
        .containsExactly(
            new PipelineProblem(
                2,
                10,
                "env.A",
                "context 'needs' is not available here (available: github, inputs, vars)"));
    assertThat(problems("jobs:\n  a:\n    if: ref is ${{ github.ref }}\n    steps: [{run: x}]\n"))
        .containsExactly(
            new PipelineProblem(
                3,
                9,
                "jobs.a.if",
                "invalid expression: if: mixes text and ${{ }}; write the whole condition as one"
                    + " expression"));
  }

  @Test
  void matrixTriggersAndInputsAreRead() {
    Dag dag =
        PipelineParser.parse(
            """
            on:
              push:
                branches: [main, 'release/**']
                tags-ignore: ['v*-rc*']
                paths: ['src/**']
              workflow_dispatch:
                inputs:
                  level:
                    type: choice
                    options: [debug, info]
                    default: info
                  dry:
                    type: boolean
            jobs:
              test:
                strategy:
                  fail-fast: false
                  max-parallel: 2
                  matrix:
                    jdk: [17, 21]
                    os: [ubuntu]
                    include:
                      - jdk: 21
                        experimental: true
                steps: [{run: echo}]
            """);
    assertThat(dag.triggers().events().keySet()).containsExactly("push", "workflow_dispatch");
    assertThat(dag.triggers().events().get("push").branches())
        .containsExactly("main", "release/**");
    assertThat(dag.triggers().inputs().get("level").options()).containsExactly("debug", "info");
    assertThat(dag.triggers().inputs().get("dry").type()).isEqualTo("boolean");
    MatrixSpec spec = dag.strategies().get("test");
    assertThat(spec.failFast()).isFalse();
    assertThat(spec.maxParallel()).isEqualTo(2);
    assertThat(spec.matrix())
        .isEqualTo(
            Map.of(
                "jdk",
                List.of(17.0, 21.0),
                "os",
                List.of("ubuntu"),
                "include",
                List.of(Map.of("jdk", 21.0, "experimental", true))));
    assertThat(dag.ignored()).contains("on.push.paths");
  }

  @Test
  void badMatrixAndTriggersAreReported() {
    assertThat(
            problems(
                """
                on:
                  push:
                    branches: [main]
                    branches-ignore: [dev]
                  workflow_dispatch:
                    inputs:
                      n: {type: number, default: many}
                      c: {type: choice}
                jobs:
                  a:
                    strategy:
                      matrix:
                        jdk: []
                        exclude: {jdk: 17}
                    steps: [{run: x}]
                  b:
                    strategy: {max-parallel: 0}
                    steps: [{run: x}]
                """))
        .containsExactly(
            new PipelineProblem(
                3, 5, "on.push", "use either branches or branches-ignore for one event, not both"),
            new PipelineProblem(
                7,
                7,
                "on.workflow_dispatch.inputs.n.default",
                "inputs.n: must be a number, got 'many'"),
            new PipelineProblem(
                8, 7, "on.workflow_dispatch.inputs.c", "a choice input needs options"),
            new PipelineProblem(
                13, 14, "jobs.a.strategy.matrix.jdk", "matrix axis 'jdk' has no values"),
            new PipelineProblem(
                14,
                18,
                "jobs.a.strategy.matrix.exclude",
                "matrix exclude must be a list of mappings, got a mapping"),
            new PipelineProblem(17, 5, "jobs.b.strategy", "strategy needs a matrix"),
            new PipelineProblem(
                17,
                30,
                "jobs.b.strategy.max-parallel",
                "max-parallel must be a positive integer, got '0'"));
  }

  @Test
  void unquotedNotCancelledExplainsTheQuoting() {
    assertThat(problems("jobs:\n  a:\n    if: !cancelled()\n    steps: [{run: x}]\n"))
        .containsExactly(
            new PipelineProblem(
                3,
                9,
                "jobs.a.if",
                "if starting with '!' must be quoted or wrapped: if: \"!cancelled()\" or if:"
                    + " ${{ !cancelled() }}"));
  }

  @Test
  void jobsWithoutRunnableStepsAreRejected() {
    assertThat(
            problems(
                """
                jobs:
                  missing:
                    runs-on: ubuntu-latest
                  empty:
                    steps: []
                  actions-only:
                    steps:
                      - uses: actions/checkout@v4
                      - uses: actions/setup-java@v4
                  reusable:
                    uses: org/repo/.github/workflows/build.yml@main
                """))
        .containsExactly(
            new PipelineProblem(2, 3, "jobs.missing.steps", "job has no steps to run"),
            new PipelineProblem(5, 12, "jobs.empty.steps", "job has no steps to run"),
            new PipelineProblem(
                8,
                7,
                "jobs.actions-only.steps",
                "job has no `run` step (steps that only `uses` an action are not run)"),
            new PipelineProblem(10, 3, "jobs.reusable.steps", "job has no steps to run"));
  }

  @Test
  void badStepsAreReportedAtTheStep() {
    assertThat(
            problems(
                """
                jobs:
                  a:
                    steps:
                      - name: nothing to do
                      - run: make
                        uses: actions/checkout@v4
                      - make
                      - run: "  "
                      - run:
                """))
        .containsExactly(
            new PipelineProblem(4, 9, "jobs.a.steps[0].run", "step has no run command"),
            new PipelineProblem(
                6, 9, "jobs.a.steps[1].uses", "a step has either run or uses, not both"),
            new PipelineProblem(
                7, 9, "jobs.a.steps[2]", "a step must be a mapping with a run command, got 'make'"),
            new PipelineProblem(8, 14, "jobs.a.steps[3].run", "run must not be empty"),
            new PipelineProblem(9, 9, "jobs.a.steps[4].run", "run must not be empty"));
  }

  @Test
  void badJobIdsAndJobsThatAreNotMappingsAreRejected() {
    assertThat(
            problems(
                """
                jobs:
                  1st:
                    steps: [{run: x}]
                  build.all:
                    steps: [{run: x}]
                  lonely: make
                  nothing:
                """))
        .containsExactly(
            new PipelineProblem(
                2,
                3,
                "jobs.1st",
                "job id '1st' must start with a letter or '_' and contain only letters, digits,"
                    + " '-' and '_'"),
            new PipelineProblem(
                4,
                3,
                "jobs.build.all",
                "job id 'build.all' must start with a letter or '_' and contain only letters,"
                    + " digits, '-' and '_'"),
            new PipelineProblem(
                6, 11, "jobs.lonely", "job must be a mapping with steps, got 'make'"),
            new PipelineProblem(
                7, 3, "jobs.nothing", "job must be a mapping with steps, got nothing"));
  }

  @Test
  void imageComesFromContainerOrImageButNotBoth() {
    assertThat(
            problems(
                """
                jobs:
                  a:
                    container: {options: --privileged}
                    steps: [{run: x}]
                  b:
                    image: alpine
                    container: debian
                    steps: [{run: x}]
                  c:
                    image: ""
                    steps: [{run: x}]
                """))
        .containsExactly(
            new PipelineProblem(3, 5, "jobs.a.container.image", "container needs an image"),
            new PipelineProblem(
                7, 5, "jobs.b.container", "use either image or container.image, not both"),
            new PipelineProblem(10, 12, "jobs.c.image", "image must not be empty"));
  }

  @Test
  void mergeKeysAreRejectedRatherThanSilentlyDropped() {
    assertThat(
            problems(
                """
                x-defaults: &defaults
                  timeout-minutes: 5
                jobs:
                  a:
                    <<: *defaults
                    steps: [{run: x}]
                """))
        .containsExactly(
            new PipelineProblem(
                5,
                5,
                "jobs.a.<<",
                "merge keys (<<) are not supported; use an alias (*name) for a whole value"
                    + " instead"));
  }

  @Test
  void syntaxErrorIsReportedAtSnakeYamlsMark() {
    assertThat(problems("jobs:\n  a:\n    steps:\n  - run: x\n"))
        .containsExactly(
            new PipelineProblem(
                4,
                3,
                "",
                "expected <block end>, but found '-' (while parsing a block mapping at line 2,"
                    + " column 3)"));
    assertThat(problems("jobs: {a: [}\n"))
        .singleElement()
        .satisfies(p -> assertThat(p.line()).isEqualTo(1))
        .satisfies(p -> assertThat(p.column()).isEqualTo(12));
  }

  @Test
  void controlCharacterIsReportedWhereItIs() {
    assertThat(problems("jobs:\r\n  a:\r\n    steps: [{run: \"x\u0007\"}]\r\n"))
        .containsExactly(new PipelineProblem(3, 21, "", "character U+0007 is not allowed in YAML"));
  }

  @Test
  void secondDocumentIsRejected() {
    assertThat(problems("jobs:\n  a:\n    steps: [{run: x}]\n---\njobs: {}\n"))
        .containsExactly(
            new PipelineProblem(
                5,
                1,
                "",
                "only one YAML document is allowed; remove the '---' that starts a second one"));
  }

  @Test
  void everyProblemIsReportedInReadingOrderNotJustTheFirst() {
    PipelineException e =
        catchThrowableOfType(
            PipelineException.class,
            () ->
                PipelineParser.parse(
                    """
                    jobs:
                      test:
                        needs: bild
                        timeout-minutes: soon
                        steps: [{run: x}]
                      test:
                        steps: [{run: y}]
                      deploy:
                        steps: []
                    """));

    assertThat(e.problems()).extracting(PipelineProblem::line).containsExactly(3, 4, 6, 9);
    assertThat(e.getMessage())
        .isEqualTo("jobs.test.needs (line 3, column 12): needs unknown job 'bild'");
  }

  // --- hostile input: rejected quickly, never a crash ---

  @Test
  @Timeout(value = 5, unit = TimeUnit.SECONDS)
  void billionLaughsIsStoppedByTheAliasLimit() {
    StringBuilder yaml =
        new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i <= 9; i++) {
      yaml.append("a").append(i).append(": &a").append(i).append(" [");
      for (int j = 0; j < 9; j++) {
        yaml.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
      }
      yaml.append("]\n");
    }
    yaml.append("jobs: {a: {steps: [{run: x}]}}\n");

    assertThat(problems(yaml.toString()))
        .singleElement()
        .satisfies(p -> assertThat(p.message()).contains("aliases"));
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.SECONDS)
  void deepNestingIsStoppedByTheDepthLimit() {
    String yaml = "on: " + "[".repeat(10_000) + "]".repeat(10_000) + "\njobs: {}\n";

    assertThat(problems(yaml))
        .singleElement()
        .satisfies(p -> assertThat(p.message()).containsIgnoringCase("nesting depth"));
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.SECONDS)
  void pipelineLargerThanOneMebibyteIsRejected() {
    String yaml = "jobs: {a: {steps: [{run: x}]}}\n# " + "x".repeat(1 << 20) + "\n";

    assertThat(problems(yaml))
        .containsExactly(
            new PipelineProblem(0, 0, "", "pipeline is larger than 1048576 characters"));
  }

  @Test
  void stepsAndHashFilesOutsideWhatTheRunnerCompilesAreRejectedWithTheirPosition() {
    assertThat(
            problems(
                """
                jobs:
                  a:
                    env:
                      K: ${{ hashFiles('**/pom.xml') }}
                    steps:
                      - id: v
                        run: echo "x=1" >> "$GITHUB_OUTPUT"
                      - if: steps.v.outputs.x > 1
                        run: echo big
                      - run: echo ${{ format('{0}', steps.v.outputs.x) }}
                      - env:
                          H: ${{ hashFiles('../outside') }}
                        run: echo $H
                      - name: ${{ steps.*.outcome }}
                        run: echo
                """))
        .extracting(PipelineProblem::line, PipelineProblem::column, PipelineProblem::path)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(4, 14, "jobs.a.env.K"),
            org.assertj.core.groups.Tuple.tuple(8, 31, "jobs.a.steps[1].if"),
            org.assertj.core.groups.Tuple.tuple(10, 23, "jobs.a.steps[2].run"),
            org.assertj.core.groups.Tuple.tuple(12, 28, "jobs.a.steps[3].env.H"),
            org.assertj.core.groups.Tuple.tuple(14, 24, "jobs.a.steps[4].name"));
    List<String> messages =
        problems(
                """
                jobs:
                  a:
                    env:
                      K: ${{ hashFiles('**/pom.xml') }}
                    steps:
                      - id: v
                        run: echo "x=1" >> "$GITHUB_OUTPUT"
                      - if: steps.v.outputs.x > 1
                        run: echo big
                      - run: echo ${{ format('{0}', steps.v.outputs.x) }}
                      - env:
                          H: ${{ hashFiles('../outside') }}
                        run: echo $H
                """)
            .stream()
            .map(PipelineProblem::message)
            .toList();
    assertThat(messages.get(0)).contains("hashFiles() is available only in a step's run, env");
    assertThat(messages.get(1))
        .contains("'>' of a value known only on the runner is not supported; compare with ==")
        .contains("steps.<id>.outputs.<name>");
    assertThat(messages.get(2)).contains("format() of a value known only on the runner");
    assertThat(messages.get(3)).contains("hashFiles(): pattern '../outside' has a '..' segment");
  }

  @Test
  void stepsAndHashFilesInTheCompiledSubsetAreAccepted() {
    Dag dag =
        PipelineParser.parse(
            """
            jobs:
              a:
                steps:
                  - id: v
                    run: echo "version=1.2.$GITHUB_RUN_NUMBER" >> "$GITHUB_OUTPUT"
                  - if: steps.v.outputs.version != '' && steps.v.outcome == 'success'
                    run: echo "releasing ${{ steps.v.outputs.version }}"
                    env:
                      KEY: deps-${{ hashFiles('**/pom.xml', '!target/**') }}
                  - if: ${{ failure() && steps.test.outcome == 'failure' }}
                    name: after ${{ steps['v'].conclusion }}
                    working-directory: ${{ steps.v.outputs.dir || '.' }}
                    run: echo test failed
            """);
    assertThat(dag.jobs()).hasSize(1);
  }

  private static List<PipelineProblem> problems(String yaml) {
    PipelineException e =
        catchThrowableOfType(PipelineException.class, () -> PipelineParser.parse(yaml));
    assertThat(e).as("expected the pipeline to be rejected").isNotNull();
    return e.problems();
  }
}
