package io.opsflow.build.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import io.opsflow.build.BuildFailure;
import io.opsflow.build.JobRun;
import io.opsflow.build.runner.InstallationToken;
import io.opsflow.build.runner.JobBackend;
import io.opsflow.build.runner.JobScript;
import io.opsflow.resilience.ServiceGuard;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each job attempt as a Docker container named {@code ofb<token>-<resourceName>} ({@link
 * #containerName}), labelled with {@value #LABEL_INSTALLATION}, {@value #LABEL_BUILD_ID}, {@value
 * #LABEL_JOB_ID} and {@value #LABEL_ATTEMPT}. The installation token keeps installations sharing
 * one engine apart: each fresh database numbers its builds from 1 again, so a name or label filter
 * by build id alone would meet another installation's build. The script runs as {@code sh -c} (the
 * image's entrypoint is overridden, stderr merged into stdout so lines keep the order they were
 * written in) under docker-init, in {@value #WORKSPACE}, where the build's named volume {@code
 * ofb<token>-build-<id>-workspace} is mounted: the jobs of one build share files there, like Tekton
 * workspaces. Images are never pulled unless pulling is enabled (this runner's images are built
 * locally). The output is read back from the engine's json-file log, so a new worker can re-read it
 * after a restart.
 *
 * <p>Cleanup: a finished attempt's container is removed once its output is stored; the workspace
 * volume stays until {@link #deleteWorkspace(long)} is called after the build.
 */
public final class DockerJobBackend implements JobBackend, AutoCloseable {

  public static final String LABEL_INSTALLATION = "opsflow.installation";
  public static final String LABEL_BUILD_ID = "opsflow.build-id";
  public static final String LABEL_JOB_ID = "opsflow.job-id";
  public static final String LABEL_ATTEMPT = "opsflow.attempt";

  /** The jobs' working directory, where the workspace volume is mounted. */
  public static final String WORKSPACE = "/workspace";

  private static final Logger log = LoggerFactory.getLogger(DockerJobBackend.class);

  private static final long POLL_MILLIS = 200;
  private static final long ALIVE_EVERY_MILLIS = 200;
  private static final int MAX_STREAM_REOPENS = 5;
  private static final Duration EXIT_WAIT = Duration.ofSeconds(30);
  private static final Instant NEVER_STARTED = Instant.parse("0001-01-01T00:00:00Z");
  private static final int MAX_NAME = 63;

  private final DockerClient docker;
  private final DockerClient streams;
  private final ServiceGuard engine;
  private final InstallationToken installation;
  private final String network;
  private final boolean pull;
  private final Duration stopGrace;

  /**
   * @param docker the engine's client; closed by {@link #close()}
   * @param installation the installation whose builds this backend runs; part of every name
   * @param network the containers' network mode ({@code none}: jobs get no network)
   * @param pull whether a missing image is pulled (false: it fails the job)
   * @param stopGrace time between TERM and KILL when a job is stopped at its timeout or cancelled
   */
  public DockerJobBackend(
      DockerClient docker,
      InstallationToken installation,
      String network,
      boolean pull,
      Duration stopGrace) {
    this(docker, docker, null, installation, network, pull, stopGrace);
  }

  /**
   * @param commands the engine's client for single calls, with a response timeout so no call hangs
   *     on an engine that stopped answering; closed by {@link #close()}
   * @param streams the engine's client for followed logs and image pulls (no response timeout: a
   *     job may print nothing for long); closed by {@link #close()}
   * @param engine the engine's circuit breaker; every backend call passes it and an engine fault
   *     ends the attempt with a retryable failure naming the engine; null: none
   */
  public DockerJobBackend(
      DockerClient commands,
      DockerClient streams,
      ServiceGuard engine,
      InstallationToken installation,
      String network,
      boolean pull,
      Duration stopGrace) {
    this.docker = commands;
    this.streams = streams;
    this.engine = engine;
    this.installation = installation;
    this.network = network;
    this.pull = pull;
    this.stopGrace = stopGrace;
  }

  @Override
  public String kind() {
    return "docker";
  }

  /** The name of the build's workspace volume: {@code ofb<token>-build-<id>-workspace}. */
  public String workspaceVolume(long buildId) {
    return workspaceVolume(installation, buildId);
  }

  /** The name of the workspace volume of {@code installation}'s build {@code buildId}. */
  public static String workspaceVolume(InstallationToken installation, long buildId) {
    return prefix(installation) + "build-" + buildId + "-workspace";
  }

  /** The name of the attempt's container: {@code ofb<token>-build-<id>-<job>-<attempt>}. */
  public String containerName(JobRun run) {
    return containerName(installation, run);
  }

  /**
   * The name of the container of {@code installation}'s attempt {@code run}: deterministic, at most
   * 63 characters (a long one keeps its start and ends in a hash of the whole, so names stay
   * distinct).
   */
  public static String containerName(InstallationToken installation, JobRun run) {
    String name = prefix(installation) + run.resourceName();
    if (name.length() <= MAX_NAME) {
      return name;
    }
    String hash = sha256Prefix(name);
    return name.substring(0, MAX_NAME - hash.length() - 1) + "-" + hash;
  }

  private static String prefix(InstallationToken installation) {
    return "ofb" + installation.value() + "-";
  }

  private static String sha256Prefix(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(Arrays.copyOf(digest, 4));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** The labels every resource of {@code buildId} carries, to find them again. */
  private Map<String, String> buildLabels(long buildId) {
    return Map.of(LABEL_INSTALLATION, installation.value(), LABEL_BUILD_ID, Long.toString(buildId));
  }

  private <T> T guarded(Supplier<T> call) {
    return engine == null ? call.get() : engine.call(call);
  }

  @Override
  public boolean ensureStarted(JobRun run) {
    return guarded(() -> startUnguarded(run));
  }

  private boolean startUnguarded(JobRun run) {
    String name = containerName(run);
    InspectContainerResponse container = inspect(name);
    boolean created = false;
    if (container == null) {
      created = create(run);
      container = inspect(name);
      if (container == null) {
        throw new IllegalStateException("container " + name + " vanished right after creation");
      }
    }
    if ("created".equals(container.getState().getStatus())) {
      try {
        docker.startContainerCmd(name).exec();
      } catch (NotModifiedException alreadyStarted) {
        // a concurrent call started it
      }
    }
    return created;
  }

  private boolean create(JobRun run) {
    String image = run.image();
    if (image == null || image.isBlank()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "image is required by the docker runner", BuildFailure.INVALID_JOB.type());
    }
    docker
        .createVolumeCmd()
        .withName(workspaceVolume(run.buildId()))
        .withLabels(buildLabels(run.buildId()))
        .exec();
    for (int tries = 0; ; tries++) {
      try {
        docker
            .createContainerCmd(image)
            .withName(containerName(run))
            .withLabels(
                Map.of(
                    LABEL_INSTALLATION, installation.value(),
                    LABEL_BUILD_ID, Long.toString(run.buildId()),
                    LABEL_JOB_ID, run.jobId(),
                    LABEL_ATTEMPT, Integer.toString(run.attempt())))
            .withEnv(
                run.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
            .withEntrypoint("sh", "-c")
            .withCmd("exec 2>&1\n" + JobScript.render(run))
            .withWorkingDir(WORKSPACE)
            .withTty(false)
            .withHostConfig(
                HostConfig.newHostConfig()
                    .withNetworkMode(network)
                    .withInit(true)
                    .withLogConfig(new LogConfig(LogConfig.LoggingType.JSON_FILE))
                    .withMounts(
                        List.of(
                            new Mount()
                                .withType(MountType.VOLUME)
                                .withSource(workspaceVolume(run.buildId()))
                                .withTarget(WORKSPACE))))
            .exec();
        return true;
      } catch (ConflictException exists) {
        return false; // created by an earlier or concurrent call
      } catch (NotFoundException e) {
        if (imageExists(image)) {
          throw ApplicationFailure.newNonRetryableFailure(
              "cannot create container " + containerName(run) + ": " + e.getMessage(),
              BuildFailure.INVALID_JOB.type());
        }
        if (!pull || tries > 0) {
          throw ApplicationFailure.newNonRetryableFailure(
              "image '" + image + "' not found on the runner", BuildFailure.IMAGE_NOT_FOUND.type());
        }
        pull(image);
      }
    }
  }

  private boolean imageExists(String image) {
    try {
      docker.inspectImageCmd(image).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  private void pull(String image) {
    try {
      streams.pullImageCmd(image).start().awaitCompletion(10, TimeUnit.MINUTES);
    } catch (NotFoundException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          "image '" + image + "' not found on the runner nor in its registry",
          BuildFailure.IMAGE_NOT_FOUND.type());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while pulling " + image, e);
    }
  }

  @Override
  public JobExit follow(JobRun run, long skip, LineSink lines, Runnable alive) {
    return guarded(() -> followUnguarded(run, skip, lines, alive));
  }

  private JobExit followUnguarded(JobRun run, long skip, LineSink lines, Runnable alive) {
    String name = containerName(run);
    InspectContainerResponse container = inspect(name);
    if (container == null) {
      return new JobExit(JobExit.LOST, false, "container " + name + " is gone");
    }
    Instant deadline = startedAt(container).plusSeconds(run.timeoutSeconds());
    boolean timedOut = false;
    long next = skip; // the next line number to hand on
    long seen = 0; // lines read from the current stream
    int reopens = 0;
    long lastAlive = System.nanoTime();
    LogPump pump = open(name);
    try {
      while (true) {
        Object item = pump.poll(POLL_MILLIS);
        if (item instanceof String line) {
          if (seen >= next) {
            lines.accept(seen, line);
            next = seen + 1;
            reopens = 0;
          }
          seen++;
        } else if (item instanceof Throwable error) {
          // A broken stream is re-read from the start; numbering skips what was handed on.
          if (++reopens > MAX_STREAM_REOPENS) {
            throw new IllegalStateException("log stream of " + name + " keeps failing", error);
          }
          log.warn("log stream of {} failed, reading it again: {}", name, error.toString());
          pump.close();
          pump = open(name);
          seen = 0;
        } else if (item == LogPump.END) {
          break;
        }
        if (System.nanoTime() - lastAlive >= TimeUnit.MILLISECONDS.toNanos(ALIVE_EVERY_MILLIS)) {
          alive.run();
          lastAlive = System.nanoTime();
        }
        if (!timedOut && Instant.now().isAfter(deadline)) {
          timedOut = stop(name); // the stream then ends and the loop drains it
        }
      }
    } finally {
      pump.close();
    }
    InspectContainerResponse exited = awaitExit(name, alive);
    if (exited == null) {
      return new JobExit(JobExit.LOST, timedOut, "container " + name + " is gone");
    }
    // A followed stream can end before the engine's log driver wrote a last line without a
    // newline (seen on 20.10): read the finished log once more and hand on what is new.
    readRest(name, next, lines);
    InspectContainerResponse.ContainerState state = exited.getState();
    Long code = state.getExitCodeLong();
    int exitCode = code == null ? JobExit.LOST : code.intValue();
    if (timedOut) {
      return new JobExit(exitCode, true, "timed out after " + run.timeoutSeconds() + " s");
    }
    String message = null;
    if (Boolean.TRUE.equals(state.getOOMKilled())) {
      message = "killed: out of memory";
    } else if (state.getError() != null && !state.getError().isBlank()) {
      message = state.getError();
    }
    return new JobExit(exitCode, false, message);
  }

  private LogPump open(String name) {
    return open(name, true);
  }

  private LogPump open(String name, boolean follow) {
    LogPump pump = new LogPump();
    streams
        .logContainerCmd(name)
        .withStdOut(true)
        .withStdErr(true)
        .withFollowStream(follow)
        .withTimestamps(false)
        .exec(pump);
    return pump;
  }

  /** Hands on the lines of the stopped container's whole log from line {@code next} on. */
  private void readRest(String name, long next, LineSink lines) {
    LogPump pump;
    try {
      pump = open(name, false);
    } catch (RuntimeException gone) {
      return;
    }
    try {
      long seen = 0;
      while (true) {
        Object item = pump.poll(EXIT_WAIT.toMillis());
        if (item instanceof String line) {
          if (seen >= next) {
            lines.accept(seen, line);
          }
          seen++;
        } else {
          // END, an error or nothing within the wait: what was read is what there is.
          return;
        }
      }
    } finally {
      pump.close();
    }
  }

  /** Waits until the engine reports the container stopped; null when it is gone. */
  private InspectContainerResponse awaitExit(String name, Runnable alive) {
    long end = System.nanoTime() + EXIT_WAIT.toNanos();
    while (true) {
      InspectContainerResponse c = inspect(name);
      if (c == null || !Boolean.TRUE.equals(c.getState().getRunning())) {
        return c;
      }
      if (System.nanoTime() > end) {
        throw new IllegalStateException(
            "container " + name + " still runs " + EXIT_WAIT + " after its log ended");
      }
      alive.run();
      sleep(POLL_MILLIS);
    }
  }

  /** Stops the container (TERM, KILL after the grace). Returns true; false when it is gone. */
  private boolean stop(String name) {
    try {
      docker.stopContainerCmd(name).withTimeout((int) stopGrace.toSeconds()).exec();
    } catch (NotModifiedException alreadyStopped) {
      // it ended on its own at the deadline
    } catch (NotFoundException gone) {
      return false;
    }
    return true;
  }

  @Override
  public void delete(JobRun run) {
    guarded(
        () -> {
          String name = containerName(run);
          InspectContainerResponse c = inspect(name);
          if (c != null) {
            if (Boolean.TRUE.equals(c.getState().getRunning())) {
              stop(name); // TERM first: a cancelled job may clean up
            }
            remove(name);
          }
          return null;
        });
  }

  @Override
  public void deleteWorkspace(long buildId) {
    guarded(
        () -> {
          deleteWorkspaceUnguarded(buildId);
          return null;
        });
  }

  private void deleteWorkspaceUnguarded(long buildId) {
    List<Container> left =
        docker.listContainersCmd().withShowAll(true).withLabelFilter(buildLabels(buildId)).exec();
    for (Container c : left) {
      remove(c.getId());
    }
    try {
      docker.removeVolumeCmd(workspaceVolume(buildId)).exec();
    } catch (NotFoundException gone) {
      // nothing to remove
    }
  }

  private void remove(String nameOrId) {
    try {
      docker.removeContainerCmd(nameOrId).withForce(true).withRemoveVolumes(false).exec();
    } catch (NotFoundException gone) {
      // removed already
    } catch (ConflictException inProgress) {
      // "removal already in progress": wait for the engine to finish it
      long end = System.nanoTime() + EXIT_WAIT.toNanos();
      while (inspect(nameOrId) != null) {
        if (System.nanoTime() > end) {
          throw new IllegalStateException("container " + nameOrId + " is not removed", inProgress);
        }
        sleep(POLL_MILLIS);
      }
    }
  }

  private InspectContainerResponse inspect(String name) {
    try {
      return docker.inspectContainerCmd(name).exec();
    } catch (NotFoundException e) {
      return null;
    }
  }

  private static Instant startedAt(InspectContainerResponse c) {
    String started = c.getState().getStartedAt();
    try {
      Instant at = started == null ? NEVER_STARTED : Instant.parse(started);
      return at.equals(NEVER_STARTED) ? Instant.now() : at;
    } catch (DateTimeParseException e) {
      return Instant.now();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() throws IOException {
    docker.close();
    if (streams != docker) {
      streams.close();
    }
  }
}
