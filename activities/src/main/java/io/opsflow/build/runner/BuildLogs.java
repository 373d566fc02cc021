package io.opsflow.build.runner;

import java.util.List;

/**
 * Where a job attempt's output lines are kept, numbered from 0. Appending a line number that is
 * already stored is a no-op, so a re-attached runner that re-reads output cannot duplicate it.
 */
public interface BuildLogs {

  /** How many lines of the attempt are stored, which is also the next line number. */
  long count(long buildId, String jobId, int attempt);

  /**
   * Stores {@code lines} as line numbers {@code firstLineNo}, {@code firstLineNo + 1}, ...; lines
   * already stored under those numbers are kept as they are.
   */
  void append(long buildId, String jobId, int attempt, long firstLineNo, List<String> lines);
}
