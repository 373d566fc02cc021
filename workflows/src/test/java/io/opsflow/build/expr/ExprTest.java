package io.opsflow.build.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExprTest {

  private static final Map<String, Object> CONTEXTS = contexts();

  private static Map<String, Object> contexts() {
    Map<String, Object> github = new LinkedHashMap<>();
    github.put("ref", "refs/heads/main");
    github.put("event_name", "push");
    github.put("run_number", 7.0);
    Map<String, Object> issue = new LinkedHashMap<>();
    issue.put(
        "labels", List.of(Map.of("name", "bug"), Map.of("name", "Docs"), Map.of("color", "red")));
    github.put("event", Map.of("issue", issue));
    Map<String, Object> needs = new LinkedHashMap<>();
    needs.put("build", Map.of("result", "success", "outputs", Map.of("version", "1.2.3")));
    needs.put("lint", Map.of("result", "failure", "outputs", Map.of()));
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("github", github);
    all.put("needs", needs);
    all.put("matrix", Map.of("jdk", 17.0, "os", "ubuntu"));
    all.put("env", Map.of("MODE", "release"));
    return all;
  }

  static Object eval(String text) {
    return Evaluator.evaluate(ExprParser.parse(text), context(false));
  }

  static ExprContext context(boolean cancelled) {
    return new ExprContext() {
      @Override
      public Object context(String name) {
        return CONTEXTS.get(name);
      }

      @Override
      public boolean status(String function) {
        return switch (function) {
          case "success" -> !cancelled;
          case "failure" -> false;
          case "always" -> true;
          default -> cancelled;
        };
      }
    };
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        // coercion to number when the types differ
        "null == 0 | true",
        "true == 1 | true",
        "false == 0 | true",
        "'' == 0 | true",
        "' 123.5 ' == 123.5 | true",
        "' +123.5 ' == 123.5 | true",
        "' 0xff ' == 255 | true",
        "'0o10' == 8 | true",
        "' Infinity ' == Infinity | true",
        "'-Infinity' == -Infinity | true",
        "'abc' == 0 | false",
        "'NaN' == NaN | false",
        "NaN == NaN | false",
        "NaN != NaN | true",
        "'1' == true | true",
        "'2' == true | false",
        "null == false | true",
        "null == '' | true",
        "matrix == 0 | false",
        // same types
        "null == null | true",
        "'ABC' == 'abc' | true",
        "'straße' == 'STRASSE' | false",
        "1 == 1.0 | true",
        "0xff == 255 | true",
        "-2.99e-2 == -0.0299 | true",
        "matrix == matrix | true",
        "fromJSON('{}') == fromJSON('{}') | false",
        // ordering
        "'abc' < 'DEF' | true",
        "'B' < 'a' | false",
        "false < true | true",
        "1 < 2 | true",
        "'10' > 9 | true",
        "null < 1 | true",
        "null <= null | true",
        "null < null | false",
        "matrix < matrix | false",
        "NaN < 1 | false",
        "NaN >= NaN | false",
        "'x' < 1 | false",
        "'x' >= 1 | false",
        // logic returns operands
        "!0 | true",
        "!'' | true",
        "!'0' | false",
        "!matrix | false",
        "!null | true",
        "!-0 | true",
        "!2 < 3 | true",
        "!(2 < 3) | false",
      })
  void coercions(String expression, boolean expected) {
    assertThat(eval(expression)).isEqualTo(expected);
  }

  @Test
  void andOrReturnTheDecidingOperand() {
    assertThat(eval("'a' && 'b'")).isEqualTo("b");
    assertThat(eval("'' && 'b'")).isEqualTo("");
    assertThat(eval("0 || 'fallback'")).isEqualTo("fallback");
    assertThat(eval("github.ref || 'x'")).isEqualTo("refs/heads/main");
    assertThat(eval("null || null")).isNull();
    assertThat(eval("github.ref == 'refs/heads/main' && 'prod' || 'dev'")).isEqualTo("prod");
    assertThat(eval("github.ref == 'refs/heads/dev' && 'prod' || 'dev'")).isEqualTo("dev");
  }

  @Test
  void literals() {
    assertThat(eval("'It''s open source!'")).isEqualTo("It's open source!");
    assertThat(eval("711")).isEqualTo(711.0);
    assertThat(eval("-9.2")).isEqualTo(-9.2);
    assertThat(eval("0xff")).isEqualTo(255.0);
    assertThat(eval("-2.99e-2")).isEqualTo(-0.0299);
    assertThat(eval("null")).isNull();
    assertThat(eval("false")).isEqualTo(false);
    assertThat(eval("''")).isEqualTo("");
  }

  @Test
  void propertiesIndexesAndFilters() {
    assertThat(eval("github.ref")).isEqualTo("refs/heads/main");
    assertThat(eval("GitHub.REF")).isEqualTo("refs/heads/main");
    assertThat(eval("github['event_name']")).isEqualTo("push");
    assertThat(eval("needs.build.outputs.version")).isEqualTo("1.2.3");
    assertThat(eval("needs.build.outputs.missing")).isNull();
    assertThat(eval("needs.nope.result")).isNull();
    assertThat(eval("github.ref.length")).isNull();
    assertThat(eval("github.event.issue.labels[1].name")).isEqualTo("Docs");
    assertThat(eval("github.event.issue.labels[5]")).isNull();
    assertThat(eval("github.event.issue.labels[-1]")).isNull();
    assertThat(eval("github.event.issue.labels[0.5]")).isNull();
    assertThat(eval("github.event.issue.labels['1'].name")).isEqualTo("Docs");
    assertThat(eval("github.event.issue.labels.*.name")).isEqualTo(List.of("bug", "Docs"));
    assertThat(eval("needs.*.result")).isEqualTo(List.of("success", "failure"));
    assertThat(eval("contains(needs.*.result, 'FAILURE')")).isEqualTo(true);
    assertThat(eval("contains(github.event.issue.labels.*.name, 'docs')")).isEqualTo(true);
    assertThat(eval("(!matrix).jdk")).isNull();
  }

  @Test
  void functions() {
    assertThat(eval("contains('Hello world', 'WORLD')")).isEqualTo(true);
    assertThat(eval("contains(fromJSON('[1, 2]'), '2')")).isEqualTo(true);
    assertThat(eval("contains(matrix, 'jdk')")).isEqualTo(false);
    assertThat(eval("startsWith(github.ref, 'REFS/heads/')")).isEqualTo(true);
    assertThat(eval("endsWith(github.ref, '/main')")).isEqualTo(true);
    assertThat(eval("startsWith(12345, 12)")).isEqualTo(true);
    assertThat(eval("format('{0}-{1}-{0}', 'a', 2)")).isEqualTo("a-2-a");
    assertThat(eval("format('{{literal}} {0}', true)")).isEqualTo("{literal} true");
    assertThat(eval("format('jdk {0}', matrix.jdk)")).isEqualTo("jdk 17");
    assertThat(eval("join(fromJSON('[\"a\", 1, true, null]'))")).isEqualTo("a,1,true,");
    assertThat(eval("join(fromJSON('[\"a\", \"b\"]'), ' | ')")).isEqualTo("a | b");
    assertThat(eval("join('abc', '-')")).isEqualTo("abc");
    assertThat(eval("toJSON(matrix.jdk)")).isEqualTo("17");
    assertThat(eval("toJSON(fromJSON('{\"a\":[1,\"x\"],\"b\":{}}'))"))
        .isEqualTo("{\n  \"a\": [\n    1,\n    \"x\"\n  ],\n  \"b\": {}\n}");
    assertThat(eval("fromJSON('{\"include\":[{\"jdk\":21}]}').include[0].jdk")).isEqualTo(21.0);
    assertThat(eval("fromJSON('true')")).isEqualTo(true);
    assertThat(eval("fromJSON(' 0.5 ') == 0.5")).isEqualTo(true);
    assertThat(eval("TOJSON(null)")).isEqualTo("null");
    assertThat(eval("success()")).isEqualTo(true);
    assertThat(eval("always() && !cancelled()")).isEqualTo(true);
  }

  @Test
  void numbersAsText() {
    assertThat(eval("format('{0}', 1.50)")).isEqualTo("1.5");
    assertThat(eval("format('{0}', -0)")).isEqualTo("0");
    assertThat(eval("format('{0}', 1e3)")).isEqualTo("1000");
    assertThat(eval("format('{0}', 0.1)")).isEqualTo("0.1");
    assertThat(eval("format('{0}', Infinity)")).isEqualTo("Infinity");
    assertThat(eval("format('{0} {1} {2}', null, matrix, fromJSON('[]'))"))
        .isEqualTo(" Object Array");
  }

  @ParameterizedTest(name = "{0}: {2} at {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "github.ref == | 13 | unexpected end of expression",
        "\"double\" | 0 | single quotes",
        "'open | 0 | unterminated string",
        "foo.bar | 0 | unrecognized named-value 'foo'",
        "nope() | 0 | unrecognized function 'nope'",
        "contains('a') | 0 | contains() takes 2 arguments, got 1",
        "success(1) | 0 | success() takes 0 arguments, got 1",
        "(1 == 1 | 7 | expected ')'",
        "github.ref ] | 11 | unexpected ']'",
        "github. | 7 | expected a property name",
        "1 = 1 | 2 | unexpected '= 1'",
        "12abc | 0 | invalid number '12abc'",
        "a && | 0 | unrecognized named-value 'a'",
      })
  void parseErrorsCarryTheirOffset(String text, int offset, String message) {
    assertThatThrownBy(() -> ExprParser.parse(text))
        .isInstanceOfSatisfying(
            ExprException.class,
            e -> {
              assertThat(e.getMessage()).contains(message);
              assertThat(e.position()).isEqualTo(offset);
            });
  }

  @Test
  void emptyAndDeepExpressionsAreRefused() {
    assertThatThrownBy(() -> ExprParser.parse("  ")).hasMessage("expression is empty");
    assertThatThrownBy(() -> ExprParser.parse("(".repeat(60) + "1" + ")".repeat(60)))
        .hasMessageContaining("nested deeper than 50");
    assertThatThrownBy(() -> ExprParser.parse("!".repeat(60) + "1"))
        .hasMessageContaining("nested deeper than 50");
  }

  @Test
  void runtimeErrorsNameTheCall() {
    assertThatThrownBy(() -> eval("1 == 1 && fromJSON('{bad')"))
        .isInstanceOfSatisfying(
            ExprException.class,
            e -> {
              assertThat(e.getMessage()).startsWith("fromJSON(): not JSON");
              assertThat(e.position()).isEqualTo(10);
            });
    assertThatThrownBy(() -> eval("format('{1}', 'a')"))
        .hasMessageContaining("placeholder {1} but only 1 argument");
    assertThatThrownBy(() -> eval("format('{x}', 'a')"))
        .hasMessageContaining("invalid placeholder");
    assertThatThrownBy(() -> eval("format('a}', 'a')")).hasMessageContaining("unmatched '}'");
    assertThatThrownBy(() -> eval("hashFiles('**/pom.xml')"))
        .hasMessageContaining("hashFiles() can only be evaluated on the runner");
  }

  @Test
  void templatesRenderAndKeepPositions() {
    ExprContext ctx = context(false);
    assertThat(Template.render("jdk ${{ matrix.jdk }} on ${{matrix.os}}!", ctx))
        .isEqualTo("jdk 17 on ubuntu!");
    assertThat(Template.render("no expressions {{ here }}", ctx))
        .isEqualTo("no expressions {{ here }}");
    assertThat(Template.render("${{ '}}' }}", ctx)).isEqualTo("}}");
    assertThat(Template.render("${{ 'it''s }}' }}x", ctx)).isEqualTo("it's }}x");
    assertThatThrownBy(() -> Template.parse("echo ${{ matrix.jdk"))
        .isInstanceOfSatisfying(ExprException.class, e -> assertThat(e.position()).isEqualTo(5));
    assertThatThrownBy(() -> Template.parse("echo ${{ matrix. }}"))
        .isInstanceOfSatisfying(ExprException.class, e -> assertThat(e.position()).isEqualTo(17));
  }

  @Test
  void conditionsImplySuccessUnlessTheyCallAStatusFunction() {
    Expr plain = Condition.parse("github.ref == 'refs/heads/main'");
    assertThat(Condition.holds(plain, context(false))).isTrue();
    assertThat(Condition.holds(plain, context(true))).isFalse();
    Expr always = Condition.parse("${{ always() && github.ref == 'refs/heads/main' }}");
    assertThat(Condition.holds(always, context(true))).isTrue();
    assertThat(Condition.holds(Condition.parse("!cancelled()"), context(true))).isFalse();
    assertThatThrownBy(() -> Condition.parse("ref is ${{ github.ref }}"))
        .hasMessageContaining("mixes text and ${{ }}");
  }
}
