package io.opsflow.api.pass;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.opsflow.api.pass.PassDtos.ImportLine;
import io.opsflow.api.pass.PassDtos.ImportReport;
import io.opsflow.api.pass.PassDtos.ReservePass;
import io.opsflow.api.web.ApiException;
import io.opsflow.pass.ProcedureGraph;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * A file of passes reserved line by line: each line accepted with its pass id or refused with the
 * reason (a bad field, an overlap naming the other pass); good lines are saved whatever the others
 * are, in file order, so a later line overlapping an earlier one names it. Each accepted line's
 * workflow is started as for a single reservation; a line whose workflow cannot be started is
 * refused (its row cancelled).
 */
@Component
public class PassImport {

  static final int MAX_LINES = 1000;

  /** CSV columns; the first four are required. */
  static final List<String> COLUMNS =
      List.of(
          "satellite",
          "ground_station_id",
          "aos",
          "los",
          "lead_time_seconds",
          "procedure",
          "parameters");

  private static final PropertyNamingStrategies.SnakeCaseStrategy SNAKE =
      new PropertyNamingStrategies.SnakeCaseStrategy();
  private static final TypeReference<Map<String, String>> PARAMETERS = new TypeReference<>() {};

  private final PassService passes;
  private final Validator validator;
  private final ObjectMapper mapper;

  public PassImport(PassService passes, Validator validator, ObjectMapper mapper) {
    this.passes = passes;
    this.validator = validator;
    this.mapper = mapper;
  }

  public ImportReport json(List<ReservePass> items, String user) {
    if (items == null || items.isEmpty()) {
      throw ApiException.badRequest("body", "body: a JSON array of passes is required");
    }
    if (items.size() > MAX_LINES) {
      throw ApiException.badRequest("body", "body: at most " + MAX_LINES + " passes");
    }
    List<ImportLine> lines = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      lines.add(reserve(i + 1, items.get(i), user));
    }
    return report(lines);
  }

  public ImportReport csv(String text, String user) {
    List<Csv.Row> rows = Csv.parse(text == null ? "" : text);
    if (rows.isEmpty()) {
      throw ApiException.badRequest("body", "body: a header line and passes are required");
    }
    if (rows.size() > MAX_LINES + 1) {
      throw ApiException.badRequest("body", "body: at most " + MAX_LINES + " passes");
    }
    Map<String, Integer> header = new HashMap<>();
    List<String> names = rows.get(0).fields();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i).strip().toLowerCase(Locale.ROOT);
      if (!COLUMNS.contains(name)) {
        throw ApiException.badRequest(
            "header",
            "header: unknown column '"
                + clip(name)
                + "' (known: "
                + String.join(", ", COLUMNS)
                + ")");
      }
      if (header.put(name, i) != null) {
        throw ApiException.badRequest("header", "header: column '" + name + "' twice");
      }
    }
    for (String required : COLUMNS.subList(0, 4)) {
      if (!header.containsKey(required)) {
        throw ApiException.badRequest("header", "header: column '" + required + "' is required");
      }
    }
    List<ImportLine> lines = new ArrayList<>();
    for (Csv.Row row : rows.subList(1, rows.size())) {
      if (row.fields().size() != names.size()) {
        lines.add(
            refused(
                row.line(),
                null,
                "expected " + names.size() + " fields, found " + row.fields().size(),
                null));
        continue;
      }
      ReservePass pass;
      try {
        pass = fromCsv(header, row.fields());
      } catch (ApiException e) {
        lines.add(refused(row.line(), e.field(), e.getMessage(), null));
        continue;
      }
      lines.add(reserve(row.line(), pass, user));
    }
    return report(lines);
  }

  private ReservePass fromCsv(Map<String, Integer> header, List<String> fields) {
    return new ReservePass(
        text(header, fields, "satellite"),
        parse(header, fields, "ground_station_id", Long::valueOf),
        parse(header, fields, "aos", Instant::parse),
        parse(header, fields, "los", Instant::parse),
        parse(header, fields, "lead_time_seconds", Integer::valueOf),
        parse(header, fields, "procedure", s -> read(s, ProcedureGraph.class)),
        parse(header, fields, "parameters", s -> read(s, PARAMETERS)));
  }

  private static String text(Map<String, Integer> header, List<String> fields, String column) {
    Integer i = header.get(column);
    return i == null || fields.get(i).isBlank() ? null : fields.get(i).strip();
  }

  private interface Parser<T> {
    T parse(String text) throws JsonProcessingException;
  }

  private static <T> T parse(
      Map<String, Integer> header, List<String> fields, String column, Parser<T> parser) {
    String value = text(header, fields, column);
    if (value == null) {
      return null;
    }
    try {
      return parser.parse(value);
    } catch (NumberFormatException | DateTimeParseException e) {
      throw ApiException.badRequest(column, column + ": invalid value '" + clip(value) + "'");
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest(
          column, column + ": not valid JSON: " + e.getOriginalMessage().split("\n")[0]);
    }
  }

  private <T> T read(String json, Class<T> type) throws JsonProcessingException {
    return mapper.readValue(json, type);
  }

  private <T> T read(String json, TypeReference<T> type) throws JsonProcessingException {
    return mapper.readValue(json, type);
  }

  private ImportLine reserve(int line, ReservePass pass, String user) {
    if (pass == null) {
      return refused(line, null, "a pass is required", null);
    }
    Set<ConstraintViolation<ReservePass>> violations = validator.validate(pass);
    if (!violations.isEmpty()) {
      ConstraintViolation<ReservePass> first =
          violations.stream()
              .min(Comparator.comparing(v -> v.getPropertyPath().toString()))
              .orElseThrow();
      String field = SNAKE.translate(first.getPropertyPath().iterator().next().getName());
      return refused(line, field, field + ": " + first.getMessage(), null);
    }
    try {
      return new ImportLine(line, "accepted", passes.reserve(pass, user).id(), null, null, null);
    } catch (ApiException e) {
      Object other = e.extra().get("conflicting_pass_id");
      return refused(line, e.field(), e.getMessage(), other instanceof Long id ? id : null);
    } catch (DataAccessException e) {
      String message = NestedExceptionUtils.getMostSpecificCause(e).getMessage();
      return refused(
          line,
          null,
          "a value cannot be stored: "
              + (message == null ? "" : message.split("\n")[0].replaceFirst("^ERROR: ", "")),
          null);
    }
  }

  private static ImportLine refused(int line, String field, String reason, Long other) {
    return new ImportLine(line, "refused", null, field, reason, other);
  }

  private static ImportReport report(List<ImportLine> lines) {
    int accepted = (int) lines.stream().filter(l -> l.outcome().equals("accepted")).count();
    return new ImportReport(accepted, lines.size() - accepted, lines);
  }

  private static String clip(String s) {
    return s.length() > 100 ? s.substring(0, 100) + "..." : s;
  }
}
