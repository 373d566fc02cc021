package io.opsflow.api.pass;

import io.opsflow.api.web.ApiException;
import java.util.ArrayList;
import java.util.List;

/**
 * RFC 4180 CSV: fields separated by commas, quoted with {@code "} when they hold commas, quotes
 * ({@code ""}) or line breaks; CRLF or LF line ends; blank lines skipped.
 */
final class Csv {

  /** One record and the line it starts on (from 1). */
  record Row(int line, List<String> fields) {}

  private Csv() {}

  static List<Row> parse(String text) {
    List<Row> rows = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int line = 1;
    int start = 1;
    boolean quoted = false;
    boolean wasQuoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          if (c == '\n') {
            line++;
          }
          field.append(c);
        }
      } else if (c == '"' && field.isEmpty() && !wasQuoted) {
        quoted = true;
        wasQuoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
        wasQuoted = false;
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
          i++;
        }
        fields.add(field.toString());
        add(rows, start, fields);
        fields = new ArrayList<>();
        field.setLength(0);
        wasQuoted = false;
        line++;
        start = line;
      } else if (wasQuoted) {
        throw ApiException.badRequest(
            "body", "body: line " + line + ": text after a closing quote");
      } else {
        field.append(c);
      }
    }
    if (quoted) {
      throw ApiException.badRequest(
          "body", "body: the quoted field starting on line " + start + " is never closed");
    }
    fields.add(field.toString());
    add(rows, start, fields);
    return rows;
  }

  private static void add(List<Row> rows, int line, List<String> fields) {
    if (fields.size() == 1 && fields.get(0).isBlank()) {
      return;
    }
    rows.add(new Row(line, List.copyOf(fields)));
  }
}
