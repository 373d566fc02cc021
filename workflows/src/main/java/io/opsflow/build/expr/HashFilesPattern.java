package io.opsflow.build.expr;

/**
 * One line of a {@code hashFiles()} pattern, as GitHub's runner reads it (its glob library: lines
 * trimmed, empty lines and {@code #} comments skipped, a leading {@code !} excludes; relative to
 * the workspace; {@code *} and {@code ?} within a path segment, dot files included; {@code **} any
 * number of segments; {@code [...]} a character class; {@code \} escapes the next character; no
 * brace or extended globs; a pattern matching a directory matches the files under it), turned into
 * an anchored POSIX extended regular expression over a file's path relative to the workspace.
 */
public final class HashFilesPattern {

  private HashFilesPattern() {}

  /**
   * @return the regular expression, prefixed with {@code !} for an exclusion; null for a line that
   *     is empty or a comment
   * @throws IllegalArgumentException naming what the runner cannot match faithfully
   */
  public static String compile(String line) {
    String p = line.strip();
    if (p.isEmpty() || p.startsWith("#")) {
      return null;
    }
    boolean negate = false;
    while (p.startsWith("!")) {
      negate = !negate;
      p = p.substring(1);
    }
    if (p.isEmpty()) {
      throw new IllegalArgumentException("pattern '" + line + "' is only '!'");
    }
    if (p.startsWith("/") || p.startsWith("~")) {
      throw new IllegalArgumentException(
          "pattern '" + line + "' must be relative to the workspace (no leading / or ~)");
    }
    while (p.startsWith("./")) {
      p = p.substring(2);
    }
    boolean directoryOnly = p.endsWith("/");
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (p.isEmpty() || p.equals(".")) {
      return (negate ? "!" : "") + "^.+$";
    }
    StringBuilder re = new StringBuilder("^");
    String[] segments = p.split("/+");
    for (int s = 0; s < segments.length; s++) {
      String segment = segments[s];
      boolean last = s == segments.length - 1;
      if (segment.equals("..") || segment.equals(".")) {
        throw new IllegalArgumentException(
            "pattern '" + line + "' has a '" + segment + "' segment; write it from the workspace");
      }
      if (segment.equals("**")) {
        re.append(last ? ".*" : "(.*/)?");
        continue;
      }
      segment(segment, line, re);
      if (!last) {
        re.append('/');
      }
    }
    // A match may be a directory: the files under it match too.
    re.append(directoryOnly ? "/.+$" : "(/.*)?$");
    return (negate ? "!" : "") + re;
  }

  private static void segment(String segment, String line, StringBuilder re) {
    for (int i = 0; i < segment.length(); i++) {
      char c = segment.charAt(i);
      switch (c) {
        case '*' -> re.append("[^/]*");
        case '?' -> re.append("[^/]");
        case '\\' -> {
          if (i + 1 >= segment.length()) {
            throw new IllegalArgumentException("pattern '" + line + "' ends with '\\'");
          }
          literal(segment.charAt(++i), line, re);
        }
        case '[' -> {
          int close = segment.indexOf(']', i + 2);
          if (close < 0) {
            literal(c, line, re);
            break;
          }
          String body = segment.substring(i + 1, close);
          boolean not = body.startsWith("!") || body.startsWith("^");
          if (not) {
            body = body.substring(1);
          }
          if (body.isEmpty() || !body.matches("[A-Za-z0-9_.,+ -]+") || body.startsWith("-")) {
            throw new IllegalArgumentException(
                "pattern '"
                    + line
                    + "': only character classes of letters, digits and ranges are supported");
          }
          for (int r = 0; r + 2 < body.length(); r++) {
            if (body.charAt(r + 1) == '-' && body.charAt(r) > body.charAt(r + 2)) {
              throw new IllegalArgumentException(
                  "pattern '" + line + "': range " + body.substring(r, r + 3) + " is reversed");
            }
          }
          re.append('[').append(not ? "^/" : "").append(body).append(']');
          i = close;
        }
        default -> literal(c, line, re);
      }
    }
  }

  private static void literal(char c, String line, StringBuilder re) {
    if (c == '\\' || c == '^' || c == '\n' || c == '\r') {
      throw new IllegalArgumentException(
          "pattern '" + line + "' has a character the runner cannot match ('" + c + "')");
    }
    if (".[]()+{}|$*?".indexOf(c) >= 0) {
      re.append('[').append(c).append(']');
    } else {
      re.append(c);
    }
  }
}
