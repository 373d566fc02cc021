package io.opsflow.build.runner;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Collects the {@link JobScript#OUTPUTS_MARKER} lines of an attempt's output and parses each step's
 * {@code $GITHUB_OUTPUT} file: {@code name=value} lines and {@code name<<DELIM} ... {@code DELIM}
 * blocks, as GitHub's runner reads them.
 */
final class StepOutputs {

  private final Map<String, Map<String, String>> outputs = new LinkedHashMap<>();

  /** Looks at one output line; keeps it when it reports a step's outputs. */
  void accept(String line) {
    if (!line.startsWith(JobScript.OUTPUTS_MARKER)) {
      return;
    }
    int close = line.indexOf("] ", JobScript.OUTPUTS_MARKER.length());
    if (close < 0) {
      return;
    }
    String id = line.substring(JobScript.OUTPUTS_MARKER.length(), close);
    try {
      byte[] file = Base64.getDecoder().decode(line.substring(close + 2).strip());
      outputs.put(id, parse(new String(file, StandardCharsets.UTF_8)));
    } catch (IllegalArgumentException e) {
      // Not ours (a step printed something alike): not an output.
    }
  }

  Map<String, Map<String, String>> outputs() {
    return outputs;
  }

  /** The variables of a {@code $GITHUB_OUTPUT} / {@code $GITHUB_ENV} file, later ones winning. */
  static Map<String, String> parse(String file) {
    Map<String, String> values = new LinkedHashMap<>();
    String[] lines = file.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int eq = line.indexOf('=');
      int heredoc = line.indexOf("<<");
      if (heredoc > 0 && (eq < 0 || heredoc < eq)) {
        String name = line.substring(0, heredoc);
        String delimiter = line.substring(heredoc + 2);
        StringBuilder value = new StringBuilder();
        int j = i + 1;
        while (j < lines.length && !lines[j].equals(delimiter)) {
          if (j > i + 1) {
            value.append('\n');
          }
          value.append(lines[j]);
          j++;
        }
        if (j < lines.length) {
          values.put(name, value.toString());
        }
        i = j;
      } else if (eq > 0) {
        values.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return values;
  }
}
