package io.opsflow.api.build;

import io.opsflow.api.build.BuildDtos.BuildView;
import io.opsflow.api.build.BuildDtos.StartBuild;
import io.opsflow.api.build.PipelineDtos.CreatePipeline;
import io.opsflow.api.build.PipelineDtos.DagView;
import io.opsflow.api.build.PipelineDtos.PipelineView;
import io.opsflow.api.build.PipelineDtos.UpdatePipeline;
import io.opsflow.api.build.PipelineDtos.ValidatePipeline;
import io.opsflow.api.build.PipelineStore.Pipeline;
import io.opsflow.api.web.ApiException;
import io.opsflow.api.web.Operators;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Pipelines: create, update, list, get, validate; and starting their builds. */
@RestController
@RequestMapping("/api/v1/pipelines")
public class PipelineController {

  private final PipelineStore pipelines;
  private final BuildService builds;
  private final Operators operators;

  public PipelineController(PipelineStore pipelines, BuildService builds, Operators operators) {
    this.pipelines = pipelines;
    this.builds = builds;
    this.operators = operators;
  }

  @PostMapping
  public ResponseEntity<PipelineView> create(
      @Valid @RequestBody CreatePipeline body, HttpServletRequest http) {
    String user = operators.require(http);
    PipelineStore.parse(body.yaml());
    Pipeline p = pipelines.create(body.name().strip(), body.yaml(), user, body.members());
    return ResponseEntity.created(URI.create("/api/v1/pipelines/" + p.id()))
        .body(PipelineStore.view(p));
  }

  @PutMapping("/{id}")
  public PipelineView update(
      @PathVariable long id, @Valid @RequestBody UpdatePipeline body, HttpServletRequest http) {
    String user = operators.require(http);
    Pipeline p = pipelines.require(id);
    if (!p.mayStart(user)) {
      throw ApiException.forbidden(
          "user '" + user + "' is not a member of pipeline '" + p.name() + "'");
    }
    if (body.yaml() != null) {
      PipelineStore.parse(body.yaml());
    }
    String name = body.name() == null ? null : body.name().strip();
    return PipelineStore.view(pipelines.update(id, name, body.yaml(), body.members()));
  }

  @GetMapping
  public List<PipelineView> list() {
    return pipelines.list().stream().map(PipelineStore::view).toList();
  }

  @GetMapping("/{id}")
  public PipelineView get(@PathVariable long id) {
    return PipelineStore.view(pipelines.require(id));
  }

  /** Parses and validates without saving or running anything: the DAG, or 400 with problems. */
  @PostMapping(path = "/validate", consumes = "application/json")
  public DagView validate(@Valid @RequestBody ValidatePipeline body) {
    return DagView.of(PipelineStore.parse(body.yaml()));
  }

  /** The same, with the YAML itself as the body ({@code --data-binary @ci.yml}). */
  @PostMapping(
      path = "/validate",
      consumes = {"application/yaml", "application/x-yaml", "text/yaml", "text/plain"})
  public DagView validateRaw(@RequestBody String yaml) {
    return DagView.of(PipelineStore.parse(yaml));
  }

  /**
   * Starts a build: 404 for an unknown pipeline, 403 when the caller is not a member; the build is
   * returned at once, QUEUED, with a snapshot of the YAML as it is now. The optional body gives the
   * trigger ({@code event}, {@code ref}, {@code sha}, {@code inputs}): 400 naming a bad input, 422
   * when the pipeline's {@code on:} does not run on it.
   */
  @PostMapping("/{id}/builds")
  public ResponseEntity<BuildView> startBuild(
      @PathVariable long id,
      @RequestBody(required = false) StartBuild body,
      HttpServletRequest http) {
    String user = operators.require(http);
    BuildView build = builds.start(id, user, body);
    return ResponseEntity.created(URI.create("/api/v1/builds/" + build.id())).body(build);
  }

  @GetMapping("/{id}/builds")
  public List<BuildView> builds(
      @PathVariable long id, @RequestParam(defaultValue = "50") int limit) {
    pipelines.require(id);
    return builds.listOf(id, Math.max(1, Math.min(limit, 500)));
  }
}
