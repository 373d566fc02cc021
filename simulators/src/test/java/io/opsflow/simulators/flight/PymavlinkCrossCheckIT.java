package io.opsflow.simulators.flight;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Decodes the real VTOL tlog with Python's pymavlink (CI installs it, see {@code .ci/run}) and with
 * our reader, and compares the count of every message type and, message by message, the fields the
 * forwarder sends (raw MAVLink integers against our SI values).
 */
class PymavlinkCrossCheckIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static JsonNode pymavlink;
  private static List<TlogRecord> ours;

  @BeforeAll
  static void decodeBothWays() throws Exception {
    String configured = System.getenv("OPSFLOW_PYMAVLINK_PYTHON");
    assertThat(configured)
        .as(
            "OPSFLOW_PYMAVLINK_PYTHON must name a python with pymavlink installed: "
                + "`source .ci/run && install_pymavlink` (CI does this) sets it")
        .isNotBlank();
    Path python = Path.of(configured);
    assertThat(Files.isExecutable(python)).as(python + " is executable").isTrue();
    Path script = Files.createTempFile("pymavlink_check", ".py");
    script.toFile().deleteOnExit();
    try (InputStream in =
        PymavlinkCrossCheckIT.class.getResourceAsStream("/flight/pymavlink_check.py")) {
      Files.write(script, in.readAllBytes());
    }
    Path tlog = FlightData.vtolTlog();
    Path out = Files.createTempFile("pymavlink", ".json");
    out.toFile().deleteOnExit();
    Process process =
        new ProcessBuilder(python.toString(), script.toString(), tlog.toString())
            .redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("pymavlink finished").isTrue();
    assertThat(process.exitValue()).as("pymavlink exit code").isZero();
    pymavlink = JSON.readTree(Files.readString(out, StandardCharsets.UTF_8));
    ours = TlogReader.readAll(tlog);
  }

  @Test
  void everyMessageTypeHasTheSameCount() throws IOException {
    Map<String, Long> theirs = new TreeMap<>();
    pymavlink
        .get("counts")
        .properties()
        .forEach(e -> theirs.put(e.getKey(), e.getValue().asLong()));
    Map<String, Long> mine =
        ours.stream()
            .collect(Collectors.groupingBy(TlogRecord::name, TreeMap::new, Collectors.counting()));
    assertThat(theirs).doesNotContainKey("BAD_DATA");
    assertThat(mine).isEqualTo(theirs);
    try (TlogReader reader = new TlogReader(FlightData.vtolTlog())) {
      while (reader.next() != null) {
        // read to the end to count what the library rejected
      }
      assertThat(reader.skipped()).isZero();
    }
  }

  @Test
  void heartbeatFieldsAgree() {
    compare(
        "HEARTBEAT",
        (row, p) -> {
          assertThat(p).containsEntry("type", row.get("type").asText());
          assertThat(p).containsEntry("autopilot", row.get("autopilot").asText());
          assertThat(p).containsEntry("base_mode", row.get("base_mode").asText());
          assertThat(p).containsEntry("custom_mode", row.get("custom_mode").asText());
          assertThat(p).containsEntry("system_status", row.get("system_status").asText());
          assertThat(p)
              .containsEntry("armed", Boolean.toString((row.get("base_mode").asInt() & 128) != 0));
        });
  }

  @Test
  void globalPositionFieldsAgreeInSiUnits() {
    compare(
        "GLOBAL_POSITION_INT",
        (row, p) -> {
          assertScaled(p, "lat", row, 7);
          assertScaled(p, "lon", row, 7);
          assertScaled(p, "alt", row, 3);
          assertScaled(p, "relative_alt", row, 3);
          assertScaled(p, "vx", row, 2);
          assertScaled(p, "vy", row, 2);
          assertScaled(p, "vz", row, 2);
          if (row.get("hdg").asInt() == 0xFFFF) {
            assertThat(p).doesNotContainKey("hdg");
          } else {
            assertScaled(p, "hdg", row, 2);
          }
        });
  }

  @Test
  void gpsRawFieldsAgreeInSiUnits() {
    compare(
        "GPS_RAW_INT",
        (row, p) -> {
          assertThat(p).containsEntry("fix_type", row.get("fix_type").asText());
          assertScaled(p, "lat", row, 7);
          assertScaled(p, "lon", row, 7);
          assertScaled(p, "alt", row, 3);
          assertScaledUnless(p, "eph", row, 2, 0xFFFF);
          assertScaledUnless(p, "vel", row, 2, 0xFFFF);
          assertScaledUnless(p, "satellites_visible", row, 0, 255);
        });
  }

  @Test
  void systemStatusTemperatureAndStatusTextAgree() {
    compare(
        "SYS_STATUS",
        (row, p) -> {
          assertScaledUnless(p, "voltage_battery", row, 3, 0xFFFF);
          assertScaledUnless(p, "current_battery", row, 2, -1);
          assertScaledUnless(p, "battery_remaining", row, 0, -1);
          assertScaled(p, "load", row, 1);
        });
    compare("SCALED_PRESSURE", (row, p) -> assertScaled(p, "temperature", row, 2));
    compare(
        "STATUSTEXT",
        (row, p) -> {
          assertThat(p).containsEntry("severity", row.get("severity").asText());
          assertThat(p).containsEntry("text", row.get("text").asText());
        });
  }

  private interface RowCheck {
    void check(JsonNode row, Map<String, String> params);
  }

  private static void compare(String kind, RowCheck check) {
    List<TlogRecord> mine = ours.stream().filter(r -> r.name().equals(kind)).toList();
    JsonNode theirs = pymavlink.get("fields").get(kind);
    assertThat(mine).as(kind).hasSize(theirs.size()).isNotEmpty();
    for (int i = 0; i < mine.size(); i++) {
      TlogRecord record = mine.get(i);
      JsonNode row = theirs.get(i);
      // pymavlink keeps the timestamp as float seconds: equal to within a few microseconds
      Instant theirTime = Instant.EPOCH.plus(Duration.ofNanos(row.get("_micros").asLong() * 1000));
      assertThat(Duration.between(record.time(), theirTime).abs())
          .as("%s %d time", kind, i)
          .isLessThanOrEqualTo(Duration.ofNanos(2_000));
      assertThat(record.systemId()).isEqualTo(row.get("_sysid").asInt());
      Map<String, String> params = MavlinkTelemetry.of(record).orElseThrow().params();
      check.check(row, params);
    }
  }

  private static void assertScaled(
      Map<String, String> p, String field, JsonNode row, int decimals) {
    assertThat(p).containsKey(field);
    BigDecimal expected = BigDecimal.valueOf(row.get(field).asLong()).movePointLeft(decimals);
    assertThat(new BigDecimal(p.get(field))).as(field).isEqualByComparingTo(expected);
  }

  private static void assertScaledUnless(
      Map<String, String> p, String field, JsonNode row, int decimals, long unknown) {
    if (row.get(field).asLong() == unknown) {
      assertThat(p).as(field + " unknown").doesNotContainKey(field);
    } else {
      assertScaled(p, field, row, decimals);
    }
  }
}
