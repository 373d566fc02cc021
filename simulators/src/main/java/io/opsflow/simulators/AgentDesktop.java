package io.opsflow.simulators;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * What the venue PC shows: lock screen, session countdown overlay, notifications, logoff. Pure
 * state plus two timers (local expiry while offline, logoff grace); knows nothing about sockets.
 */
final class AgentDesktop {

  static final String SESSION_ENDED = "Session ended";
  static final String TIME_ADDED = "Time added!";

  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final BooleanSupplier online;

  private boolean locked = true;
  private boolean loggedOff;
  private boolean overlayVisible;
  private String lockMessage;
  private Long sessionId;
  private Long lastKnownSessionId;
  private Instant localEnd;
  private ScheduledFuture<?> expiryTask;
  private ScheduledFuture<?> logoffTask;
  private int offlineLocks;
  private final List<Long> warnings = new ArrayList<>();
  private final List<String> notifications = new ArrayList<>();

  AgentDesktop(
      Clock clock, ScheduledExecutorService scheduler, BooleanSupplier online, Long lastKnown) {
    this.clock = clock;
    this.scheduler = scheduler;
    this.online = online;
    this.lastKnownSessionId = lastKnown;
  }

  /**
   * Maps a server instant to the local clock: the server's clock read {@code serverTime} when the
   * message was built, which we take as "now" locally (transit time on a LAN is negligible).
   */
  Instant toLocal(Instant serverInstant, Instant serverTime) {
    if (serverTime == null) {
      return serverInstant;
    }
    return serverInstant.minus(Duration.between(clock.instant(), serverTime));
  }

  Instant now() {
    return clock.instant();
  }

  synchronized void startSession(long id, Instant end) {
    cancel(logoffTask);
    logoffTask = null;
    locked = false;
    loggedOff = false;
    overlayVisible = true;
    lockMessage = null;
    sessionId = id;
    lastKnownSessionId = id;
    countDownTo(end);
  }

  /** Moves the countdown if {@code id} is the running session; returns whether it was. */
  synchronized boolean extendSession(Long id, Instant end) {
    if (sessionId == null || (id != null && !id.equals(sessionId))) {
      return false;
    }
    countDownTo(end);
    notifications.add(TIME_ADDED);
    return true;
  }

  synchronized void warning(long remainingSeconds) {
    warnings.add(remainingSeconds);
  }

  /** Staff stop: lock, keep the user logged in. */
  synchronized void stopSession() {
    clearSession();
    locked = true;
  }

  /** Time is up: lock now with a notice, log off after the grace period. */
  synchronized void expireSession(long graceSeconds) {
    clearSession();
    locked = true;
    lockMessage = SESSION_ENDED;
    cancel(logoffTask);
    logoffTask = scheduler.schedule(this::logOff, Math.max(0, graceSeconds), TimeUnit.SECONDS);
  }

  /** The server knows nothing running: lock and forget the session. */
  synchronized void noSession() {
    clearSession();
    locked = true;
    lastKnownSessionId = null;
  }

  synchronized void endedElsewhere(long id) {
    clearSession();
    locked = true;
    lastKnownSessionId = id;
  }

  /** Called when the socket drops; the countdown keeps running locally. */
  synchronized void wentOffline() {
    checkLocalExpiry();
  }

  private synchronized void logOff() {
    loggedOff = true;
    overlayVisible = false;
    logoffTask = null;
  }

  private void countDownTo(Instant end) {
    localEnd = end;
    armExpiry();
  }

  // Rounded up and re-armed if early: the timer runs on nanoTime, the countdown on the wall clock.
  private void armExpiry() {
    cancel(expiryTask);
    long micros = Math.max(0, Duration.between(clock.instant(), localEnd).toNanos() / 1000);
    expiryTask =
        scheduler.schedule(this::onCountdownZero, micros / 1000 + 1, TimeUnit.MILLISECONDS);
  }

  private synchronized void onCountdownZero() {
    expiryTask = null;
    if (localEnd != null && clock.instant().isBefore(localEnd)) {
      armExpiry();
      return;
    }
    checkLocalExpiry();
  }

  // Online, the server decides when the session ends; offline the PC must not stay open forever.
  private void checkLocalExpiry() {
    if (sessionId == null || localEnd == null || online.getAsBoolean()) {
      return;
    }
    if (!clock.instant().isBefore(localEnd)) {
      clearSession();
      locked = true;
      lockMessage = SESSION_ENDED;
      offlineLocks++;
    }
  }

  private void clearSession() {
    cancel(expiryTask);
    expiryTask = null;
    sessionId = null;
    localEnd = null;
    overlayVisible = false;
  }

  private static void cancel(ScheduledFuture<?> task) {
    if (task != null) {
      task.cancel(false);
    }
  }

  synchronized boolean isLocked() {
    return locked;
  }

  synchronized boolean isLoggedOff() {
    return loggedOff;
  }

  synchronized boolean isOverlayVisible() {
    return overlayVisible;
  }

  synchronized String lockMessage() {
    return lockMessage;
  }

  synchronized Long sessionId() {
    return sessionId;
  }

  synchronized Long lastKnownSessionId() {
    return lastKnownSessionId;
  }

  synchronized Long remainingSeconds() {
    if (localEnd == null) {
      return null;
    }
    long millis = Duration.between(clock.instant(), localEnd).toMillis();
    return Math.max(0, (millis + 999) / 1000);
  }

  synchronized int offlineLocks() {
    return offlineLocks;
  }

  synchronized List<Long> warnings() {
    return List.copyOf(warnings);
  }

  synchronized List<String> notifications() {
    return List.copyOf(notifications);
  }

  synchronized void shutdown() {
    cancel(expiryTask);
    cancel(logoffTask);
  }
}
