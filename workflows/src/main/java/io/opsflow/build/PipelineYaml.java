package io.opsflow.build;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads the text into one YAML node tree, never constructing objects (no tags are instantiated).
 * Limits keep hostile input cheap: a pipeline is at most {@link #MAX_CHARS} characters, {@link
 * #MAX_DEPTH} levels deep and may alias collections at most {@link #MAX_ALIASES} times (a "billion
 * laughs" document expands through aliases).
 */
final class PipelineYaml {

  static final int MAX_CHARS = 1 << 20;
  static final int MAX_DEPTH = 64;
  static final int MAX_ALIASES = 50;

  private PipelineYaml() {}

  /** The single document's root node, or null after adding the problem that prevents it. */
  static Node compose(String text, PipelineProblems problems) {
    if (text == null || text.isBlank()) {
      problems.document("", "pipeline is empty");
      return null;
    }
    if (text.length() > MAX_CHARS) {
      problems.document("", "pipeline is larger than " + MAX_CHARS + " characters");
      return null;
    }
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(MAX_CHARS);
    options.setNestingDepthLimit(MAX_DEPTH);
    options.setMaxAliasesForCollections(MAX_ALIASES);
    options.setAllowRecursiveKeys(false);
    // Duplicates are found on the node tree, so each is reported with its own position.
    options.setAllowDuplicateKeys(true);
    options.setMergeOnCompose(false);
    options.setProcessComments(false);
    try {
      Composer composer =
          new Composer(new ParserImpl(new StreamReader(text), options), new Resolver(), options);
      if (!composer.checkNode()) {
        problems.document("", "pipeline is empty");
        return null;
      }
      Node root = composer.getNode();
      if (composer.checkNode()) {
        problems.at(
            composer.getNode(),
            "",
            "only one YAML document is allowed; remove the '---' that starts a second one");
        return null;
      }
      return root;
    } catch (MarkedYAMLException e) {
      problems.at(
          e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark(),
          "",
          syntaxMessage(e));
      return null;
    } catch (ReaderException e) {
      int[] at = lineAndColumn(text, e.getPosition());
      problems.at(
          at[0],
          at[1],
          "",
          String.format("character U+%04X is not allowed in YAML", e.getCodePoint()));
      return null;
    } catch (YAMLException e) {
      // Limits (aliases, depth, size) are reported without a position.
      problems.document("", e.getMessage());
      return null;
    } catch (IllegalArgumentException e) {
      // SnakeYAML refuses some malformed tags (e.g. a verbatim tag "!< x>") this way, not with a
      // YAMLException: still the user's text, so still a 400.
      problems.document("", "invalid YAML: " + e.getMessage());
      return null;
    }
  }

  /** 1-based line and column of the code point at {@code position}. */
  private static int[] lineAndColumn(String text, int position) {
    int line = 1;
    int column = 1;
    int offset = 0;
    for (int i = 0; i < position && offset < text.length(); i++) {
      int c = text.codePointAt(offset);
      offset += Character.charCount(c);
      boolean crlf = c == '\r' && offset < text.length() && text.charAt(offset) == '\n';
      if ((c == '\n' || c == '\r') && !crlf) {
        line++;
        column = 1;
      } else if (!crlf) {
        column++;
      }
    }
    return new int[] {line, column};
  }

  private static String syntaxMessage(MarkedYAMLException e) {
    String problem = e.getProblem() != null ? e.getProblem() : "invalid YAML";
    if (e.getContext() == null) {
      return problem;
    }
    String where =
        e.getContextMark() == null
            ? ""
            : " at line "
                + (e.getContextMark().getLine() + 1)
                + ", column "
                + (e.getContextMark().getColumn() + 1);
    return problem + " (" + e.getContext() + where + ")";
  }
}
