package io.opsflow.build;

import java.time.Duration;

/**
 * How a build runs, from configuration (opsflow.builds.*), fixed at the build's start.
 *
 * @param runner the runner kind: {@code kubernetes}, {@code docker} or {@code local}
 * @param runnerTaskQueue the task queue whose workers run that runner's jobs
 * @param parallelism the most jobs of one build running at once
 * @param defaultJobTimeout a job's limit when it has no {@code timeout-minutes}
 * @param heartbeatTimeout how long a job's runner may go silent before its activity is retried
 *     (worker gone); the retry re-attaches to the same resource
 * @param defaultImage the image of a job without {@code container.image}
 */
public record BuildSettings(
    String runner,
    String runnerTaskQueue,
    int parallelism,
    Duration defaultJobTimeout,
    Duration heartbeatTimeout,
    String defaultImage) {}
