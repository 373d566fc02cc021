package io.opsflow.api.build;

import io.opsflow.api.build.BuildDtos.BuildView;
import io.opsflow.api.build.BuildDtos.CancelRequest;
import io.opsflow.api.build.BuildDtos.LogPage;
import io.opsflow.api.web.Operators;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** Builds: status with every job, logs (page, plain text, live SSE), cancel and re-run. */
@RestController
@RequestMapping("/api/v1/builds")
public class BuildController {

  private final BuildService builds;
  private final BuildLogs logs;
  private final Operators operators;

  public BuildController(BuildService builds, BuildLogs logs, Operators operators) {
    this.builds = builds;
    this.logs = logs;
    this.operators = operators;
  }

  @GetMapping("/{id}")
  public BuildView get(@PathVariable long id) {
    return builds.get(id);
  }

  /** Cancels a running build: its Jobs, containers or processes are deleted. 409 when over. */
  @PostMapping("/{id}/cancel")
  public BuildView cancel(
      @PathVariable long id,
      @RequestBody(required = false) CancelRequest body,
      HttpServletRequest http) {
    String user = operators.require(http);
    return builds.cancel(id, user, body == null ? null : body.reason());
  }

  /** A new build of the same snapshot that reuses the jobs that succeeded. */
  @PostMapping("/{id}/rerun")
  public ResponseEntity<BuildView> rerun(@PathVariable long id, HttpServletRequest http) {
    String user = operators.require(http);
    BuildView build = builds.rerun(id, user);
    return ResponseEntity.created(URI.create("/api/v1/builds/" + build.id())).body(build);
  }

  /**
   * The job's log as plain text (the latest attempt unless {@code attempt} is given), like {@code
   * kubectl logs}.
   */
  @GetMapping(path = "/{id}/jobs/{job}/logs", produces = "text/plain")
  public String logText(
      @PathVariable long id,
      @PathVariable String job,
      @RequestParam(required = false) Integer attempt) {
    return logs.text(id, job, attempt);
  }

  /** A page of the log as JSON: lines after {@code after} (line numbers start at 0). */
  @GetMapping(path = "/{id}/jobs/{job}/logs", produces = "application/json")
  public LogPage logPage(
      @PathVariable long id,
      @PathVariable String job,
      @RequestParam(required = false) Integer attempt,
      @RequestParam(defaultValue = "-1") long after,
      @RequestParam(defaultValue = "1000") int limit) {
    return logs.page(id, job, attempt, after, Math.max(1, Math.min(limit, 10_000)));
  }

  /**
   * Follows the log live over SSE: every line as a {@code line} event whose id is {@code
   * <attempt>:<line>}, an {@code attempt} event when a retry starts, and a final {@code end} event
   * with the job's status. Reconnecting with {@code Last-Event-ID} resumes after that line.
   */
  @GetMapping(path = "/{id}/jobs/{job}/logs", produces = "text/event-stream")
  public SseEmitter follow(
      @PathVariable long id,
      @PathVariable String job,
      @RequestParam(required = false) Integer attempt,
      @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
    return logs.follow(id, job, attempt, lastEventId);
  }
}
