package io.opsflow.build;

/**
 * What a concurrency group tells a build.
 *
 * @param granted true: the build holds the group and may run; false: it is cancelled
 * @param reason why it is cancelled, e.g. {@code superseded by build 12 in group deploy-main}
 */
public record ConcurrencySignal(boolean granted, String reason) {}
