package io.opsflow.flight;

import java.time.Instant;

/**
 * Link statistics for one 5-minute window of onboard time (aligned to the epoch).
 *
 * @param start the window's start
 * @param messages points whose time falls in the window
 * @param messagesPerSecond messages over the seconds from the window's first to its last message
 * @param gaps silences longer than the metric gap threshold that ended in this window
 * @param maxGapSeconds the longest silence that ended in this window (0 when none)
 * @param latencyMinMs smallest receive-minus-onboard time; null without onboard times
 * @param latencyMeanMs mean receive-minus-onboard time
 * @param latencyMaxMs largest receive-minus-onboard time
 * @param latencyJitterMs standard deviation of receive-minus-onboard time
 * @param stability the share of whole seconds, from the window's first to its last message, that
 *     had at least one message: 1.0 for a steady link, lower the more it stutters
 */
public record MetricBucket(
    Instant start,
    long messages,
    double messagesPerSecond,
    int gaps,
    double maxGapSeconds,
    Double latencyMinMs,
    Double latencyMeanMs,
    Double latencyMaxMs,
    Double latencyJitterMs,
    double stability) {}
