package io.opsflow.build;

import io.opsflow.build.expr.ExprContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The expression contexts a build knows from its request: {@code github} (from the trigger), {@code
 * inputs} and {@code vars} (the pipeline's configuration variables snapshotted into the request).
 * Pure: the workflow and the API build the same values from the same request.
 */
public final class BuildContexts {

  private BuildContexts() {}

  /**
   * The {@code github} context of build {@code buildId} started by {@code trigger} (may be null).
   */
  public static Map<String, Object> github(BuildTrigger trigger, long buildId, String workflow) {
    BuildTrigger t =
        trigger != null ? trigger : new BuildTrigger(null, null, null, null, null, 0, null);
    String ref = nz(t.ref());
    Map<String, Object> github = new LinkedHashMap<>();
    github.put("event_name", nz(t.event()));
    github.put("ref", ref);
    github.put(
        "ref_name",
        ref.startsWith("refs/heads/")
            ? ref.substring("refs/heads/".length())
            : ref.startsWith("refs/tags/") ? ref.substring("refs/tags/".length()) : ref);
    github.put("ref_type", ref.startsWith("refs/tags/") ? "tag" : ref.isEmpty() ? "" : "branch");
    github.put("sha", nz(t.sha()));
    github.put("actor", nz(t.actor()));
    github.put("triggering_actor", nz(t.actor()));
    github.put("repository", nz(t.repository()));
    github.put("workflow", workflow == null ? "" : workflow);
    github.put("run_id", String.valueOf(buildId));
    github.put("run_number", String.valueOf(t.number()));
    github.put("run_attempt", "1");
    github.put("event", Map.of("inputs", t.inputs()));
    return github;
  }

  /** {@code github}, {@code inputs} and an empty {@code vars}: what is known before any job. */
  public static Map<String, Object> workflowContexts(
      BuildTrigger trigger, long buildId, String workflow) {
    return workflowContexts(trigger, Map.of(), buildId, workflow);
  }

  /**
   * {@code github}, {@code inputs} and {@code vars}: what is known before any job. Variable names
   * are matched case-insensitively by the expressions ({@code vars.deploy_env} is {@code
   * DEPLOY_ENV}); an unset variable is null, which compares equal to {@code ''}.
   */
  public static Map<String, Object> workflowContexts(
      BuildTrigger trigger, Map<String, String> vars, long buildId, String workflow) {
    Map<String, Object> contexts = new LinkedHashMap<>();
    contexts.put("github", github(trigger, buildId, workflow));
    contexts.put("inputs", trigger == null ? Map.of() : trigger.inputs());
    contexts.put(
        "vars",
        vars == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(vars)));
    return contexts;
  }

  /** An evaluation context over fixed values; status functions as for a job that may run. */
  public static ExprContext of(Map<String, Object> contexts) {
    return new ExprContext() {
      @Override
      public Object context(String name) {
        return contexts.get(name);
      }

      @Override
      public boolean status(String function) {
        return !function.equals("cancelled") && !function.equals("failure");
      }
    };
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
