package io.opsflow.build.kubernetes;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.opsflow.build.BuildFailure;
import io.opsflow.build.JobRun;
import io.opsflow.build.runner.JobScript;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The batch/v1 Job of one job attempt, as {@link KubernetesJobBackend} creates it. */
final class JobManifest {

  /** The one container of the pod; its log is the job's output. */
  static final String CONTAINER = "job";

  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  static final String BUILD_ID = "opsflow.io/build-id";
  static final String JOB_ID = "opsflow.io/job-id";
  static final String ATTEMPT = "opsflow.io/attempt";

  private static final int MAX_LABEL_VALUE = 63;

  private JobManifest() {}

  /**
   * The Job for {@code run}; fails non-retryably with {@link BuildFailure#INVALID_JOB} when the run
   * cannot become one.
   */
  static Job of(JobRun run, KubernetesRunnerProperties props) {
    validate(run);
    Map<String, String> labels = labels(run);
    // Label values are restricted (63 chars, no '/'); the annotation keeps the id as written.
    Map<String, String> annotations = Map.of(JOB_ID, run.jobId());
    return new JobBuilder()
        .withNewMetadata()
        .withName(run.resourceName())
        .withNamespace(props.namespace())
        .withLabels(labels)
        .withAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
        // Retries are the workflow's job attempts, each a new Job: the cluster must not retry.
        .withBackoffLimit(0)
        .withActiveDeadlineSeconds(run.timeoutSeconds())
        .withTtlSecondsAfterFinished(props.ttlSecondsAfterFinished())
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .withAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        .withServiceAccountName(props.serviceAccount())
        // Without a configured account a CI script gets no credentials for the cluster it runs in.
        .withAutomountServiceAccountToken(props.serviceAccount() == null ? Boolean.FALSE : null)
        .addNewContainer()
        .withName(CONTAINER)
        .withImage(run.image())
        .withImagePullPolicy(props.imagePullPolicy())
        .withCommand("/bin/sh", "-c", JobScript.render(run))
        .withEnv(env(run))
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  static Map<String, String> labels(JobRun run) {
    return Map.of(
        MANAGED_BY, "opsflow",
        BUILD_ID, Long.toString(run.buildId()),
        JOB_ID, labelValue(run.jobId()),
        ATTEMPT, Integer.toString(run.attempt()));
  }

  /**
   * {@code raw} as a valid label value: at most 63 characters of {@code [A-Za-z0-9._-]}, starting
   * and ending with a letter or digit. Long values keep a hash of the original so that ids sharing
   * a long prefix stay distinct.
   */
  static String labelValue(String raw) {
    String value = raw.replaceAll("[^A-Za-z0-9._-]", "-");
    if (value.length() > MAX_LABEL_VALUE) {
      String hash = Integer.toHexString(raw.hashCode());
      value = value.substring(0, MAX_LABEL_VALUE - hash.length() - 1) + "-" + hash;
    }
    return value.replaceAll("^[^A-Za-z0-9]+", "").replaceAll("[^A-Za-z0-9]+$", "");
  }

  private static List<EnvVar> env(JobRun run) {
    // Sorted: the same run always renders the same spec.
    return new TreeMap<>(run.env())
        .entrySet().stream().map(e -> new EnvVar(e.getKey(), e.getValue(), null)).toList();
  }

  private static void validate(JobRun run) {
    if (run.image() == null || run.image().isBlank()) {
      throw invalid(run, "image must not be blank");
    }
    if (run.timeoutSeconds() <= 0) {
      throw invalid(run, "timeoutSeconds must be positive, was " + run.timeoutSeconds());
    }
  }

  private static ApplicationFailure invalid(JobRun run, String problem) {
    return ApplicationFailure.newNonRetryableFailure(
        "job '" + run.jobId() + "': " + problem, BuildFailure.INVALID_JOB.type());
  }
}
