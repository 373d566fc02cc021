package io.opsflow.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One of opsflow's jars run as its own JVM, the way an operator runs it: for the tests that kill
 * processes for real (SIGKILL) and start them again.
 */
final class JavaProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path log;

  private JavaProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** The module's executable jar ({@code <module>/target/<module>-*-exec.jar}). */
  static Path execJar(String module) {
    Path here = Path.of("").toAbsolutePath();
    Path target =
        here.getFileName().toString().equals(module)
            ? here.resolve("target")
            : here.resolveSibling(module).resolve("target");
    try (DirectoryStream<Path> jars = Files.newDirectoryStream(target, module + "-*-exec.jar")) {
      for (Path jar : jars) {
        return jar;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException(
        "no " + module + " executable jar in " + target + ": run `mvn package` first");
  }

  /**
   * Starts {@code java <jvmArgs> -jar <jar> <args>} with extra environment variables; its output
   * goes to {@code log} (appended).
   */
  static JavaProcess start(
      String name,
      List<String> jvmArgs,
      Path jar,
      List<String> args,
      Map<String, String> environment,
      Path log)
      throws IOException {
    List<String> launch = new ArrayList<>(jvmArgs);
    launch.add("-jar");
    launch.add(jar.toString());
    launch.addAll(args);
    return launch(name, launch, environment, log);
  }

  /**
   * Starts another main class of an executable jar ({@code mainClass}, e.g. the workers jar's
   * {@code AgentApplication}) through Spring Boot's {@code PropertiesLauncher}.
   */
  static JavaProcess startMain(
      String name,
      List<String> jvmArgs,
      Path jar,
      String mainClass,
      List<String> args,
      Map<String, String> environment,
      Path log)
      throws IOException {
    List<String> launch = new ArrayList<>(jvmArgs);
    launch.addAll(
        List.of(
            "-cp",
            jar.toString(),
            "-Dloader.main=" + mainClass,
            "org.springframework.boot.loader.launch.PropertiesLauncher"));
    launch.addAll(args);
    return launch(name, launch, environment, log);
  }

  private static JavaProcess launch(
      String name, List<String> launch, Map<String, String> environment, Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(launch);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    // Nothing of the test JVM's own Spring or Temporal settings leaks in.
    builder
        .environment()
        .keySet()
        .removeIf(
            key ->
                key.startsWith("SPRING_")
                    || key.startsWith("TEMPORAL_")
                    || key.startsWith("OPSFLOW_PAYLOAD_")
                    || key.equals("OPSFLOW_DATA_DIR")
                    || key.equals("PORT"));
    // Several apps of one test (and tests running side by side) each get their own syslog ports.
    builder.environment().put("OPSFLOW_SYSLOG_UDP_PORT", "0");
    builder.environment().put("OPSFLOW_SYSLOG_TCP_PORT", "0");
    // Health checks of any device these processes see stay on loopback.
    builder.environment().put("OPSFLOW_CONNECTIVITY_PROBE_NETWORKS", "127.0.0.0/8");
    builder.environment().put("OPSFLOW_CONNECTIVITY_SUPERVISOR", "false");
    builder.environment().putAll(environment);
    Files.writeString(
        log,
        "\n===== " + name + ": " + String.join(" ", command) + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    return new JavaProcess(name, builder.start(), log);
  }

  /** Waits until {@code url} answers 200, failing with the process's log if it dies first. */
  JavaProcess awaitHttp(String url, Duration timeout) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new AssertionError(
            name + " exited with " + process.exitValue() + " while starting; its log:\n" + tail());
      }
      try {
        HttpResponse<Void> response =
            http.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 200) {
          return this;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            name
                + " did not answer "
                + url
                + " in time; its threads: "
                + threadDump()
                + "\nits log:\n"
                + tail());
      }
      sleep(250);
    }
  }

  /**
   * Writes the process's threads, virtual ones included ({@code jcmd Thread.dump_to_file}), next to
   * its log, for a test that found it stuck; returns where.
   */
  String threadDump() {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Path dump = log.resolveSibling(name.replaceAll("\\W+", "-") + "-" + pid() + "-threads.txt");
    try {
      Process p =
          new ProcessBuilder(
                  jcmd.toString(), Long.toString(pid()), "Thread.dump_to_file", dump.toString())
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(30, TimeUnit.SECONDS);
      String text = Files.exists(dump) ? Files.readString(dump, StandardCharsets.UTF_8) : out;
      // Also kept in the build output, where CI shows it.
      System.out.println("===== thread dump of " + name + " (pid " + pid() + ")\n" + text);
      return dump.toString();
    } catch (IOException | InterruptedException e) {
      return "(no thread dump: " + e + ")";
    }
  }

  /** Waits until the log contains {@code text}, failing with the log if the process dies first. */
  JavaProcess awaitLog(String text, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!logText().contains(text)) {
      if (!process.isAlive()) {
        throw new AssertionError(
            name + " exited with " + process.exitValue() + "; its log:\n" + tail());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + " never logged '" + text + "'; its log:\n" + tail());
      }
      sleep(250);
    }
    return this;
  }

  /** SIGKILL: no shutdown hook, no graceful stop. Waits until the process is gone. */
  void kill() {
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(30));
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  String tail() {
    String text = logText();
    return text.length() > 12_000 ? "..." + text.substring(text.length() - 12_000) : text;
  }

  /** SIGTERM (a graceful stop), then SIGKILL after 30 s. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      if (!waitFor(Duration.ofSeconds(30))) {
        kill();
      }
    }
  }

  private boolean waitFor(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
