package io.opsflow.build.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.build.expr.Condition;
import io.opsflow.build.expr.Expr;
import io.opsflow.build.expr.ExprContext;
import io.opsflow.build.expr.ShellCompiler;
import io.opsflow.build.expr.Template;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random expressions over earlier steps' outcome, conclusion and outputs (values with quotes, $,
 * backticks, newlines, unicode and mixed case), compiled to sh by {@link ShellCompiler} and run by
 * a real {@code /bin/sh} (and {@code busybox sh} with busybox's awk, sort and friends): every
 * {@code if:} must decide as {@link io.opsflow.build.expr.Evaluator} does, every {@code ${{ }}}
 * must print the text {@link Template#render} gives. The outputs the model sees are what {@link
 * StepOutputs} parses from the same {@code $GITHUB_OUTPUT} files the sh reads. Each try runs one
 * batch of cases in one shell.
 */
class RunnerExpressionPropertyTest {

  /** Step ids of the job; the compiled step is {@link #CURRENT}, "later" comes after it. */
  private static final List<String> IDS = List.of("build", "Test", "v", "plain", "later");

  private static final int CURRENT = 3;

  private static final List<String> OUTPUT_NAMES = List.of("ver", "VER", "Ver", "flag", "n");

  private static final List<String> VALUES =
      List.of(
          "",
          " ",
          "1.2.3",
          "success",
          "SUCCESS",
          "Failure",
          "it's",
          "\"q\"",
          "$HOME",
          "`id`",
          "a\nb",
          "line\n",
          "ünïcödé",
          "ÜNÏCÖDÉ",
          "straße",
          "ſ",
          "S",
          "K",
          "\u212A",
          "k",
          "s",
          "i",
          "I",
          "ı",
          "İ",
          "😀",
          "0",
          "1",
          " 1 ",
          "1.0",
          "010",
          "0x10",
          "0o20",
          "16",
          "1e3",
          "1e1",
          "+10",
          "0010",
          "1000",
          "-0",
          ".5",
          "2.5",
          "\u20031\u2003",
          "Infinity",
          "NaN",
          "true",
          "false",
          "null",
          "%s\\n",
          "x=y",
          "a<<b");

  private static final List<String> LEAVES =
      List.of(
          "steps.build.outcome",
          "steps.Test.conclusion",
          "steps.test.outcome",
          "steps.v.outputs.ver",
          "steps.V.outputs.VER",
          "steps.v.outputs.Ver",
          "steps['build'].outputs.flag",
          "steps.build.outputs['n']",
          "steps.Test.outputs.ver",
          "steps.v.outputs.missing",
          "steps.plain.outcome",
          "steps.later.outcome",
          "steps.nope.outputs.ver",
          "#0",
          "#1",
          "#2",
          "#3",
          "'success'",
          "'SUCCESS'",
          "'failure'",
          "'skipped'",
          "''",
          "'1.2.3'",
          "'ÜNÏCÖDÉ'",
          "'STRASSE'",
          "'s'",
          "'k'",
          "'i'",
          "'a'",
          "' 1 '",
          "'it''s'",
          "0",
          "1",
          "16",
          "10",
          "8",
          "1000",
          "2.5",
          "-0",
          "NaN",
          "true",
          "false",
          "null",
          "matrix.s",
          "matrix.n",
          "success()",
          "failure()",
          "always()",
          "cancelled()");

  /** A generated expression tree, printed with full parentheses. */
  sealed interface Node {
    String text();
  }

  record Leaf(String text) implements Node {}

  record Not(Node operand) implements Node {
    public String text() {
      return "!(" + operand.text() + ")";
    }
  }

  record Bin(String op, Node left, Node right) implements Node {
    public String text() {
      return "(" + left.text() + ") " + op + " (" + right.text() + ")";
    }
  }

  record Fn(String name, Node a, Node b) implements Node {
    public String text() {
      return name + "(" + a.text() + ", " + b.text() + ")";
    }
  }

  /** One earlier step as it ended: outcome, conclusion and its {@code $GITHUB_OUTPUT}. */
  record Step(String outcome, String conclusion, String outputFile) {}

  /** What the earlier steps left, and whether one failed (for the status functions). */
  record World(List<Step> steps, boolean failed, List<String> pool) {}

  @Provide
  Arbitrary<Node> trees() {
    Arbitrary<Node> leaf = Arbitraries.of(LEAVES).map(Leaf::new);
    Arbitrary<Node> ref =
        Arbitraries.of(LEAVES.stream().filter(l -> l.startsWith("steps")).toList()).map(Leaf::new);
    Arbitrary<Node> pooled = Arbitraries.of("#0", "#1", "#2", "#3").map(Leaf::new);
    return Arbitraries.lazyOf(
        () -> leaf,
        () -> Combinators.combine(Arbitraries.of("==", "!="), ref, leaf).as(Bin::new),
        () -> Combinators.combine(Arbitraries.of("==", "!="), ref, pooled).as(Bin::new),
        () ->
            Combinators.combine(Arbitraries.of("contains", "startsWith", "endsWith"), ref, pooled)
                .as(Fn::new),
        () -> Combinators.combine(Arbitraries.of("==", "!="), leaf, ref).as(Bin::new),
        () ->
            Combinators.combine(Arbitraries.of("contains", "startsWith", "endsWith"), ref, leaf)
                .as(Fn::new),
        () -> leaf,
        () -> leaf,
        () -> trees().map(Not::new),
        () -> Combinators.combine(Arbitraries.of("==", "!="), trees(), trees()).as(Bin::new),
        () -> Combinators.combine(Arbitraries.of("&&", "||"), trees(), trees()).as(Bin::new),
        () ->
            Combinators.combine(Arbitraries.of("contains", "startsWith", "endsWith"), leaf, leaf)
                .as(Fn::new),
        () ->
            leaf.map(
                item ->
                    new Fn(
                        "contains",
                        new Leaf("fromJSON('[\"success\", 1, true, null, \"ü\", [1]]')"),
                        item)));
  }

  @Provide
  Arbitrary<List<Node>> batches() {
    return trees().list().ofSize(30);
  }

  @Provide
  Arbitrary<World> worlds() {
    return Arbitraries.of(VALUES).list().ofSize(4).flatMap(this::worlds);
  }

  /** A world whose outputs hold values of {@code pool}, which the trees' literals use too. */
  private Arbitrary<World> worlds(List<String> pool) {
    Arbitrary<String> value = Arbitraries.of(pool);
    Arbitrary<String> line =
        Combinators.combine(Arbitraries.of(OUTPUT_NAMES), value, Arbitraries.of(true, false))
            .as(
                (name, v, heredoc) ->
                    heredoc || v.contains("\n")
                        ? name + "<<EOF_1\n" + v + "\nEOF_1\n"
                        : name + "=" + v + "\n");
    Arbitrary<String> file = line.list().ofMaxSize(5).map(lines -> String.join("", lines));
    Arbitrary<Step> step =
        Combinators.combine(
                Arbitraries.of("success", "failure", "skipped"), Arbitraries.of(true, false), file)
            .as(
                (outcome, continueOnError, out) ->
                    new Step(
                        outcome,
                        outcome.equals("failure") && continueOnError ? "success" : outcome,
                        outcome.equals("skipped") ? null : out));
    return Combinators.combine(step.list().ofSize(CURRENT), Arbitraries.of(true, false))
        .as((steps, failed) -> new World(steps, failed, pool));
  }

  @Property(tries = 60)
  void dashAgreesWithTheEvaluator(
      @ForAll("worlds") World world, @ForAll("batches") List<Node> trees) throws Exception {
    agree(world, trees, List.of("sh"), null);
  }

  @Property(tries = 25)
  void busyboxAgreesWithTheEvaluator(
      @ForAll("worlds") World world, @ForAll("batches") List<Node> trees) throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/busybox"))
        && !Files.isExecutable(Path.of("/bin/busybox"))) {
      return;
    }
    Path bin = Files.createTempDirectory("busybox-bin");
    try {
      for (String applet : List.of("awk", "sort", "cut", "cat", "sha256sum", "find", "mktemp")) {
        Files.createSymbolicLink(bin.resolve(applet), Path.of(busybox()));
      }
      agree(world, trees, List.of(busybox(), "sh"), bin);
    } finally {
      delete(bin);
    }
  }

  /** Number-like outputs against number, boolean and null literals: every pair, both shells. */
  @Example
  void numberCoercionAgreesForEveryPair() throws Exception {
    List<String> values =
        List.of(
            "",
            " ",
            "0",
            "-0",
            "00",
            "010",
            "0010",
            "+10",
            "10",
            "10.0",
            "1e1",
            "1E1",
            ".5e1",
            "0x0a",
            "0xA",
            "0XA",
            "0o12",
            "0o",
            "0x",
            "1_0",
            "ten",
            " 10 ",
            "\t10\n",
            "\u200310",
            "\u00a010",
            "Infinity",
            "-Infinity",
            "NaN",
            "1e400",
            "1e-400",
            "0.1",
            ".1",
            "1.",
            "5",
            "8",
            "true",
            "0x1fffffffffffff",
            "0o7777777777777777777",
            "0x000000000000000000a",
            "4503599627370495",
            "1.0000000000000001",
            "2.5",
            "-2.5e0");
    List<String> literals =
        List.of("0", "1", "10", "8", "5", "0.1", "-0", "true", "false", "null", "NaN", "2.5");
    StringBuilder file = new StringBuilder();
    for (int i = 0; i < values.size(); i++) {
      file.append("n").append(i).append("<<EOF\n").append(values.get(i)).append("\nEOF\n");
    }
    World world =
        new World(
            List.of(
                new Step("success", "success", ""),
                new Step("success", "success", ""),
                new Step("success", "success", file.toString())),
            false,
            List.of("", "", "", ""));
    List<Node> trees = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      for (String literal : literals) {
        trees.add(new Leaf("steps.v.outputs.n" + i + " == " + literal));
      }
    }
    agree(world, trees, List.of("sh"), null);
    if (!Files.isExecutable(Path.of(busybox()))) {
      return;
    }
    Path bin = Files.createTempDirectory("busybox-bin");
    try {
      for (String applet : List.of("awk", "sort", "cut", "cat", "sha256sum", "find", "mktemp")) {
        Files.createSymbolicLink(bin.resolve(applet), Path.of(busybox()));
      }
      agree(world, trees, List.of(busybox(), "sh"), bin);
    } finally {
      delete(bin);
    }
  }

  private static String busybox() {
    return Files.isExecutable(Path.of("/usr/bin/busybox")) ? "/usr/bin/busybox" : "/bin/busybox";
  }

  private void agree(World world, List<Node> trees, List<String> shell, Path bin) throws Exception {
    Path tmp = Files.createTempDirectory("runner-expr");
    try {
      Map<String, Object> steps = new LinkedHashMap<>();
      StringBuilder sh = new StringBuilder();
      sh.append("__opsflow_tmp=").append(quote(tmp.toString())).append('\n');
      sh.append("__opsflow_rc=").append(world.failed() ? 1 : 0).append('\n');
      for (int j = 0; j < CURRENT; j++) {
        Step step = world.steps().get(j);
        sh.append("__opsflow_o").append(j).append('=').append(step.outcome()).append('\n');
        sh.append("__opsflow_c").append(j).append('=').append(step.conclusion()).append('\n');
        Map<String, String> outputs = Map.of();
        if (step.outputFile() != null) {
          Files.writeString(tmp.resolve("out-" + j), step.outputFile(), StandardCharsets.UTF_8);
          outputs = StepOutputs.parse(step.outputFile());
        }
        if (IDS.get(j) != null && j != CURRENT) {
          steps.put(
              IDS.get(j),
              Map.of(
                  "outcome", step.outcome(), "conclusion", step.conclusion(), "outputs", outputs));
        }
      }
      // "plain" (index 3) is the current step: not in the context yet, nor is "later".
      sh.append(ShellCompiler.LIBRARY);
      ExprContext model = context(steps, world.failed());
      List<Boolean> expectedIf = new ArrayList<>();
      List<String> expectedText = new ArrayList<>();
      List<String> texts = new ArrayList<>();
      for (int c = 0; c < trees.size(); c++) {
        String text = literals(trees.get(c).text(), world.pool());
        texts.add(text);
        Expr condition = Condition.parse(text);
        expectedIf.add(Condition.holds(condition, model));
        sh.append("if {\n")
            .append(ShellCompiler.condition(condition, model, IDS, CURRENT))
            .append("}; then echo 1; else echo 0; fi > \"$__opsflow_tmp/if-")
            .append(c)
            .append("\"\n");
        Template template = Template.parse("<${{ " + text + " }}>");
        expectedText.add(template.render(model));
        sh.append("{\n")
            .append(ShellCompiler.text(template, model, IDS, CURRENT))
            .append("} > \"$__opsflow_tmp/text-")
            .append(c)
            .append("\"\n");
      }
      Path script = tmp.resolve("script.sh");
      Files.writeString(script, sh, StandardCharsets.UTF_8);
      List<String> command = new ArrayList<>(shell);
      command.add(script.toString());
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
      if (bin != null) {
        pb.environment().put("PATH", bin + ":" + pb.environment().get("PATH"));
      }
      pb.environment().put("LANG", "C.UTF-8");
      Process p = pb.start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(out).as("the shell's own output").isEmpty();
      for (int c = 0; c < trees.size(); c++) {
        String decided = Files.readString(tmp.resolve("if-" + c)).strip();
        assertThat(decided)
            .as("if: %s in %s", texts.get(c), world)
            .isEqualTo(expectedIf.get(c) ? "1" : "0");
        assertThat(Files.readString(tmp.resolve("text-" + c), StandardCharsets.UTF_8))
            .as("${{ %s }} in %s", texts.get(c), world)
            .isEqualTo(expectedText.get(c));
      }
    } finally {
      delete(tmp);
    }
  }

  /** The tree's text with {@code #k} standing for the pool's k-th value as a string literal. */
  private static String literals(String text, List<String> pool) {
    for (int k = 0; k < pool.size(); k++) {
      text = text.replace("#" + k, "'" + pool.get(k).replace("'", "''") + "'");
    }
    return text;
  }

  private static ExprContext context(Map<String, Object> steps, boolean failed) {
    Map<String, Object> matrix = Map.of("s", "Abc", "n", 1.0);
    return new ExprContext() {
      @Override
      public Object context(String name) {
        return switch (name) {
          case "steps" -> steps;
          case "matrix" -> matrix;
          default -> null;
        };
      }

      @Override
      public boolean status(String function) {
        return switch (function) {
          case "success" -> !failed;
          case "failure" -> failed;
          case "always" -> true;
          default -> false;
        };
      }
    };
  }

  private static String quote(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
