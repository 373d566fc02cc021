package io.opsflow.api.workload;

import io.opsflow.api.web.ApiException;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits the seed's {@code command} string into Docker's argv the way a POSIX shell splits words:
 * whitespace separates, single quotes keep everything, double quotes keep everything but {@code \"}
 * and {@code \\}, a backslash outside quotes escapes the next character. No expansion happens
 * ({@code $HOME} stays literal), as with Docker's exec form.
 */
final class CommandLine {

  private CommandLine() {}

  static List<String> split(String command) {
    List<String> words = new ArrayList<>();
    if (command == null) {
      return words;
    }
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < command.length(); i++) {
      char c = command.charAt(i);
      if (quote == '\'') {
        if (c == '\'') {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (quote == '"') {
        if (c == '"') {
          quote = 0;
        } else if (c == '\\'
            && i + 1 < command.length()
            && (command.charAt(i + 1) == '"' || command.charAt(i + 1) == '\\')) {
          word.append(command.charAt(++i));
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (c == '\\') {
        if (i + 1 == command.length()) {
          throw ApiException.badRequest("command", "command: ends with a lone backslash");
        }
        word.append(command.charAt(++i));
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (quote != 0) {
      throw ApiException.badRequest("command", "command: unterminated " + quote + " quote");
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }
}
