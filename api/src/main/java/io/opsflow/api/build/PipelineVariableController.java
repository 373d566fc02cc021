package io.opsflow.api.build;

import io.opsflow.api.build.PipelineStore.Pipeline;
import io.opsflow.api.build.PipelineVariables.Put;
import io.opsflow.api.build.PipelineVariables.Variable;
import io.opsflow.api.web.ApiException;
import io.opsflow.api.web.Operators;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * A pipeline's configuration variables, GitHub's {@code vars}: listed by anyone who may read the
 * pipeline, set and deleted by those who may edit it (its creator and members). Values are not
 * secrets: they are shown in full.
 */
@RestController
@RequestMapping("/api/v1/pipelines/{id}/variables")
public class PipelineVariableController {

  /** The body of a PUT. */
  public record SetVariable(
      @Schema(
              requiredMode = Schema.RequiredMode.REQUIRED,
              description = "1 byte to 48 KB of text; not a secret",
              example = "staging")
          String value) {}

  private final PipelineStore pipelines;
  private final PipelineVariables variables;
  private final Operators operators;

  public PipelineVariableController(
      PipelineStore pipelines, PipelineVariables variables, Operators operators) {
    this.pipelines = pipelines;
    this.variables = variables;
    this.operators = operators;
  }

  @Operation(
      summary = "The pipeline's configuration variables",
      description =
          "Every variable by name, values in full (variables are not secrets). A build sees them"
              + " as they were when it started.")
  @GetMapping
  public List<Variable> list(@PathVariable long id) {
    pipelines.require(id);
    return variables.list(id);
  }

  @Operation(summary = "One configuration variable", description = "The name is case-insensitive.")
  @GetMapping("/{name}")
  public Variable get(@PathVariable long id, @PathVariable String name) {
    pipelines.require(id);
    return variables.get(id, name);
  }

  @Operation(
      summary = "Creates or replaces a configuration variable",
      description =
          "The name (letters, digits, underscore; not starting with a digit or GITHUB_) is stored"
              + " upper-cased. The value is 1 byte to 48 KB of text; a pipeline holds at most 500"
              + " variables and 256 KB of values (409 past either). 201 when created, 200 when"
              + " replaced. Builds already started keep the values they started with.")
  @PutMapping("/{name}")
  public ResponseEntity<Variable> put(
      @PathVariable long id,
      @Parameter(description = "the variable's name, case-insensitive") @PathVariable String name,
      @RequestBody(required = false) SetVariable body,
      HttpServletRequest http) {
    String user = operators.require(http);
    requireEditor(pipelines.require(id), user);
    Put put = variables.put(id, name, body == null ? null : body.value(), user);
    Variable v = put.variable();
    if (put.created()) {
      return ResponseEntity.created(
              URI.create("/api/v1/pipelines/" + id + "/variables/" + v.name()))
          .body(v);
    }
    return ResponseEntity.ok(v);
  }

  @Operation(
      summary = "Deletes a configuration variable",
      description = "Builds already started keep the value; later builds see it unset ('').")
  @DeleteMapping("/{name}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  public void delete(@PathVariable long id, @PathVariable String name, HttpServletRequest http) {
    String user = operators.require(http);
    requireEditor(pipelines.require(id), user);
    variables.delete(id, name);
  }

  /** The same rule as editing the pipeline: its creator and members. */
  private static void requireEditor(Pipeline p, String user) {
    if (!p.mayStart(user)) {
      throw ApiException.forbidden(
          "user '" + user + "' is not a member of pipeline '" + p.name() + "'");
    }
  }
}
