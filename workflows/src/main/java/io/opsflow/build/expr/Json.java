package io.opsflow.build.expr;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code toJSON} and {@code fromJSON}: expression values to and from JSON text. */
public final class Json {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  /** Pretty-printed with two-space indents, as GitHub prints it. */
  public static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out, "");
    return out.toString();
  }

  private static void write(Object value, StringBuilder out, String indent) {
    switch (Values.kind(value)) {
      case NULL -> out.append("null");
      case BOOLEAN -> out.append(value);
      case NUMBER -> {
        double d = ((Number) value).doubleValue();
        // JSON has no NaN or Infinity: GitHub writes them as strings' text would read.
        out.append(
            Double.isNaN(d) || Double.isInfinite(d)
                ? quote(Values.formatNumber(d))
                : Values.formatNumber(d));
      }
      case STRING -> out.append(quote(value.toString()));
      case ARRAY -> {
        List<?> list = (List<?>) value;
        if (list.isEmpty()) {
          out.append("[]");
          return;
        }
        out.append("[\n");
        String inner = indent + "  ";
        for (int i = 0; i < list.size(); i++) {
          out.append(inner);
          write(list.get(i), out, inner);
          out.append(i + 1 < list.size() ? ",\n" : "\n");
        }
        out.append(indent).append(']');
      }
      case OBJECT -> {
        Map<?, ?> map = (Map<?, ?>) value;
        if (map.isEmpty()) {
          out.append("{}");
          return;
        }
        out.append("{\n");
        String inner = indent + "  ";
        Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
        while (it.hasNext()) {
          Map.Entry<?, ?> e = it.next();
          out.append(inner).append(quote(String.valueOf(e.getKey()))).append(": ");
          write(e.getValue(), out, inner);
          out.append(it.hasNext() ? ",\n" : "\n");
        }
        out.append(indent).append('}');
      }
    }
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  /**
   * Parses JSON text into an expression value.
   *
   * @throws ExprException when the text is not JSON
   */
  public static Object read(String text) {
    JsonNode node;
    try {
      node = MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ExprException("fromJSON(): not JSON: " + e.getOriginalMessage().split("\n")[0], -1);
    }
    if (node == null || node.isMissingNode()) {
      throw new ExprException("fromJSON(): empty input", -1);
    }
    return value(node);
  }

  /** A value built from parsed JSON. */
  public static Object value(JsonNode node) {
    if (node.isNull()) {
      return null;
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isTextual()) {
      return node.textValue();
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(item -> list.add(value(item)));
      return list;
    }
    Map<String, Object> map = new LinkedHashMap<>();
    node.properties().forEach(e -> map.put(e.getKey(), value(e.getValue())));
    return map;
  }
}
