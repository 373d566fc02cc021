package io.opsflow.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.opsflow.build.DagScheduler.Decision;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Properties of the parser and the scheduler over random pipelines: DAGs of 1 to 60 jobs where each
 * job needs a random subset of the jobs generated before it, declared in a shuffled order.
 */
class DagPropertyTest {

  // DAG properties skip jqwik's edge cases: with dozens of combined generators they would take
  // most of the tries, and sizes 1..60 are meant to be covered evenly.
  private static final int TRIES = 300;

  /** One generated job: its id, the ids it needs, and how it behaves in a simulated build. */
  record GenJob(
      String id,
      List<String> needs,
      JobCondition condition,
      boolean continueOnError,
      boolean fails,
      int duration) {}

  /**
   * A generated pipeline: {@code jobs} in generation order (needs point only backwards), {@code
   * declared} the order the YAML lists them in.
   */
  record GenDag(List<GenJob> jobs, List<GenJob> declared) {

    /** Longest path from a job without needs, by generation order (needs come first). */
    Map<String, Integer> depths() {
      Map<String, Integer> depth = new HashMap<>();
      for (GenJob job : jobs) {
        depth.put(job.id(), job.needs().stream().mapToInt(n -> depth.get(n) + 1).max().orElse(0));
      }
      return depth;
    }

    String yaml() {
      return render(declared);
    }

    /** The same graph with every job a plain {@code success()} job that succeeds. */
    GenDag allSucceeding() {
      return new GenDag(plain(jobs), plain(declared));
    }

    private static List<GenJob> plain(List<GenJob> jobs) {
      return jobs.stream()
          .map(j -> new GenJob(j.id(), j.needs(), JobCondition.SUCCESS, false, false, 1))
          .toList();
    }

    List<List<String>> edges() {
      List<List<String>> edges = new ArrayList<>();
      for (GenJob job : declared) {
        job.needs().forEach(n -> edges.add(List.of(n, job.id())));
      }
      return edges;
    }
  }

  // (a) ------------------------------------------------------------------------------------

  @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
  void randomDagParsesToItsEdges(@ForAll("dags") GenDag gen) {
    Dag dag = PipelineParser.parse(gen.yaml());

    assertThat(dag.jobs())
        .extracting(JobSpec::id)
        .containsExactlyElementsOf(gen.declared().stream().map(GenJob::id).toList());
    assertThat(dag.edges()).isEqualTo(gen.edges());
    for (GenJob job : gen.jobs()) {
      JobSpec spec = dag.job(job.id());
      assertThat(spec.condition()).isEqualTo(job.condition());
      assertThat(spec.continueOnError()).isEqualTo(job.continueOnError());
    }
  }

  // (b) ------------------------------------------------------------------------------------

  @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
  void everyJobRunsInTheRoundOfItsDepthWhenAllSucceed(@ForAll("dags") GenDag generated) {
    GenDag gen = generated.allSucceeding();
    Dag dag = PipelineParser.parse(gen.yaml());
    DagScheduler scheduler = new DagScheduler(dag);
    Map<String, JobStatus> statuses = new HashMap<>();
    Map<String, Integer> round = new HashMap<>();

    for (int r = 0; !scheduler.finished(statuses); r++) {
      assertThat(r).as("rounds").isLessThanOrEqualTo(gen.jobs().size());
      Decision decision = scheduler.next(statuses, false);
      assertThat(decision.skip()).isEmpty();
      assertThat(decision.cancel()).isEmpty();
      assertThat(decision.run()).as("progress in round %d", r).isNotEmpty();
      for (String id : decision.run()) {
        assertThat(dag.job(id).needs())
            .allSatisfy(n -> assertThat(statuses.get(n)).isEqualTo(JobStatus.SUCCEEDED));
        round.put(id, r);
      }
      // Everything ready ran this round; it all finishes before the next.
      decision.run().forEach(id -> statuses.put(id, JobStatus.SUCCEEDED));
    }

    Map<String, Integer> depths = gen.depths();
    List<List<String>> levels = dag.levels();
    for (GenJob job : gen.jobs()) {
      int depth = depths.get(job.id());
      assertThat(round.get(job.id())).as("round of %s", job.id()).isEqualTo(depth);
      assertThat(levels.get(depth)).as("level of %s", job.id()).contains(job.id());
    }
    assertThat(scheduler.result(statuses, false)).isEqualTo(BuildStatus.SUCCEEDED);
  }

  // (c) ------------------------------------------------------------------------------------

  /**
   * Jobs take 1-3 ticks, some fail, some continue on error, the build may be cancelled: every job
   * is decided once, only after all its needs finished, and as GitHub would (so no success() job
   * runs after a failed need); the build never gets stuck and its result matches its jobs.
   */
  @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
  void everyJobIsDecidedAfterItsNeedsAsGitHubWould(
      @ForAll("dags") GenDag gen, @ForAll @IntRange(min = -40, max = 40) int cancelAt) {
    Dag dag = PipelineParser.parse(gen.yaml());
    DagScheduler scheduler = new DagScheduler(dag);
    Map<String, GenJob> byId = new HashMap<>();
    gen.jobs().forEach(j -> byId.put(j.id(), j));
    Map<String, JobStatus> statuses = new HashMap<>();
    Map<String, Integer> endsAt = new HashMap<>();
    boolean cancelled = false;

    int tick = 0;
    while (true) {
      for (Map.Entry<String, Integer> end : Map.copyOf(endsAt).entrySet()) {
        if (end.getValue() == tick) {
          statuses.put(
              end.getKey(),
              byId.get(end.getKey()).fails() ? JobStatus.FAILED : JobStatus.SUCCEEDED);
          endsAt.remove(end.getKey());
        }
      }
      if (tick == cancelAt) {
        cancelled = true;
        // The workflow cancels running jobs; they end CANCELLED.
        endsAt.keySet().forEach(id -> statuses.put(id, JobStatus.CANCELLED));
        endsAt.clear();
      }
      Decision decision;
      do {
        decision = scheduler.next(statuses, cancelled);
        Map<String, JobStatus> decided = new HashMap<>();
        decision.run().forEach(id -> decided.put(id, JobStatus.RUNNING));
        decision.skip().forEach(id -> decided.put(id, JobStatus.SKIPPED));
        decision.cancel().forEach(id -> decided.put(id, JobStatus.CANCELLED));
        assertThat(decided)
            .hasSize(decision.run().size() + decision.skip().size() + decision.cancel().size());
        for (Map.Entry<String, JobStatus> d : decided.entrySet()) {
          assertThat(statuses).as("%s decided twice", d.getKey()).doesNotContainKey(d.getKey());
          assertThat(d.getValue())
              .as("decision for %s", d.getKey())
              .isEqualTo(expected(dag.job(d.getKey()), byId, statuses, cancelled));
        }
        for (String id : decision.run()) {
          endsAt.put(id, tick + byId.get(id).duration());
        }
        statuses.putAll(decided);
      } while (!decision.isEmpty());
      if (scheduler.finished(statuses)) {
        break;
      }
      assertThat(endsAt)
          .as("a job is running, else the build is stuck at tick %d", tick)
          .isNotEmpty();
      tick++;
    }

    boolean anyFailed =
        gen.jobs().stream()
            .anyMatch(j -> statuses.get(j.id()) == JobStatus.FAILED && !j.continueOnError());
    assertThat(scheduler.result(statuses, cancelled))
        .isEqualTo(
            cancelled
                ? BuildStatus.CANCELLED
                : anyFailed ? BuildStatus.FAILED : BuildStatus.SUCCEEDED);
  }

  /** What GitHub would do with a pending job: evaluated independently of the scheduler. */
  private static JobStatus expected(
      JobSpec job, Map<String, GenJob> byId, Map<String, JobStatus> statuses, boolean cancelled) {
    for (String need : job.needs()) {
      assertThat(statuses.getOrDefault(need, JobStatus.PENDING).finished())
          .as("%s decided before its need %s finished", job.id(), need)
          .isTrue();
    }
    if (cancelled) {
      return job.condition() == JobCondition.ALWAYS ? JobStatus.RUNNING : JobStatus.CANCELLED;
    }
    boolean run =
        switch (job.condition()) {
          case SUCCESS ->
              job.needs().stream()
                  .allMatch(
                      n ->
                          statuses.get(n) == JobStatus.SUCCEEDED
                              || (statuses.get(n) == JobStatus.FAILED
                                  && byId.get(n).continueOnError()));
          case FAILURE -> ancestorFailed(job.id(), byId, statuses);
          case ALWAYS, NOT_CANCELLED -> true;
        };
    return run ? JobStatus.RUNNING : JobStatus.SKIPPED;
  }

  private static boolean ancestorFailed(
      String id, Map<String, GenJob> byId, Map<String, JobStatus> statuses) {
    Set<String> seen = new HashSet<>();
    List<String> todo = new ArrayList<>(byId.get(id).needs());
    while (!todo.isEmpty()) {
      String need = todo.remove(todo.size() - 1);
      if (seen.add(need)) {
        if (statuses.get(need) == JobStatus.FAILED && !byId.get(need).continueOnError()) {
          return true;
        }
        todo.addAll(byId.get(need).needs());
      }
    }
    return false;
  }

  // (d) ------------------------------------------------------------------------------------

  @Property(tries = TRIES)
  void randomBytesAreParsedOrRejectedNeverACrash(@ForAll @Size(max = 400) byte[] bytes) {
    parsesOrReportsProblems(new String(bytes, StandardCharsets.UTF_8));
    parsesOrReportsProblems(new String(bytes, StandardCharsets.ISO_8859_1));
  }

  @Property(tries = TRIES)
  void randomYamlLikeTextIsParsedOrRejectedNeverACrash(@ForAll("yamlish") String text) {
    parsesOrReportsProblems(text);
  }

  @Property(tries = TRIES)
  void mutatedPipelineIsParsedOrRejectedNeverACrash(@ForAll("mutations") List<Mutation> mutations) {
    String text = PipelineParserTest.CI;
    for (Mutation mutation : mutations) {
      text = mutation.apply(text);
    }
    parsesOrReportsProblems(text);
  }

  enum Edit {
    DELETE_CHAR,
    DUPLICATE_LINE,
    SWAP_LINES,
    INSERT_CHAR
  }

  /** One edit of a text; positions are taken modulo its length. */
  record Mutation(Edit edit, int a, int b, char c) {
    String apply(String text) {
      if (text.isEmpty()) {
        return String.valueOf(c);
      }
      List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
      int i = a % lines.size();
      int j = b % lines.size();
      switch (edit) {
        case DELETE_CHAR -> {
          int at = a % text.length();
          return text.substring(0, at) + text.substring(at + 1);
        }
        case INSERT_CHAR -> {
          int at = a % text.length();
          return text.substring(0, at) + c + text.substring(at);
        }
        case DUPLICATE_LINE -> lines.add(i, lines.get(i));
        case SWAP_LINES -> {
          String line = lines.get(i);
          lines.set(i, lines.get(j));
          lines.set(j, line);
        }
      }
      return String.join("\n", lines);
    }
  }

  private static void parsesOrReportsProblems(String text) {
    Dag dag;
    try {
      dag = PipelineParser.parse(text);
    } catch (PipelineException e) {
      assertThat(e.problems()).isNotEmpty();
      assertThat(e.problems())
          .allSatisfy(
              p -> {
                assertThat(p.line()).isNotNegative();
                assertThat(p.column()).isNotNegative();
                assertThat(p.path()).isNotNull();
                assertThat(p.message()).isNotBlank();
              });
      return;
    }
    // Whatever parses is runnable: jobs with steps, needs known, every job on a level.
    assertThat(dag.jobs()).isNotEmpty();
    Set<String> ids = new HashSet<>(dag.jobs().stream().map(JobSpec::id).toList());
    assertThat(dag.jobs())
        .allSatisfy(
            j -> {
              assertThat(j.steps()).isNotEmpty();
              assertThat(ids).containsAll(j.needs());
            });
    assertThat(dag.levels().stream().mapToInt(List::size).sum()).isEqualTo(dag.jobs().size());
  }

  // (e) ------------------------------------------------------------------------------------

  @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
  void backEdgeIsReportedAsACycleThroughIt(
      @ForAll("dagsWithEdges") GenDag gen, @ForAll @IntRange(min = 0, max = 1_000_000) int pick) {
    // Pairs (ancestor, descendant): making the ancestor need its descendant closes a cycle.
    Map<String, Set<String>> ancestors = new HashMap<>();
    List<List<String>> pairs = new ArrayList<>();
    for (GenJob job : gen.jobs()) {
      Set<String> mine = new TreeSet<>();
      for (String need : job.needs()) {
        mine.add(need);
        mine.addAll(ancestors.get(need));
      }
      ancestors.put(job.id(), mine);
      mine.forEach(a -> pairs.add(List.of(a, job.id())));
    }
    List<String> pair = pairs.get(pick % pairs.size());
    String from = pair.get(0);
    String to = pair.get(1);
    List<GenJob> declared = new ArrayList<>();
    for (GenJob job : gen.declared()) {
      if (job.id().equals(from)) {
        List<String> needs = new ArrayList<>(job.needs());
        needs.add(to);
        job =
            new GenJob(
                job.id(),
                needs,
                job.condition(),
                job.continueOnError(),
                job.fails(),
                job.duration());
      }
      declared.add(job);
    }
    Map<String, List<String>> needs = new HashMap<>();
    declared.forEach(j -> needs.put(j.id(), j.needs()));

    PipelineException e =
        catchThrowableOfType(PipelineException.class, () -> PipelineParser.parse(render(declared)));

    assertThat(e).as("cycle %s needs %s accepted", from, to).isNotNull();
    assertThat(e.problems()).hasSize(1);
    PipelineProblem problem = e.problems().get(0);
    assertThat(problem.message()).startsWith("cycle: ");
    List<String> cycle = List.of(problem.message().substring("cycle: ".length()).split(" -> "));
    assertThat(cycle.get(0)).isEqualTo(cycle.get(cycle.size() - 1));
    assertThat(new HashSet<>(cycle.subList(1, cycle.size()))).hasSize(cycle.size() - 1);
    for (int i = 0; i + 1 < cycle.size(); i++) {
      assertThat(needs.get(cycle.get(i + 1)))
          .as("%s -> %s in %s", cycle.get(i), cycle.get(i + 1), cycle)
          .contains(cycle.get(i));
    }
    // Every cycle of a DAG plus one edge goes through that edge.
    assertThat(cycle).contains(from, to);
    assertThat(problem.path()).startsWith("jobs." + cycle.get(0) + ".needs");
  }

  // --- generators --------------------------------------------------------------------------

  @Provide
  Arbitrary<GenDag> dags() {
    return Arbitraries.integers()
        .between(1, 60)
        .withDistribution(RandomDistribution.uniform())
        .flatMap(DagPropertyTest::dagOf);
  }

  @Provide
  Arbitrary<GenDag> dagsWithEdges() {
    return Arbitraries.integers()
        .between(2, 60)
        .withDistribution(RandomDistribution.uniform())
        .flatMap(DagPropertyTest::dagOf)
        .filter(d -> !d.edges().isEmpty());
  }

  private static Arbitrary<GenDag> dagOf(int size) {
    List<Arbitrary<GenJob>> jobs = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      jobs.add(jobAt(i));
    }
    return Combinators.combine(jobs)
        .as(List::copyOf)
        .flatMap(list -> Arbitraries.shuffle(list).map(shuffled -> new GenDag(list, shuffled)));
  }

  private static Arbitrary<GenJob> jobAt(int index) {
    String id = id(index);
    // Needs as distances back, biased to near jobs so that long chains (deep DAGs) are common.
    Arbitrary<List<String>> needs =
        index == 0
            ? Arbitraries.just(List.of())
            : Arbitraries.integers()
                .between(1, index)
                .withDistribution(RandomDistribution.biased())
                .set()
                .ofMaxSize(Math.min(index, 4))
                .map(
                    back ->
                        new TreeSet<>(back)
                            .descendingSet().stream().map(d -> id(index - d)).toList());
    return Combinators.combine(
            needs,
            Arbitraries.of(JobCondition.class),
            Arbitraries.of(true, false, false, false),
            Arbitraries.of(true, false, false),
            Arbitraries.integers().between(1, 3))
        .as(
            (n, condition, coe, fails, duration) ->
                new GenJob(id, n, condition, coe, fails, duration));
  }

  /** Ids in GitHub's alphabet, with '-' and '_' in them. */
  private static String id(int index) {
    return switch (index % 3) {
      case 0 -> "job-" + index;
      case 1 -> "_step" + index;
      default -> "Build_" + index + "-x";
    };
  }

  @Provide
  Arbitrary<String> yamlish() {
    return Arbitraries.strings()
        .withChars(":-[]{}&*!|>'\"#%@`?,.~\\$() \n\t")
        .withChars("jobsnedtpru")
        .withCharRange('0', '9')
        .ofMaxLength(300);
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    return Combinators.combine(
            Arbitraries.of(Edit.class),
            Arbitraries.integers().between(0, 100_000),
            Arbitraries.integers().between(0, 100_000),
            Arbitraries.of(':', '-', ' ', '\n', '[', '{', '&', '*', '!', '"', '\t', 'x'))
        .as(Mutation::new)
        .list()
        .ofMinSize(1)
        .ofMaxSize(6);
  }

  private static String render(List<GenJob> jobs) {
    StringBuilder yaml = new StringBuilder("name: generated\non: push\njobs:\n");
    for (GenJob job : jobs) {
      yaml.append("  ").append(job.id()).append(":\n");
      if (job.needs().size() == 1) {
        yaml.append("    needs: ").append(job.needs().get(0)).append('\n');
      } else if (!job.needs().isEmpty()) {
        yaml.append("    needs: [").append(String.join(", ", job.needs())).append("]\n");
      }
      yaml.append("    if: ").append(condition(job.condition())).append('\n');
      if (job.continueOnError()) {
        yaml.append("    continue-on-error: true\n");
      }
      yaml.append("    runs-on: ubuntu-latest\n");
      yaml.append("    steps:\n      - run: echo ").append(job.id()).append('\n');
    }
    return yaml.toString();
  }

  private static String condition(JobCondition condition) {
    return switch (condition) {
      case SUCCESS -> "success()";
      case FAILURE -> "${{ failure() }}";
      case ALWAYS -> "always()";
      case NOT_CANCELLED -> "\"!cancelled()\"";
    };
  }
}
