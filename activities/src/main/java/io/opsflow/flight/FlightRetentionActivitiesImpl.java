package io.opsflow.flight;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Archives flight_telemetry rows per closed flight into {@code <dir>/<device>/flight-<n>.jsonl.gz}
 * (one JSON object per row: id, onboard_time, received_at, msg_id, fields), written to a temporary
 * file and moved into place, then recorded with its SHA-256. The directory is {@code
 * opsflow.flight.archive-dir}, else {@code flight-archive} in the data directory.
 */
@Component
public class FlightRetentionActivitiesImpl implements FlightRetentionActivities {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;
  private final Path dir;

  @Autowired
  public FlightRetentionActivitiesImpl(
      JdbcTemplate jdbc, TransactionTemplate tx, Environment environment) {
    this(jdbc, tx, archiveDir(environment));
  }

  public FlightRetentionActivitiesImpl(JdbcTemplate jdbc, TransactionTemplate tx, Path dir) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.dir = dir;
  }

  private static Path archiveDir(Environment environment) {
    String configured = environment.getProperty("opsflow.flight.archive-dir");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    return io.opsflow.DataDirectories.orDefault(environment).resolve("flight-archive");
  }

  @Override
  public Archive archive(ArchiveRequest request) {
    List<Archive> existing = existing(request.deviceId(), request.flightNumber());
    if (!existing.isEmpty()) {
      return existing.get(0);
    }
    List<Map<String, Object>> flights =
        jdbc.queryForList(
            "select id, takeoff_at, landed_at from flights where device_id = ? and number = ?",
            request.deviceId(),
            request.flightNumber());
    if (flights.isEmpty()) {
      throw new IllegalArgumentException(
          "flightNumber "
              + request.flightNumber()
              + " of device "
              + request.deviceId()
              + " does not exist");
    }
    Map<String, Object> flight = flights.get(0);
    if (flight.get("landed_at") == null) {
      throw new IllegalArgumentException(
          "flightNumber " + request.flightNumber() + " is still open: archive after landing");
    }
    Duration margin = request.margin() == null ? Duration.ZERO : request.margin();
    Instant from = ((Timestamp) flight.get("takeoff_at")).toInstant().minus(margin);
    Instant to = ((Timestamp) flight.get("landed_at")).toInstant().plus(margin);
    List<Map<String, Object>> rows =
        jdbc.queryForList(
            "select id, onboard_time, received_at, msg_id, structured_data::text as sd"
                + " from flight_telemetry where device_id = ? and onboard_time between ? and ?"
                + " order by id",
            request.deviceId(),
            from.atOffset(ZoneOffset.UTC),
            to.atOffset(ZoneOffset.UTC));
    Path file =
        dir.resolve(Long.toString(request.deviceId()))
            .resolve("flight-" + request.flightNumber() + ".jsonl.gz");
    String sha256 = write(file, rows);
    long firstId = rows.isEmpty() ? 0 : ((Number) rows.get(0).get("id")).longValue();
    long lastId = rows.isEmpty() ? 0 : ((Number) rows.getLast().get("id")).longValue();
    jdbc.update(
        "insert into flight_telemetry_archives (device_id, flight_id, first_id, last_id,"
            + " from_time, to_time, records, location, sha256)"
            + " values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (flight_id) do nothing",
        request.deviceId(),
        flight.get("id"),
        firstId,
        lastId,
        from.atOffset(ZoneOffset.UTC),
        to.atOffset(ZoneOffset.UTC),
        rows.size(),
        file.toString(),
        sha256);
    return existing(request.deviceId(), request.flightNumber()).get(0);
  }

  @Override
  public long prune(PruneRequest request) {
    Instant cutoff = request.now().minus(request.keepHot());
    Long deleted =
        tx.execute(
            status -> {
              long count = 0;
              for (Map<String, Object> a :
                  jdbc.queryForList(
                      "select id, device_id, from_time, to_time from flight_telemetry_archives"
                          + " where pruned_at is null and archived_at <= ?"
                          + " and (?::bigint is null or device_id = ?) for update",
                      cutoff.atOffset(ZoneOffset.UTC),
                      request.deviceId(),
                      request.deviceId())) {
                count +=
                    jdbc.update(
                        "delete from flight_telemetry where device_id = ?"
                            + " and onboard_time between ? and ?",
                        a.get("device_id"),
                        a.get("from_time"),
                        a.get("to_time"));
                jdbc.update(
                    "update flight_telemetry_archives set pruned_at = ? where id = ?",
                    request.now().atOffset(ZoneOffset.UTC),
                    a.get("id"));
              }
              return count;
            });
    return deleted == null ? 0 : deleted;
  }

  @Override
  public Around around(AroundRequest request) {
    Instant from = request.at().minus(request.window());
    Instant to = request.at().plus(request.window());
    List<TelemetryPoint> hot =
        jdbc.query(
            "select id, onboard_time, received_at, msg_id, structured_data::text as sd"
                + " from flight_telemetry where device_id = ? and onboard_time between ? and ?"
                + " order by id",
            (rs, row) ->
                point(
                    rs.getLong("id"),
                    rs.getTimestamp("onboard_time").toInstant(),
                    rs.getTimestamp("received_at").toInstant(),
                    rs.getString("msg_id"),
                    fields(rs.getString("sd"))),
            request.deviceId(),
            from.atOffset(ZoneOffset.UTC),
            to.atOffset(ZoneOffset.UTC));
    if (!hot.isEmpty()) {
      return new Around(hot, false);
    }
    List<String> files =
        jdbc.queryForList(
            "select location from flight_telemetry_archives where device_id = ?"
                + " and from_time <= ? and to_time >= ? order by from_time",
            String.class,
            request.deviceId(),
            to.atOffset(ZoneOffset.UTC),
            from.atOffset(ZoneOffset.UTC));
    List<TelemetryPoint> archived = new ArrayList<>();
    for (String location : files) {
      for (TelemetryPoint p : read(Path.of(location))) {
        if (!p.onboardTime().isBefore(from) && !p.onboardTime().isAfter(to)) {
          archived.add(p);
        }
      }
    }
    return new Around(archived, !files.isEmpty());
  }

  private List<Archive> existing(long deviceId, int number) {
    return jdbc.query(
        "select a.id, a.location, a.records, a.sha256 from flight_telemetry_archives a"
            + " join flights f on f.id = a.flight_id where f.device_id = ? and f.number = ?",
        (rs, row) ->
            new Archive(
                rs.getLong("id"),
                rs.getString("location"),
                rs.getLong("records"),
                rs.getString("sha256")),
        deviceId,
        number);
  }

  private static String write(Path file, List<Map<String, Object>> rows) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      try (OutputStream raw = new DigestOutputStream(Files.newOutputStream(tmp), sha);
          BufferedWriter out =
              new BufferedWriter(
                  new OutputStreamWriter(new GZIPOutputStream(raw), StandardCharsets.UTF_8))) {
        for (Map<String, Object> row : rows) {
          ObjectNode line = JSON.createObjectNode();
          line.put("id", ((Number) row.get("id")).longValue());
          line.put("onboard_time", ((Timestamp) row.get("onboard_time")).toInstant().toString());
          line.put("received_at", ((Timestamp) row.get("received_at")).toInstant().toString());
          line.put("msg_id", (String) row.get("msg_id"));
          line.set("fields", JSON.valueToTree(fields((String) row.get("sd"))));
          out.write(JSON.writeValueAsString(line));
          out.newLine();
        }
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return HexFormat.of().formatHex(sha.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write archive " + file, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<TelemetryPoint> read(Path file) {
    List<TelemetryPoint> points = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        JsonNode node = JSON.readTree(line);
        Map<String, String> fields = new LinkedHashMap<>();
        node.get("fields").properties().forEach(e -> fields.put(e.getKey(), e.getValue().asText()));
        points.add(
            point(
                node.get("id").asLong(),
                Instant.parse(node.get("onboard_time").asText()),
                Instant.parse(node.get("received_at").asText()),
                node.get("msg_id").asText(),
                fields));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read archive " + file, e);
    }
    return points;
  }

  private static TelemetryPoint point(
      long id, Instant onboard, Instant received, String msgId, Map<String, String> fields) {
    return new TelemetryPoint(id, onboard, received, msgId, fields);
  }

  private static Map<String, String> fields(String structuredData) {
    Map<String, String> fields = new LinkedHashMap<>();
    try {
      JsonNode element = JSON.readTree(structuredData).get(FlightHistoryActivitiesImpl.SD_ID);
      if (element != null && element.isObject()) {
        element.properties().forEach(e -> fields.put(e.getKey(), e.getValue().asText()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return fields;
  }
}
