package io.opsflow.build.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.build.expr.HashFilesPattern;
import io.opsflow.build.expr.ShellCompiler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random {@code hashFiles()} patterns (globs, classes, escapes, exclusions, characters regular
 * expressions treat specially): each is refused with an {@link IllegalArgumentException} or turned
 * into a regular expression that mawk and busybox awk accept and apply as Java does, over paths
 * made of the same characters.
 */
class HashFilesPatternPropertyTest {

  private static final String ALPHABET = "ab.*?[]!-/\\^$(){}+| é#";

  @Provide
  Arbitrary<List<String>> patterns() {
    Arbitrary<String> raw = Arbitraries.strings().withChars(ALPHABET).ofMinLength(1).ofMaxLength(8);
    Arbitrary<String> token =
        Arbitraries.oneOf(
            Arbitraries.of(
                "a", "b", "*", "**", "?", "/", "[ab]", "[!a]", "[a-b]", "[.-+]", "[+-.]", ".",
                "\\*", "\\[", "$", "(", ")", "+", "{", "}", "|", "]", "[", "é", "./", "!"),
            raw);
    return token.list().ofMinSize(1).ofMaxSize(6).map(t -> String.join("", t)).list().ofSize(8);
  }

  @Provide
  Arbitrary<List<String>> paths() {
    return Arbitraries.strings()
        .withChars("ab.-/$(){}+|^[]* ")
        .ofMinLength(1)
        .ofMaxLength(10)
        .filter(p -> !p.startsWith("/") && !p.endsWith("/") && !p.contains("//"))
        .list()
        .ofMinSize(1)
        .ofMaxSize(20);
  }

  @Property(tries = 100)
  void acceptedPatternsMatchInAwkAsInJava(
      @ForAll("patterns") List<String> lines, @ForAll("paths") List<String> paths)
      throws Exception {
    List<String> regexes = new ArrayList<>();
    for (String line : lines) {
      String regex;
      try {
        regex = HashFilesPattern.compile(line);
      } catch (IllegalArgumentException refused) {
        assertThat(refused.getMessage()).contains("pattern");
        continue;
      }
      if (regex != null) {
        regexes.add(regex);
      }
    }
    List<String> expected = new ArrayList<>();
    for (String path : paths) {
      boolean keep = false;
      for (String regex : regexes) {
        if (regex.startsWith("!")) {
          if (java(regex.substring(1)).matcher(path).find()) {
            keep = false;
          }
        } else if (java(regex).matcher(path).find()) {
          keep = true;
        }
      }
      if (keep) {
        expected.add("./" + path);
      }
    }
    Path dir = Files.createTempDirectory("patterns");
    try {
      Files.writeString(dir.resolve("expr.awk"), awkProgram(), StandardCharsets.UTF_8);
      StringBuilder input = new StringBuilder();
      paths.forEach(p -> input.append("./").append(p).append('\n'));
      for (List<String> awk : List.of(List.of("mawk"), List.of("/usr/bin/busybox", "awk"))) {
        if (!Files.isExecutable(Path.of("/usr/bin/" + awk.get(0).replace("/usr/bin/", "")))) {
          continue;
        }
        List<String> command = new ArrayList<>(awk);
        command.addAll(List.of("-v", "op=match", "-f", dir.resolve("expr.awk").toString()));
        command.addAll(regexes);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("LC_ALL", "C");
        pb.redirectError(dir.resolve("stderr").toFile());
        Process p = pb.start();
        p.getOutputStream().write(input.toString().getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(dir.resolve("stderr"))).as("%s %s", awk, regexes).isEmpty();
        assertThat(p.exitValue()).isZero();
        assertThat(out.lines().toList())
            .as("%s %s over %s", awk, regexes, paths)
            .isEqualTo(expected);
      }
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  /** A POSIX ERE as Java reads it: a bracket holding only '[' or ']' is escaped instead. */
  private static Pattern java(String ere) {
    return Pattern.compile(ere.replace("[[]", "\\[").replace("[]]", "\\]"));
  }

  /** The awk program the job script writes, cut out of {@link ShellCompiler#LIBRARY}. */
  private static String awkProgram() {
    String library = ShellCompiler.LIBRARY;
    int start = library.indexOf('\n') + 1;
    int end = library.indexOf("OPSFLOW_EXPR_AWK\n", start);
    return library.substring(start, end);
  }
}
