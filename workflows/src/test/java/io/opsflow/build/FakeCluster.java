package io.opsflow.build;

import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Where job attempts run, in memory: resources by name, each running on its own (real) clock from
 * the moment it was created, whichever worker follows it. Thread-safe: runner activities on several
 * workers share it.
 */
final class FakeCluster {

  /** What a job's resource does. */
  enum Mode {
    /** Runs for the script's duration, then exits with its exit code. */
    RUNS,
    /** Never exits on its own: the runner stops it at the job's deadline. */
    HANGS,
    /** Its image cannot be pulled. */
    IMAGE_MISSING,
    /** The runner itself fails before creating anything (a lost node). */
    RUNNER_FAILS
  }

  /**
   * The scripted behaviour of a job.
   *
   * @param failFirst how many job attempts exit with {@link #FLAKY_EXIT} before the script's own
   */
  record Script(Mode mode, int exitCode, Duration duration, int failFirst) {
    static Script succeeds() {
      return new Script(Mode.RUNS, 0, QUICK, 0);
    }

    static Script exits(int exitCode) {
      return new Script(Mode.RUNS, exitCode, QUICK, 0);
    }

    static Script of(Mode mode) {
      return new Script(mode, 0, QUICK, 0);
    }

    Script lasting(Duration d) {
      return new Script(mode, exitCode, d, failFirst);
    }

    Script failingFirst(int attempts) {
      return new Script(mode, exitCode, duration, attempts);
    }
  }

  /** The exit code of an attempt that a flaky script fails. */
  static final int FLAKY_EXIT = 1;

  /** How long a job runs unless told otherwise (real time: activities hold the test clock). */
  static final Duration QUICK = Duration.ofMillis(200);

  /** One resource: a Kubernetes Job, a container, a process. */
  static final class Resource {
    final String name;
    final JobRun run;
    final Script script;
    final long createdNanos = System.nanoTime();
    private boolean ended;

    Resource(String name, JobRun run, Script script) {
      this.name = name;
      this.run = run;
      this.script = script;
    }

    /** The exit code the attempt ends with. */
    int exitCode() {
      return run.attempt() <= script.failFirst() ? FLAKY_EXIT : script.exitCode();
    }

    boolean done() {
      return script.mode() == Mode.RUNS
          && System.nanoTime() - createdNanos >= script.duration().toNanos();
    }
  }

  /**
   * One build cleanup a runner carried out.
   *
   * @param running the build's resources still running when it came (none, when it comes after the
   *     last job)
   */
  record Cleanup(long buildId, String worker, List<String> running) {}

  /** A runner activity attempt that picked up a job attempt. */
  record Attach(String resource, String worker, int activityAttempt, String previousHeartbeat) {}

  private final Map<String, Script> scripts = new ConcurrentHashMap<>();
  private final Map<String, Resource> resources = new ConcurrentHashMap<>();
  private final Map<String, Integer> creations = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Resource>> created = new ConcurrentHashMap<>();
  private final List<String> deleted = new ArrayList<>();
  private final List<Attach> attaches = new ArrayList<>();
  private final List<JobRun> runs = new ArrayList<>();
  private final List<Cleanup> cleanups = new ArrayList<>();
  private int cleanupFailures;
  private int cleanupAttempts;
  private int live;
  private int mostLive;

  void script(String jobId, Script script) {
    scripts.put(jobId, script);
  }

  Script scriptOf(String jobId) {
    return scripts.getOrDefault(jobId, Script.succeeds());
  }

  /** Creates the resource unless one of that name exists: a retried activity re-attaches. */
  synchronized Resource ensureStarted(JobRun run) {
    Resource existing = resources.get(run.resourceName());
    if (existing != null) {
      return existing;
    }
    Resource resource = new Resource(run.resourceName(), run, scriptOf(run.jobId()));
    resources.put(resource.name, resource);
    creations.merge(resource.name, 1, Integer::sum);
    live++;
    mostLive = Math.max(mostLive, live);
    createdFuture(resource.name).complete(resource);
    return resource;
  }

  /** The resource exited: it stays (with its logs) but no longer runs. */
  synchronized void ended(Resource resource) {
    if (!resource.ended) {
      resource.ended = true;
      live--;
    }
  }

  /** Deletes the resource and whatever it runs; a no-op when it is gone. */
  synchronized void delete(String name) {
    Resource resource = resources.remove(name);
    if (resource != null) {
      ended(resource);
      deleted.add(name);
    }
  }

  /** The next {@code n} cleanup attempts fail like a runner whose engine does not answer. */
  synchronized void failCleanups(int n) {
    cleanupFailures = n;
  }

  /**
   * A runner cleaning up after a build: recorded with whatever of the build still runs; fails
   * (retryable) while {@link #failCleanups} says so.
   */
  synchronized void cleanup(long buildId, String worker) {
    cleanupAttempts++;
    if (cleanupFailures > 0) {
      cleanupFailures--;
      throw ApplicationFailure.newFailure("engine not answering", "ENGINE_DOWN");
    }
    String prefix = "build-" + buildId + "-";
    List<String> running =
        resources.values().stream()
            .filter(r -> r.name.startsWith(prefix) && !r.ended)
            .map(r -> r.name)
            .sorted()
            .toList();
    cleanups.add(new Cleanup(buildId, worker, running));
  }

  synchronized List<Cleanup> cleanups() {
    return List.copyOf(cleanups);
  }

  /** Cleanup attempts, failed ones included. */
  synchronized int cleanupAttempts() {
    return cleanupAttempts;
  }

  synchronized void attached(JobRun run, String worker, int activityAttempt, String previous) {
    runs.add(run);
    attaches.add(new Attach(run.resourceName(), worker, activityAttempt, previous));
  }

  /** Waits (bounded) until a resource of that name has been created. */
  Resource awaitCreated(String name) {
    try {
      return createdFuture(name).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new AssertionError("resource " + name + " was never created", e);
    }
  }

  private CompletableFuture<Resource> createdFuture(String name) {
    return created.computeIfAbsent(name, n -> new CompletableFuture<>());
  }

  synchronized boolean exists(String name) {
    return resources.containsKey(name);
  }

  /** How many times a resource of that name was created (0 when never). */
  synchronized int creations(String name) {
    return creations.getOrDefault(name, 0);
  }

  /** Names of every resource ever created, in no particular order. */
  synchronized List<String> createdNames() {
    return List.copyOf(creations.keySet());
  }

  synchronized List<String> deleted() {
    return List.copyOf(deleted);
  }

  synchronized List<Attach> attaches() {
    return List.copyOf(attaches);
  }

  /** Every JobRun a runner received, in order. */
  synchronized List<JobRun> runs() {
    return List.copyOf(runs);
  }

  /** The most resources that ran at the same time. */
  synchronized int mostLive() {
    return mostLive;
  }
}
