package io.opsflow.build.runner;

import io.opsflow.build.JobRun;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Collects an attempt's lines and stores them in batches: when {@value #MAX_LINES} are pending,
 * when the oldest pending line is {@value #MAX_AGE_MILLIS} ms old (checked on each line and on each
 * {@link #flush}), and at the end. Batching keeps a chatty job at a few inserts a second; the age
 * bound keeps live log views close behind.
 */
final class LogBuffer implements JobBackend.LineSink {

  static final int MAX_LINES = 500;
  static final long MAX_AGE_MILLIS = 200;

  private final BuildLogs logs;
  private final JobRun run;
  private final List<String> pending = new ArrayList<>();
  private long pendingFrom;
  private long next;
  private long oldestNanos;

  /**
   * @param stored the lines of the attempt already stored; the next line expected has this number
   */
  LogBuffer(BuildLogs logs, JobRun run, long stored) {
    this.logs = logs;
    this.run = run;
    this.next = stored;
    this.pendingFrom = stored;
  }

  @Override
  public void accept(long lineNo, String line) {
    if (lineNo < next) {
      return; // stored already: a backend delivered from before skip
    }
    if (lineNo != next) {
      // Keep each batch contiguous; the store numbers a batch from its first line.
      flush();
    }
    if (pending.isEmpty()) {
      pendingFrom = lineNo;
      oldestNanos = System.nanoTime();
    }
    pending.add(line);
    next = lineNo + 1;
    if (pending.size() >= MAX_LINES) {
      flush();
    } else {
      flushIfOld();
    }
  }

  /** Stores pending lines if the oldest has waited long enough. */
  void flushIfOld() {
    if (!pending.isEmpty()
        && System.nanoTime() - oldestNanos >= TimeUnit.MILLISECONDS.toNanos(MAX_AGE_MILLIS)) {
      flush();
    }
  }

  /** Stores every pending line. */
  void flush() {
    if (pending.isEmpty()) {
      return;
    }
    logs.append(run.buildId(), run.jobId(), run.attempt(), pendingFrom, List.copyOf(pending));
    pending.clear();
  }

  /** The number of the next line: lines stored plus pending. */
  long lines() {
    return next;
  }
}
