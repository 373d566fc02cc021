package io.opsflow.build.runner;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Build logs in memory, with the table's semantics (a stored line number is kept as it is) and a
 * check the table cannot make: a batch must not leave a gap, and a repeated line must not differ.
 */
final class InMemoryBuildLogs implements BuildLogs {

  private final Map<String, List<String>> attempts = new HashMap<>();

  @Override
  public synchronized long count(long buildId, String jobId, int attempt) {
    return lines(buildId, jobId, attempt).size();
  }

  @Override
  public synchronized void append(
      long buildId, String jobId, int attempt, long firstLineNo, List<String> lines) {
    List<String> stored =
        attempts.computeIfAbsent(key(buildId, jobId, attempt), k -> new ArrayList<>());
    if (firstLineNo > stored.size()) {
      throw new AssertionError("gap: line " + firstLineNo + " after " + stored.size() + " lines");
    }
    for (int i = 0; i < lines.size(); i++) {
      long lineNo = firstLineNo + i;
      if (lineNo < stored.size()) {
        if (!stored.get((int) lineNo).equals(lines.get(i))) {
          throw new AssertionError("line " + lineNo + " stored differently");
        }
      } else {
        stored.add(lines.get(i));
      }
    }
  }

  synchronized List<String> lines(long buildId, String jobId, int attempt) {
    return List.copyOf(attempts.getOrDefault(key(buildId, jobId, attempt), List.of()));
  }

  private static String key(long buildId, String jobId, int attempt) {
    return buildId + "/" + jobId + "/" + attempt;
  }
}
