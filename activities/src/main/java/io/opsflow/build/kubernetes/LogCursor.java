package io.opsflow.build.kubernetes;

import io.opsflow.build.runner.JobBackend.LineSink;

/**
 * Numbers the lines of a log read again and again as it grows (the API server returns the whole
 * container log on every read) and hands each line from {@code skip} on to the sink exactly once. A
 * last line without its newline is held back until a later read completes it, or until the
 * container has finished and nothing can follow.
 */
final class LogCursor {

  private final long skip;
  private final LineSink sink;
  private long nextLineNo;
  private int consumed;

  LogCursor(long skip, LineSink sink) {
    this.skip = skip;
    this.sink = sink;
  }

  /**
   * Hands the lines of {@code log} not handed before.
   *
   * @param log the whole log as read now; a container log only grows, so what was consumed before
   *     is a prefix of it
   * @param complete whether the container has finished, so a last line without newline is whole
   */
  void offer(String log, boolean complete) {
    if (log.length() < consumed) {
      // Shorter than before: the node rotated the log. Lines cannot be numbered against it.
      return;
    }
    int start = consumed;
    for (int nl = log.indexOf('\n', start); nl >= 0; nl = log.indexOf('\n', start)) {
      emit(log.substring(start, nl));
      start = nl + 1;
    }
    if (complete && start < log.length()) {
      emit(log.substring(start));
      start = log.length();
    }
    consumed = start;
  }

  /** Lines seen so far, including those before {@code skip}. */
  long lines() {
    return nextLineNo;
  }

  private void emit(String line) {
    String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    if (nextLineNo >= skip) {
      sink.accept(nextLineNo, text);
    }
    nextLineNo++;
  }
}
