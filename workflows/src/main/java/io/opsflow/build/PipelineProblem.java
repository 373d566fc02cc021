package io.opsflow.build;

/**
 * One thing wrong with a pipeline YAML.
 *
 * @param line 1-based line of the offending node (0 when the document itself is the problem)
 * @param column 1-based column
 * @param path dotted path of the field, e.g. {@code jobs.test.needs}
 * @param message what is wrong, e.g. {@code needs unknown job 'bild'}
 */
public record PipelineProblem(int line, int column, String path, String message) {
  @Override
  public String toString() {
    return path + " (line " + line + ", column " + column + "): " + message;
  }
}
