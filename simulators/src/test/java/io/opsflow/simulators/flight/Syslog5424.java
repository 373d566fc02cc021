package io.opsflow.simulators.flight;

import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A strict reader of the RFC 5424 lines the tests receive: fails on anything malformed. */
record Syslog5424(
    int pri,
    OffsetDateTime timestamp,
    String hostname,
    String appName,
    String procId,
    String msgId,
    Map<String, Map<String, String>> structuredData,
    String msg) {

  private static final Pattern HEADER =
      Pattern.compile(
          "<(\\d{1,3})>1 (\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,6})?(?:Z|[+-]\\d{2}:\\d{2}))"
              + " ([!-~]{1,255}) ([!-~]{1,48}) ([!-~]{1,128}) ([!-~]{1,32}) ");
  private static final Pattern SD_NAME = Pattern.compile("[!#-~&&[^=\\] \"]]{1,32}");

  static Syslog5424 parse(String line) {
    Matcher header = HEADER.matcher(line);
    if (!header.lookingAt()) {
      throw new IllegalArgumentException("not an RFC 5424 header: " + line);
    }
    int pri = Integer.parseInt(header.group(1));
    if (pri > 191) {
      throw new IllegalArgumentException("PRI out of range: " + line);
    }
    int i = header.end();
    Map<String, Map<String, String>> sd = new LinkedHashMap<>();
    if (line.charAt(i) == '-') {
      i++;
    } else {
      while (i < line.length() && line.charAt(i) == '[') {
        int j = i + 1;
        while (j < line.length() && line.charAt(j) != ' ' && line.charAt(j) != ']') {
          j++;
        }
        String id = line.substring(i + 1, j);
        requireName(id, line);
        Map<String, String> params = new LinkedHashMap<>();
        while (line.charAt(j) == ' ') {
          int eq = line.indexOf('=', j);
          String name = line.substring(j + 1, eq);
          requireName(name, line);
          if (line.charAt(eq + 1) != '"') {
            throw new IllegalArgumentException("unquoted PARAM-VALUE: " + line);
          }
          StringBuilder value = new StringBuilder();
          int k = eq + 2;
          while (line.charAt(k) != '"') {
            char c = line.charAt(k);
            if (c == '\\' && "\"\\]".indexOf(line.charAt(k + 1)) >= 0) {
              value.append(line.charAt(k + 1));
              k += 2;
            } else if (c == ']') {
              throw new IllegalArgumentException("unescaped ] in PARAM-VALUE: " + line);
            } else {
              value.append(c);
              k++;
            }
          }
          params.put(name, value.toString());
          j = k + 1;
        }
        if (line.charAt(j) != ']') {
          throw new IllegalArgumentException("SD-ELEMENT not closed: " + line);
        }
        sd.put(id, params);
        i = j + 1;
      }
    }
    String msg = null;
    if (i < line.length()) {
      if (line.charAt(i) != ' ') {
        throw new IllegalArgumentException("no SP before MSG: " + line);
      }
      msg = line.substring(i + 1);
    }
    return new Syslog5424(
        pri,
        OffsetDateTime.parse(header.group(2)),
        header.group(3),
        header.group(4),
        header.group(5),
        header.group(6),
        sd,
        msg);
  }

  private static void requireName(String name, String line) {
    if (!SD_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("bad SD name '" + name + "': " + line);
    }
  }
}
