package io.opsflow.api.build;

import io.opsflow.api.build.BuildDtos.LogLine;
import io.opsflow.api.build.BuildDtos.LogPage;
import io.opsflow.api.build.BuildRows.JobHead;
import io.opsflow.api.web.ApiException;
import io.opsflow.api.web.OpenStreams;
import io.opsflow.build.runner.BuildLogStore;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Reads job logs from PostgreSQL, where runners stream them line by line, and follows them live. A
 * reused job of a re-run shows the log of the build that ran it.
 */
@Component
public class BuildLogs {

  private static final Logger log = LoggerFactory.getLogger(BuildLogs.class);
  private static final int BATCH = 1000;
  private static final long KEEPALIVE_MILLIS = 15_000;

  private final BuildRows rows;
  private final BuildLogStore store;
  private final LogHub hub;
  private final OpenStreams streams;

  public BuildLogs(BuildRows rows, BuildLogStore store, LogHub hub, OpenStreams streams) {
    this.rows = rows;
    this.store = store;
    this.hub = hub;
    this.streams = streams;
  }

  /** Lines of one attempt numbered above {@code after} (-1: from the start), as runners stored. */
  private List<LogLine> lines(long buildId, String jobId, int attempt, long after, int limit) {
    return store.read(buildId, jobId, attempt, after, limit).stream()
        .map(l -> new LogLine(l.lineNo(), l.line()))
        .toList();
  }

  /** Where a job's log lives: its own build, or the build a re-run reused it from. */
  private record Source(long buildId, String jobId, JobHead head) {}

  private Source source(long buildId, String jobId) {
    rows.head(buildId).orElseThrow(() -> ApiException.notFound("build " + buildId + " not found"));
    JobHead head =
        rows.job(buildId, jobId)
            .orElseThrow(
                () -> ApiException.notFound("build " + buildId + " has no job '" + jobId + "'"));
    if (head.reusedFromBuild() != null) {
      JobHead original = rows.job(head.reusedFromBuild(), jobId).orElse(head);
      return new Source(head.reusedFromBuild(), jobId, original);
    }
    return new Source(buildId, jobId, head);
  }

  private static int attemptOf(JobHead head, Integer requested) {
    if (requested != null) {
      if (requested < 1) {
        throw ApiException.badRequest("attempt", "attempt: must be 1 or more");
      }
      return requested;
    }
    return Math.max(1, head.attempt());
  }

  public String text(long buildId, String jobId, Integer attempt) {
    Source src = source(buildId, jobId);
    int a = attemptOf(src.head(), attempt);
    StringBuilder out = new StringBuilder();
    long after = -1;
    while (true) {
      List<LogLine> lines = lines(src.buildId(), jobId, a, after, BATCH);
      for (LogLine line : lines) {
        out.append(line.text()).append('\n');
        after = line.n();
      }
      if (lines.size() < BATCH) {
        return out.toString();
      }
    }
  }

  public LogPage page(long buildId, String jobId, Integer attempt, long after, int limit) {
    Source src = source(buildId, jobId);
    int a = attemptOf(src.head(), attempt);
    List<LogLine> lines = lines(src.buildId(), jobId, a, after, limit);
    long next = lines.isEmpty() ? after : lines.get(lines.size() - 1).n();
    boolean finished = src.head().finished() || src.head().attempt() > a;
    return new LogPage(buildId, jobId, a, lines, next, finished, src.head().status());
  }

  public SseEmitter follow(long buildId, String jobId, Integer attempt, String lastEventId) {
    Source src = source(buildId, jobId);
    int startAttempt = attemptOf(src.head(), attempt);
    long after = -1;
    if (lastEventId != null && !lastEventId.isBlank()) {
      String[] parts = lastEventId.strip().split(":");
      try {
        startAttempt = Integer.parseInt(parts[0]);
        after = Long.parseLong(parts[1]);
      } catch (RuntimeException e) {
        throw ApiException.badRequest(
            "Last-Event-ID", "Last-Event-ID: expected <attempt>:<line>, got '" + lastEventId + "'");
      }
    }
    SseEmitter emitter = streams.open();
    int first = startAttempt;
    long from = after;
    // Only a follower that did not pin an attempt moves on to the job's retries.
    boolean followRetries = attempt == null;
    Thread.ofVirtual()
        .name("log-follow-" + buildId + "-" + jobId)
        .start(() -> stream(emitter, src, first, from, followRetries));
    return emitter;
  }

  private void stream(SseEmitter emitter, Source src, int attempt, long after, boolean retries) {
    try (LogHub.Watch watch = hub.watch(src.buildId(), src.jobId())) {
      emitter.send(SseEmitter.event().comment("following attempt " + attempt));
      long quietSince = System.currentTimeMillis();
      while (true) {
        // The status is read before the lines: a runner stores every line before the workflow
        // records the job's end, so "finished and nothing more to read" really is the end.
        JobHead head = rows.job(src.buildId(), src.jobId()).orElseThrow();
        List<LogLine> lines = lines(src.buildId(), src.jobId(), attempt, after, BATCH);
        for (LogLine line : lines) {
          emitter.send(
              SseEmitter.event()
                  .id(attempt + ":" + line.n())
                  .name("line")
                  .data(line.text(), MediaType.TEXT_PLAIN));
          after = line.n();
        }
        if (!lines.isEmpty()) {
          quietSince = System.currentTimeMillis();
          continue;
        }
        if (retries && head.attempt() > attempt) {
          attempt++;
          after = -1;
          emitter.send(
              SseEmitter.event()
                  .name("attempt")
                  .data(Map.of("attempt", attempt), MediaType.APPLICATION_JSON));
          continue;
        }
        if (head.finished() && head.attempt() <= attempt) {
          emitter.send(
              SseEmitter.event()
                  .name("end")
                  .data(
                      Map.of("status", head.status(), "attempt", head.attempt()),
                      MediaType.APPLICATION_JSON));
          emitter.complete();
          return;
        }
        if (System.currentTimeMillis() - quietSince > KEEPALIVE_MILLIS) {
          emitter.send(SseEmitter.event().comment("keep-alive"));
          quietSince = System.currentTimeMillis();
        }
        watch.await(1000);
      }
    } catch (IOException | IllegalStateException gone) {
      // The client went away.
    } catch (InterruptedException e) {
      emitter.complete();
    } catch (RuntimeException e) {
      log.warn("log stream of build {} job {} failed", src.buildId(), src.jobId(), e);
      emitter.completeWithError(e);
    }
  }
}
