package io.opsflow.session;

import java.time.Instant;

/**
 * What the workflow knows of its session, returned by queries and updates.
 *
 * @param failure failure type when status is FAILED, else null
 */
public record SessionView(
    long sessionId,
    long stationId,
    long userId,
    SessionStatus status,
    PaymentMethod paymentMethod,
    Long paymentId,
    String clientSecret,
    Instant startedAt,
    Instant scheduledEndAt,
    Instant endedAt,
    int durationMinutes,
    int extendedMinutes,
    SessionFailure failure,
    String failureMessage) {}
