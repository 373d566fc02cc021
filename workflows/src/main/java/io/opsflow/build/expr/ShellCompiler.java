package io.opsflow.build.expr;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Compiles what of a step's expression only the runner can know (the {@code steps} context: earlier
 * steps' outcome, conclusion and outputs; {@code hashFiles()}) into POSIX sh that the job script
 * evaluates right before the step. Everything else is evaluated first, in the workflow ({@link
 * #residual}), so what reaches the runner is the expression with every other context replaced by
 * its value.
 *
 * <p>The compiled subset: {@code steps.<id>.outcome}, {@code steps.<id>.conclusion} and {@code
 * steps.<id>.outputs.<name>} (also with {@code ['...']}), literals and values known to the
 * workflow, {@code ==}, {@code !=}, {@code &&}, {@code ||}, {@code !}, {@code contains()}, {@code
 * startsWith()}, {@code endsWith()}, {@code hashFiles()} with patterns known to the workflow, and
 * in an {@code if:} the status functions. Values keep GitHub's semantics as {@link Values} has
 * them: strings compare ignoring case ({@link Values#fold}), other type pairs compare as numbers; a
 * runtime value is held as a kind ({@code n} null, {@code b} boolean, {@code d} number, {@code s}
 * string) and its text.
 *
 * <p>Pure and deterministic: workflow code calls it. The job script provides what the code reads
 * (see {@link #LIBRARY}): {@code __opsflow_o<j>} and {@code __opsflow_c<j>} (outcome and conclusion
 * of step {@code j}, {@code skipped} until it runs), {@code $__opsflow_tmp/out-<j>} (its {@code
 * $GITHUB_OUTPUT}), {@code $__opsflow_rc} (non-zero once a step failed) and {@code $__opsflow_ws}
 * (the workspace).
 */
public final class ShellCompiler {

  /** Static numbers the runner compares must be below this in magnitude (exact in its awk). */
  static final double MAX_NUMBER = 0x1p50;

  static final String SUPPORTED =
      "supported on the runner: steps.<id>.outcome, steps.<id>.conclusion,"
          + " steps.<id>.outputs.<name>, ==, !=, &&, ||, !, contains(), startsWith(), endsWith(),"
          + " hashFiles() and in if: success(), failure(), always(), cancelled()";

  private final ExprContext context;
  private final List<String> stepIds;
  private final int index;
  private final StringBuilder out = new StringBuilder();
  private int next;

  private ShellCompiler(ExprContext context, List<String> stepIds, int index) {
    this.context = context;
    this.stepIds = stepIds;
    this.index = index;
  }

  /** Whether {@code expr} needs the runner: it names {@code steps} or calls {@code hashFiles}. */
  public static boolean needsRunner(Expr expr) {
    return Evaluator.contexts(expr).contains("steps") || Evaluator.calls(expr, "hashfiles");
  }

  /** Whether any expression of the template needs the runner. */
  public static boolean needsRunner(Template template) {
    return template.expressions().stream().anyMatch(e -> needsRunner(e.expr()));
  }

  /** Whether {@code expr} is decided on the runner (for an {@code if:}, status functions too). */
  static boolean dynamic(Expr expr, boolean condition) {
    return switch (expr) {
      case Expr.Literal l -> false;
      case Expr.Context c -> c.name().equals("steps");
      case Expr.Property p -> dynamic(p.target(), condition);
      case Expr.Index i -> dynamic(i.target(), condition) || dynamic(i.index(), condition);
      case Expr.Star s -> dynamic(s.target(), condition);
      case Expr.Not n -> dynamic(n.operand(), condition);
      case Expr.Binary b -> dynamic(b.left(), condition) || dynamic(b.right(), condition);
      case Expr.Call call ->
          call.name().equals("hashfiles")
              || (condition && Functions.STATUS.contains(call.name()))
              || call.args().stream().anyMatch(a -> dynamic(a, condition));
    };
  }

  /**
   * Checks that the runner can evaluate what of {@code expr} depends on it (when the pipeline is
   * read).
   *
   * @param condition whether it is an {@code if:} (status functions are then the runner's)
   * @throws ExprException at the offset of the first part outside the compiled subset
   */
  public static void check(Expr expr, boolean condition) {
    if (!dynamic(expr, condition)) {
      return;
    }
    switch (expr) {
      case Expr.Literal l -> {}
      case Expr.Context c ->
          throw new ExprException(
              "steps must be followed by .<id>.outcome, .<id>.conclusion or .<id>.outputs.<name>"
                  + " ("
                  + SUPPORTED
                  + ")",
              c.pos());
      case Expr.Property p -> checkRef(expr, condition);
      case Expr.Index i -> checkRef(expr, condition);
      case Expr.Star s ->
          throw new ExprException(
              "object filters (.*) over steps are not supported (" + SUPPORTED + ")", s.pos());
      case Expr.Not n -> check(n.operand(), condition);
      case Expr.Binary b -> {
        switch (b.op()) {
          case AND, OR, EQ, NE -> {
            check(b.left(), condition);
            check(b.right(), condition);
          }
          default ->
              throw new ExprException(
                  "'"
                      + b.op().text()
                      + "' of a value known only on the runner is not supported; compare with =="
                      + " or != ("
                      + SUPPORTED
                      + ")",
                  b.pos());
        }
      }
      case Expr.Call call -> {
        switch (call.name()) {
          case "contains", "startswith", "endswith" ->
              call.args().forEach(a -> check(a, condition));
          case "success", "failure", "always", "cancelled" -> {}
          case "hashfiles" -> {
            for (Expr arg : call.args()) {
              if (dynamic(arg, condition)) {
                throw new ExprException(
                    "hashFiles() patterns must not depend on steps or status functions", arg.pos());
              }
              if (arg instanceof Expr.Literal l && l.value() instanceof String pattern) {
                try {
                  for (String line : pattern.split("\r?\n", -1)) {
                    HashFilesPattern.compile(line);
                  }
                } catch (IllegalArgumentException e) {
                  throw new ExprException("hashFiles(): " + e.getMessage(), arg.pos());
                }
              }
            }
          }
          default ->
              throw new ExprException(
                  call.name()
                      + "() of a value known only on the runner is not supported ("
                      + SUPPORTED
                      + ")",
                  call.pos());
        }
      }
    }
  }

  /** A reference into {@code steps}: the only form a dynamic property or index may take. */
  private static void checkRef(Expr expr, boolean condition) {
    List<Expr> keys = new ArrayList<>();
    Expr at = expr;
    while (true) {
      if (at instanceof Expr.Property p) {
        keys.add(0, new Expr.Literal(p.name(), p.pos()));
        at = p.target();
      } else if (at instanceof Expr.Index i) {
        if (dynamic(i.index(), condition)) {
          throw new ExprException(
              "an index computed from steps is not supported (" + SUPPORTED + ")", i.pos());
        }
        keys.add(0, i.index());
        at = i.target();
      } else {
        break;
      }
    }
    if (at instanceof Expr.Star s) {
      throw new ExprException(
          "object filters (.*) over steps are not supported (" + SUPPORTED + ")", s.pos());
    }
    if (!(at instanceof Expr.Context c && c.name().equals("steps"))) {
      throw new ExprException(
          "a property of a value known only on the runner is not supported (" + SUPPORTED + ")",
          expr.pos());
    }
    boolean object =
        keys.size() == 1
            || (keys.size() == 2
                && keys.get(1) instanceof Expr.Literal l
                && l.value() instanceof String s
                && s.equalsIgnoreCase("outputs"));
    if (object) {
      throw new ExprException(
          "steps.<id> and steps.<id>.outputs are objects; name a value: steps.<id>.outcome,"
              + " steps.<id>.conclusion or steps.<id>.outputs.<name>",
          at.pos());
    }
  }

  /**
   * {@code expr} with every part the workflow can evaluate replaced by its value.
   *
   * @throws ExprException when evaluating a part fails
   */
  static Expr residual(Expr expr, ExprContext context, boolean condition) {
    if (!dynamic(expr, condition)) {
      return new Expr.Literal(Evaluator.evaluate(expr, context), expr.pos());
    }
    return switch (expr) {
      case Expr.Literal l -> l;
      case Expr.Context c -> c;
      case Expr.Property p ->
          new Expr.Property(residual(p.target(), context, condition), p.name(), p.pos());
      case Expr.Index i ->
          new Expr.Index(
              residual(i.target(), context, condition),
              residual(i.index(), context, condition),
              i.pos());
      case Expr.Star s -> new Expr.Star(residual(s.target(), context, condition), s.pos());
      case Expr.Not n -> new Expr.Not(residual(n.operand(), context, condition), n.pos());
      case Expr.Binary b ->
          new Expr.Binary(
              b.op(),
              residual(b.left(), context, condition),
              residual(b.right(), context, condition),
              b.pos());
      case Expr.Call call -> {
        List<Expr> args = new ArrayList<>();
        call.args().forEach(a -> args.add(residual(a, context, condition)));
        yield new Expr.Call(call.name(), args, call.pos());
      }
    };
  }

  /**
   * The sh commands deciding a step's {@code if:}: their exit status is zero when it holds.
   *
   * @param condition the parsed condition ({@link Condition#parse})
   * @param stepIds the job's step ids by index (null for a step without one)
   * @param index the step's index
   * @throws ExprException when a part evaluated in the workflow fails or gives a value the runner
   *     cannot hold
   */
  public static String condition(
      Expr condition, ExprContext context, List<String> stepIds, int index) {
    check(condition, true);
    ShellCompiler c = new ShellCompiler(context, stepIds, index);
    int v = c.value(residual(condition, context, true));
    c.out.append("__opsflow_truthy \"$").append(k(v)).append("\" \"$").append(v(v)).append("\"\n");
    return c.out.toString();
  }

  /**
   * The sh commands printing a template's text (no newline added): literal parts as written,
   * expressions as their value's text.
   *
   * @throws ExprException at the offset in the template's text of a failing expression
   */
  public static String text(
      Template template, ExprContext context, List<String> stepIds, int index) {
    ShellCompiler c = new ShellCompiler(context, stepIds, index);
    StringBuilder known = new StringBuilder();
    for (Template.Part part : template.parts()) {
      switch (part) {
        case Template.Text t -> known.append(t.value());
        case Template.Expression e -> {
          try {
            check(e.expr(), false);
            Expr residual = residual(e.expr(), context, false);
            if (residual instanceof Expr.Literal l) {
              known.append(Values.toStr(l.value()));
            } else {
              c.print(known.toString());
              known.setLength(0);
              int v = c.value(residual);
              c.out.append("printf '%s' \"$").append(v(v)).append("\"\n");
            }
          } catch (ExprException ex) {
            throw ex.shifted(e.offset());
          }
        }
      }
    }
    c.print(known.toString());
    return c.out.toString();
  }

  private void print(String text) {
    if (!text.isEmpty()) {
      out.append("printf '%s' ").append(quote(text)).append('\n');
    }
  }

  private static String k(int v) {
    return "__opsflow_k" + v;
  }

  private static String v(int v) {
    return "__opsflow_v" + v;
  }

  /** Appends code leaving the value of {@code expr} in {@code k(n)}/{@code v(n)}; returns n. */
  private int value(Expr expr) {
    return switch (expr) {
      case Expr.Literal l -> literal(l);
      case Expr.Property p -> ref(expr);
      case Expr.Index i -> ref(expr);
      case Expr.Not n -> {
        int a = value(n.operand());
        int r = next++;
        out.append("if ").append(truthy(a)).append("; then ");
        out.append(v(r)).append("=false; else ").append(v(r)).append("=true; fi; ");
        out.append(k(r)).append("=b\n");
        yield r;
      }
      case Expr.Binary b -> binary(b);
      case Expr.Call call -> call(call);
      case Expr.Context c -> throw new ExprException("steps must be followed by .<id>", c.pos());
      case Expr.Star s -> throw new ExprException("object filters are not supported", s.pos());
    };
  }

  private int literal(Expr.Literal literal) {
    Object value = literal.value();
    int r = next++;
    String kind =
        switch (Values.kind(value)) {
          case NULL -> "n";
          case BOOLEAN -> "b";
          case NUMBER -> {
            number(((Number) value).doubleValue(), literal.pos());
            yield "d";
          }
          case STRING -> "s";
          case ARRAY, OBJECT ->
              throw new ExprException(
                  "a value used with steps on the runner is "
                      + (value instanceof List<?> ? "an array" : "an object")
                      + "; only strings, numbers, booleans and null can be (an array may be"
                      + " contains()'s first argument)",
                  literal.pos());
        };
    out.append(k(r)).append('=').append(kind).append("; ");
    out.append(v(r)).append('=').append(quote(Values.toStr(value))).append('\n');
    return r;
  }

  /** Refuses a number the runner could not compare exactly. */
  private static void number(double d, int pos) {
    if (Double.isNaN(d)) {
      return;
    }
    if (Double.isInfinite(d)
        || Math.abs(d) >= MAX_NUMBER
        || Double.parseDouble(Values.formatNumber(d)) != d) {
      throw new ExprException(
          "the number "
              + Values.formatNumber(d)
              + " cannot be compared on the runner (finite numbers below 2^50 with at most 15"
              + " significant digits can)",
          pos);
    }
  }

  private int ref(Expr expr) {
    List<String> keys = new ArrayList<>();
    Expr at = expr;
    while (!(at instanceof Expr.Context)) {
      if (at instanceof Expr.Property p) {
        keys.add(0, p.name());
        at = p.target();
      } else if (at instanceof Expr.Index i && i.index() instanceof Expr.Literal l) {
        keys.add(0, l.value() instanceof Number n ? null : Values.toStr(l.value()));
        at = i.target();
      } else {
        throw new ExprException("unsupported reference into steps (" + SUPPORTED + ")", expr.pos());
      }
    }
    int r = next++;
    int step = keys.get(0) == null ? -1 : step(keys.get(0));
    String what =
        keys.size() > 1 && keys.get(1) != null ? keys.get(1).toLowerCase(Locale.ROOT) : "";
    if (step >= 0 && keys.size() == 2 && (what.equals("outcome") || what.equals("conclusion"))) {
      out.append(k(r)).append("=s; ").append(v(r)).append("=$__opsflow_");
      out.append(what.equals("outcome") ? 'o' : 'c').append(step).append('\n');
    } else if (step >= 0 && keys.size() == 3 && what.equals("outputs") && keys.get(2) != null) {
      String name = keys.get(2);
      if (!name.chars().allMatch(ch -> ch < 128)) {
        throw new ExprException(
            "an output name known only on the runner must be ASCII, got '" + name + "'",
            expr.pos());
      }
      out.append("__opsflow_output ").append(step).append(' ').append(quote(name)).append('\n');
      out.append(k(r)).append("=$__opsflow_K; ").append(v(r)).append("=$__opsflow_V\n");
    } else {
      // A later or unknown step, or a property GitHub has not: null, as on GitHub.
      out.append(k(r)).append("=n; ").append(v(r)).append("=\n");
    }
    return r;
  }

  /** The index of the earlier step {@code id} names (ignoring case, exact first), or -1. */
  private int step(String id) {
    for (int j = 0; j < index && j < stepIds.size(); j++) {
      if (id.equals(stepIds.get(j))) {
        return j;
      }
    }
    for (int j = 0; j < index && j < stepIds.size(); j++) {
      if (stepIds.get(j) != null && stepIds.get(j).equalsIgnoreCase(id)) {
        return j;
      }
    }
    return -1;
  }

  private int binary(Expr.Binary b) {
    int left = value(b.left());
    int r = next++;
    switch (b.op()) {
      case AND, OR -> {
        out.append("if ");
        if (b.op() == Expr.Op.OR) {
          out.append("! ");
        }
        out.append(truthy(left)).append("; then\n");
        int right = value(b.right());
        copy(r, right);
        out.append("else\n");
        copy(r, left);
        out.append("fi\n");
      }
      case EQ, NE -> {
        int right = value(b.right());
        boolean eq = b.op() == Expr.Op.EQ;
        out.append("if __opsflow_eq ").append(args(left, right)).append("; then ");
        out.append(v(r)).append('=').append(eq).append("; else ");
        out.append(v(r)).append('=').append(!eq).append("; fi; ").append(k(r)).append("=b\n");
      }
      default ->
          throw new ExprException(
              "'" + b.op().text() + "' is not supported on the runner (" + SUPPORTED + ")",
              b.pos());
    }
    return r;
  }

  private void copy(int to, int from) {
    out.append(k(to)).append("=$").append(k(from)).append("; ");
    out.append(v(to)).append("=$").append(v(from)).append('\n');
  }

  private static String args(int a, int b) {
    return "\"$" + k(a) + "\" \"$" + v(a) + "\" \"$" + k(b) + "\" \"$" + v(b) + "\"";
  }

  private static String truthy(int a) {
    return "__opsflow_truthy \"$" + k(a) + "\" \"$" + v(a) + "\"";
  }

  private int call(Expr.Call call) {
    String name = call.name();
    switch (name) {
      case "success", "failure", "always", "cancelled" -> {
        int r = next++;
        String test =
            switch (name) {
              case "success" -> "[ \"$__opsflow_rc\" -eq 0 ]";
              case "failure" -> "[ \"$__opsflow_rc\" -ne 0 ]";
              case "always" -> "true";
              default -> "false";
            };
        out.append("if ").append(test).append("; then ").append(v(r)).append("=true; else ");
        out.append(v(r)).append("=false; fi; ").append(k(r)).append("=b\n");
        return r;
      }
      case "contains", "startswith", "endswith" -> {
        Expr first = call.args().get(0);
        if (name.equals("contains")
            && first instanceof Expr.Literal l
            && l.value() instanceof Map) {
          int r = next++;
          out.append(k(r)).append("=b; ").append(v(r)).append("=false\n");
          return r;
        }
        if (name.equals("contains")
            && first instanceof Expr.Literal l
            && l.value() instanceof List<?> list) {
          int item = value(call.args().get(1));
          int r = next++;
          out.append(v(r)).append("=false\n");
          for (Object candidate : list) {
            Values.Kind kind = Values.kind(candidate);
            if (kind == Values.Kind.ARRAY || kind == Values.Kind.OBJECT) {
              continue; // equal to no value the runner holds
            }
            int c = literal(new Expr.Literal(candidate, first.pos()));
            out.append("if __opsflow_eq ").append(args(c, item)).append("; then ");
            out.append(v(r)).append("=true; fi\n");
          }
          out.append(k(r)).append("=b\n");
          return r;
        }
        int a = value(first);
        int b = value(call.args().get(1));
        int r = next++;
        out.append("if __opsflow_str ").append(name).append(" \"$").append(v(a));
        out.append("\" \"$").append(v(b)).append("\"; then ").append(v(r)).append("=true; else ");
        out.append(v(r)).append("=false; fi; ").append(k(r)).append("=b\n");
        return r;
      }
      case "hashfiles" -> {
        List<String> regexes = new ArrayList<>();
        for (Expr arg : call.args()) {
          Object pattern = arg instanceof Expr.Literal l ? l.value() : null;
          for (String line : Values.toStr(pattern).split("\r?\n", -1)) {
            try {
              String compiled = HashFilesPattern.compile(line);
              if (compiled != null) {
                regexes.add(compiled);
              }
            } catch (IllegalArgumentException e) {
              throw new ExprException("hashFiles(): " + e.getMessage(), arg.pos());
            }
          }
        }
        int r = next++;
        out.append("__opsflow_hashfiles");
        for (String regex : regexes) {
          out.append(' ').append(quote(regex));
        }
        out.append('\n');
        out.append(k(r)).append("=s; ").append(v(r)).append("=$__opsflow_V\n");
        return r;
      }
      default ->
          throw new ExprException(
              name + "() is not supported on the runner (" + SUPPORTED + ")", call.pos());
    }
  }

  /** Single-quotes a value for sh. */
  static String quote(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }

  /**
   * The sh functions and awk program the compiled code calls; the job script defines them once,
   * after {@code __opsflow_tmp} and before the first step. GitHub's string folding ({@link
   * Values#fold}) and white space ({@link String#strip}) are tables generated from this JVM, so the
   * runner and {@link Evaluator} agree.
   */
  public static final String LIBRARY = library();

  private static String library() {
    StringBuilder sh = new StringBuilder();
    sh.append("cat > \"$__opsflow_tmp/expr.awk\" <<'OPSFLOW_EXPR_AWK'\n");
    sh.append(awk());
    sh.append("OPSFLOW_EXPR_AWK\n");
    sh.append(
        """
        __opsflow_ws=$PWD
        __opsflow_truthy() {
          case $1 in
            b) [ "$2" = true ] ;;
            d) [ "$2" != 0 ] && [ "$2" != NaN ] ;;
            s) [ -n "$2" ] ;;
            *) false ;;
          esac
        }
        __opsflow_eq() {
          if [ "$1" = "$3" ]; then
            case $1 in
              n) return 0 ;;
              b) [ "$2" = "$4" ]; return ;;
            esac
          fi
          __opsflow_ka=$1 __opsflow_a=$2 __opsflow_kb=$3 __opsflow_b=$4 LC_ALL=C \\
            awk -v op=eq -f "$__opsflow_tmp/expr.awk" < /dev/null
        }
        __opsflow_str() {
          __opsflow_a=$2 __opsflow_b=$3 LC_ALL=C \\
            awk -v op="$1" -f "$__opsflow_tmp/expr.awk" < /dev/null
        }
        __opsflow_output() {
          __opsflow_K=n
          __opsflow_V=
          [ -f "$__opsflow_tmp/out-$1" ] || return 0
          __opsflow_r=$({ cat "$__opsflow_tmp/out-$1"; printf x; } \\
            | __opsflow_name=$2 LC_ALL=C awk -v op=out -f "$__opsflow_tmp/expr.awk"; printf x)
          case $__opsflow_r in
            s*)
              __opsflow_K=s
              __opsflow_V=${__opsflow_r#s}
              __opsflow_V=${__opsflow_V%x}
              ;;
          esac
        }
        __opsflow_hashfiles() {
          __opsflow_V=$(
            cd "${GITHUB_WORKSPACE:-$__opsflow_ws}" || exit 1
            find -L . -type f 2> /dev/null \\
              | LC_ALL=C awk -v op=match -f "$__opsflow_tmp/expr.awk" "$@" \\
              | LC_ALL=C sort \\
              | while IFS= read -r __opsflow_f; do
                  sha256sum < "$__opsflow_f" | cut -c1-64
                done \\
              | LC_ALL=C awk -v op=octal -f "$__opsflow_tmp/expr.awk" > "$__opsflow_tmp/hash"
            if [ -s "$__opsflow_tmp/hash" ]; then
              # shellcheck disable=SC2059
              printf "$(cat "$__opsflow_tmp/hash")" | sha256sum | cut -c1-64
            fi
          )
        }
        """);
    return sh.toString();
  }

  private static String awk() {
    StringBuilder fold = new StringBuilder();
    for (char c = 128; c < 0xFFFF; c++) {
      if (Character.isSurrogate(c)) {
        continue;
      }
      char upper = Character.toUpperCase(c);
      if (upper != c) {
        fold.append(octal(String.valueOf(c))).append(' ').append(octal(String.valueOf(upper)));
        fold.append(' ');
      }
    }
    StringBuilder space = new StringBuilder();
    for (int cp = 0; cp < Character.MAX_CODE_POINT; cp++) {
      if (Character.isWhitespace(cp)) {
        space.append(octal(Character.toString(cp))).append(' ');
      }
    }
    return """
        BEGIN {
          t = ""
        %s
          nf = split(t, F, "|")
          t = ""
        %s
          nw = split(t, W, "|")
          if (op == "eq") exit !eq()
          if (op == "contains") exit !contains()
          if (op == "startswith") exit !startswith()
          if (op == "endswith") exit !endswith()
          if (op == "match") {
            for (i = 1; i < ARGC; i++) P[i] = ARGV[i]
            np = ARGC - 1
            ARGC = 1
          }
        }
        op == "match" {
          path = substr($0, 3)
          if (substr($0, 1, 2) != "./") next
          keep = 0
          for (i = 1; i <= np; i++) {
            if (substr(P[i], 1, 1) == "!") {
              if (path ~ substr(P[i], 2)) keep = 0
            } else if (path ~ P[i]) keep = 1
          }
          if (keep) print $0
          next
        }
        op == "octal" {
          for (i = 1; i < length($0); i += 2) printf "\\\\%%03o", hex(substr($0, i, 2))
          next
        }
        { rec[++nr] = $0 }
        END { if (op == "out") out() }
        function hex(s,   r, i) {
          r = 0
          for (i = 1; i <= length(s); i++) r = r * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
          return r
        }
        function fold(s,   i) {
          s = toupper(s)
          for (i = 1; i < nf; i += 2) if (index(s, F[i])) gsub(F[i], F[i + 1], s)
          return s
        }
        function strip(s,   i, changed) {
          changed = 1
          while (changed) {
            changed = 0
            for (i = 1; i <= nw; i++) {
              if (length(s) >= length(W[i]) && substr(s, 1, length(W[i])) == W[i]) { s = substr(s, length(W[i]) + 1); changed = 1 }
              if (length(s) >= length(W[i]) && substr(s, length(s) - length(W[i]) + 1) == W[i]) { s = substr(s, 1, length(s) - length(W[i])); changed = 1 }
            }
          }
          return s
        }
        function num(k, v,   t, d, sign, i, r) {
          NUMOK = 1
          if (k == "n") return 0
          if (k == "b") return v == "true" ? 1 : 0
          if (k == "d") { if (v == "NaN") NUMOK = 0; return v + 0 }
          t = strip(v)
          if (t == "") return 0
          if (t ~ /^0x[0-9a-fA-F]+$/) {
            d = substr(t, 3); sub(/^0+/, "", d)
            if (length(d) > 13) { NUMOK = 0; return 0 }
            return hex(d)
          }
          if (t ~ /^0o[0-7]+$/) {
            d = substr(t, 3); sub(/^0+/, "", d)
            if (length(d) > 17) { NUMOK = 0; return 0 }
            r = 0
            for (i = 1; i <= length(d); i++) r = r * 8 + substr(d, i, 1)
            return r
          }
          if (t ~ /^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?$/) {
            sign = ""
            if (t ~ /^[+-]/) { sign = substr(t, 1, 1); t = substr(t, 2) }
            sub(/^0+/, "", t)
            if (t == "" || t ~ /^[.eE]/) t = "0" t
            return (sign t) + 0
          }
          NUMOK = 0
          return 0
        }
        function eq(   ka, kb, a, b, x, y, okx) {
          ka = ENVIRON["__opsflow_ka"]; kb = ENVIRON["__opsflow_kb"]
          a = ENVIRON["__opsflow_a"]; b = ENVIRON["__opsflow_b"]
          if (ka == "s" && kb == "s") return fold(a) == fold(b)
          x = num(ka, a); okx = NUMOK
          y = num(kb, b)
          return okx && NUMOK && x == y
        }
        function contains(   a, b) {
          a = fold(ENVIRON["__opsflow_a"]); b = fold(ENVIRON["__opsflow_b"])
          return b == "" || index(a, b) > 0
        }
        function startswith(   a, b) {
          a = fold(ENVIRON["__opsflow_a"]); b = fold(ENVIRON["__opsflow_b"])
          return substr(a, 1, length(b)) == b
        }
        function endswith(   a, b) {
          a = fold(ENVIRON["__opsflow_a"]); b = fold(ENVIRON["__opsflow_b"])
          return length(b) <= length(a) && substr(a, length(a) - length(b) + 1) == b
        }
        function ci(key, name) {
          gsub(/\\304\\260|\\304\\261/, "I", key)
          gsub(/\\305\\277/, "S", key)
          gsub(/\\342\\204\\252/, "K", key)
          return toupper(key) == toupper(name)
        }
        function out(   text, n, L, i, j, line, h, e, name, delim, value, cnt, order, vals, want, found) {
          text = ""
          for (i = 1; i <= nr; i++) text = text (i > 1 ? "\\n" : "") rec[i]
          text = substr(text, 1, length(text) - 1)
          n = split(text, L, "\\n")
          if (text == "") n = 1
          for (i = 1; i < n; i++) sub(/\\r$/, "", L[i])
          cnt = 0
          for (i = 1; i <= n; i++) {
            line = L[i]
            h = index(line, "<<"); e = index(line, "=")
            if (h > 1 && (e == 0 || h < e)) {
              name = substr(line, 1, h - 1); delim = substr(line, h + 2)
              value = ""
              for (j = i + 1; j <= n && L[j] != delim; j++) value = value (j > i + 1 ? "\\n" : "") L[j]
              if (j <= n) { if (!(name in vals)) order[++cnt] = name; vals[name] = value }
              i = j
            } else if (e > 1) {
              name = substr(line, 1, e - 1)
              if (!(name in vals)) order[++cnt] = name
              vals[name] = substr(line, e + 1)
            }
          }
          want = ENVIRON["__opsflow_name"]
          if (want in vals) { printf "s%%s", vals[want]; return }
          for (i = 1; i <= cnt; i++) if (ci(order[i], want)) { printf "s%%s", vals[order[i]]; return }
          printf "n"
        }
        """
        .formatted(chunks(fold.toString()), chunks(space.toString()));
  }

  /**
   * Awk statements appending {@code text} to {@code t} in literals of a few hundred characters
   * (mawk refuses long string literals).
   */
  private static String chunks(String text) {
    StringBuilder out = new StringBuilder();
    String[] words = text.strip().split(" ");
    StringBuilder chunk = new StringBuilder();
    for (String word : words) {
      if (!out.isEmpty() || !chunk.isEmpty()) {
        chunk.append('|');
      }
      chunk.append(word);
      if (chunk.length() > 400) {
        out.append("  t = t \"").append(chunk).append("\"\n");
        chunk.setLength(0);
      }
    }
    if (!chunk.isEmpty()) {
      out.append("  t = t \"").append(chunk).append("\"\n");
    }
    return out.toString();
  }

  /** The UTF-8 bytes of {@code s} as awk octal escapes. */
  private static String octal(String s) {
    StringBuilder out = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      out.append(String.format(Locale.ROOT, "\\%03o", b & 0xff));
    }
    return out.toString();
  }
}
