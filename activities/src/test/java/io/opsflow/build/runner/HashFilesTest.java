package io.opsflow.build.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.build.expr.ExprContext;
import io.opsflow.build.expr.ShellCompiler;
import io.opsflow.build.expr.Template;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code hashFiles()} as the job script computes it in a workspace, against the same algorithm in
 * Java (GitHub's: the SHA-256 of the matched files' SHA-256 digests, here in the byte order of
 * their paths; empty when nothing matches) over the files each pattern should match.
 */
class HashFilesTest {

  private static final List<String> FILES =
      List.of(
          "pom.xml",
          "a/pom.xml",
          "a/b/pom.xml",
          "a/package-lock.json",
          "target/pom.xml",
          ".hidden/pom.xml",
          "src/main/App.java",
          "src/test/AppTest.java",
          "docs/read me.md",
          "ünï/x.lock",
          "a.txt");

  /** hashFiles arguments as written in a workflow, and the files they match. */
  private static final Map<String, List<String>> CASES = new LinkedHashMap<>();

  static {
    CASES.put(
        "'**/pom.xml'",
        List.of("pom.xml", "a/pom.xml", "a/b/pom.xml", "target/pom.xml", ".hidden/pom.xml"));
    CASES.put(
        "'**/pom.xml', '!target/**'",
        List.of("pom.xml", "a/pom.xml", "a/b/pom.xml", ".hidden/pom.xml"));
    CASES.put("'src'", List.of("src/main/App.java", "src/test/AppTest.java"));
    CASES.put("'src/'", List.of("src/main/App.java", "src/test/AppTest.java"));
    CASES.put("'src/**/*Test.java'", List.of("src/test/AppTest.java"));
    CASES.put("'nothing/*'", List.of());
    CASES.put("'docs/read me.md'", List.of("docs/read me.md"));
    CASES.put(
        "'**/*.lock\n  **/package-lock.json  \n# a comment'",
        List.of("ünï/x.lock", "a/package-lock.json"));
    CASES.put("'!**/pom.xml', 'a/**'", List.of("a/pom.xml", "a/b/pom.xml", "a/package-lock.json"));
    CASES.put("'a/?/pom.xml'", List.of("a/b/pom.xml"));
    CASES.put("'[ab]/pom.xml'", List.of("a/pom.xml"));
    CASES.put("'[!a]*/pom.xml'", List.of("target/pom.xml", ".hidden/pom.xml"));
    CASES.put("'./a/pom.xml'", List.of("a/pom.xml"));
    CASES.put("'*.txt'", List.of("a.txt"));
    CASES.put("'**'", FILES);
  }

  @TempDir Path workspace;

  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"sh", "busybox"})
  void matchesTheJavaComputation(String shell) throws Exception {
    if (shell.equals("busybox") && !Files.isExecutable(Path.of("/usr/bin/busybox"))) {
      return;
    }
    for (String file : FILES) {
      Path path = workspace.resolve(file);
      Files.createDirectories(path.getParent());
      Files.writeString(path, "content of " + file + "\n", StandardCharsets.UTF_8);
    }
    StringBuilder sh = new StringBuilder();
    sh.append("__opsflow_tmp=").append(quote(tmp.toString())).append('\n');
    sh.append(ShellCompiler.LIBRARY);
    List<String> calls = new ArrayList<>(CASES.keySet());
    ExprContext none =
        new ExprContext() {
          @Override
          public Object context(String name) {
            return null;
          }

          @Override
          public boolean status(String function) {
            return true;
          }
        };
    for (int c = 0; c < calls.size(); c++) {
      Template template = Template.parse("${{ hashFiles(" + calls.get(c) + ") }}");
      sh.append("{\n")
          .append(ShellCompiler.text(template, none, List.of(), 0))
          .append("} > \"$__opsflow_tmp/hash-")
          .append(c)
          .append("\"\n");
    }
    List<String> command =
        shell.equals("busybox")
            ? List.of("/usr/bin/busybox", "sh", "-c", sh.toString())
            : List.of("sh", "-c", sh.toString());
    ProcessBuilder pb = new ProcessBuilder(command).directory(workspace.toFile());
    pb.redirectErrorStream(true);
    if (shell.equals("busybox")) {
      Path bin = Files.createDirectory(tmp.resolve("bin"));
      for (String applet : List.of("awk", "sort", "cut", "cat", "sha256sum", "find")) {
        Files.createSymbolicLink(bin.resolve(applet), Path.of("/usr/bin/busybox"));
      }
      pb.environment().put("PATH", bin + ":" + pb.environment().get("PATH"));
    }
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).isEmpty();
    for (int c = 0; c < calls.size(); c++) {
      assertThat(Files.readString(tmp.resolve("hash-" + c)))
          .as("hashFiles(%s)", calls.get(c))
          .isEqualTo(expected(CASES.get(calls.get(c))));
    }
  }

  /** GitHub's algorithm over {@code files}: SHA-256 of their SHA-256 digests, in path order. */
  private String expected(List<String> files) throws Exception {
    if (files.isEmpty()) {
      return "";
    }
    List<byte[]> paths = new ArrayList<>();
    files.forEach(f -> paths.add(f.getBytes(StandardCharsets.UTF_8)));
    paths.sort(Arrays::compareUnsigned);
    ByteArrayOutputStream digests = new ByteArrayOutputStream();
    for (byte[] path : paths) {
      byte[] content =
          Files.readAllBytes(workspace.resolve(new String(path, StandardCharsets.UTF_8)));
      digests.write(MessageDigest.getInstance("SHA-256").digest(content));
    }
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(digests.toByteArray()));
  }

  private static String quote(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }
}
