package io.opsflow.build.runner;

/**
 * The runner this process's configuration chose, for the API to record in each build's settings.
 *
 * @param kind {@code docker} or {@code local} (the {@link JobBackend#kind()})
 * @param taskQueue the task queue whose workers run this runner's jobs
 */
public record BuildRunnerInfo(String kind, String taskQueue) {}
