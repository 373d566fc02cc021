package io.opsflow.device.telemetry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes batches of telemetry records and the device states they imply, in one transaction per
 * batch: one INSERT of the whole batch (arrays unnested), then one upsert per device of the batch.
 */
public class TelemetryStore {

  /**
   * One received message on its way to the database.
   *
   * @param deviceId the device of the source's live endpoint, null when unknown
   * @param transport {@code udp}, {@code tcp} or {@code relp}; a {@code relp} message is stored at
   *     most once per sender and raw text (see {@link #dedupKey})
   */
  public record Incoming(
      Instant receivedAt,
      String sourceIp,
      Long deviceId,
      String transport,
      SyslogMessage message) {}

  /**
   * The transaction-scoped advisory lock every batch takes before it draws ids from {@code
   * telemetry_records_id_seq} (an arbitrary constant, "opsflow" in ASCII; no other code uses it).
   *
   * <p>Why: the flight history pulls "records of device D with id above N" and moves N to the
   * highest id it saw. A sequence hands out ids at insert time, not at commit time, so with two
   * writers (two intake processes, or a slow batch beside a fast one) a lower id can become visible
   * after a higher one and the pull would step over it for good. With this lock the writers take
   * ids and commit one batch at a time, across processes and connections, so ids become visible in
   * ascending order and "above N" never skips a committed record. Chosen over "pull only below the
   * oldest in-flight insert" because that needs a registry of in-flight transactions
   * (pg_stat_activity cannot tell which ids they hold); the price is that batches of two intake
   * processes are written one after the other, as one process's single writer does anyway.
   */
  public static final long ID_ORDER_LOCK = 0x6f7073666c6f77L;

  /**
   * What a written batch did.
   *
   * @param ids the ids of the records inserted, in batch order
   * @param firstContacts the devices seen for the first time
   * @param duplicates RELP messages not inserted because they were stored before (a resend)
   */
  public record Written(List<Long> ids, List<FirstContact> firstContacts, int duplicates) {}

  private static final String INSERT =
      "insert into telemetry_records (received_at, source_ip, device_id, transport, format,"
          + " facility, severity, hostname, app_name, proc_id, msg_id, onboard_time,"
          + " structured_data, message, raw, dedup_key)"
          + " select r, s, d, t, f, fa, se, h, a, p, m, o, sd, msg, raw, decode(k, 'hex')"
          + " from unnest("
          + "?::timestamptz[], ?::inet[], ?::bigint[], ?::text[], ?::text[], ?::smallint[],"
          + " ?::smallint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[],"
          + " ?::jsonb[], ?::text[], ?::text[], ?::text[]) with ordinality"
          + " as b(r, s, d, t, f, fa, se, h, a, p, m, o, sd, msg, raw, k, ord)"
          + " order by ord"
          + " on conflict (dedup_key) where dedup_key is not null do nothing"
          + " returning id, encode(dedup_key, 'hex')";

  private static final String UPSERT_STATE =
      "insert into device_latest_state as s (device_id, first_telemetry_at, last_telemetry_at,"
          + " last_record_id, gps_at, gps_record_id, latitude, longitude, altitude_m,"
          + " relative_altitude_m, fix_type, satellites_visible, system_at, system_record_id,"
          + " system_status) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)"
          + " on conflict (device_id) do update set"
          + " last_telemetry_at = greatest(s.last_telemetry_at, excluded.last_telemetry_at),"
          + " last_record_id = greatest(s.last_record_id, excluded.last_record_id),"
          + gps("gps_at")
          + gps("latitude")
          + gps("longitude")
          + gps("altitude_m")
          + gps("relative_altitude_m")
          + gps("fix_type")
          + gps("satellites_visible")
          + " gps_record_id = greatest(s.gps_record_id, excluded.gps_record_id),"
          + " system_at = case when excluded.system_record_id > coalesce(s.system_record_id, 0)"
          + " then excluded.system_at else s.system_at end,"
          + " system_status = case when excluded.system_record_id > coalesce(s.system_record_id, 0)"
          + " then s.system_status || excluded.system_status else s.system_status end,"
          + " system_record_id = greatest(s.system_record_id, excluded.system_record_id)";

  /** A GPS column: taken from a newer batch when that batch has it, kept otherwise. */
  private static String gps(String column) {
    return " "
        + column
        + " = case when excluded.gps_record_id > coalesce(s.gps_record_id, 0) then coalesce(excluded."
        + column
        + ", s."
        + column
        + ") else s."
        + column
        + " end,";
  }

  /** The transport whose messages are stored at most once (the sender resends unacknowledged). */
  public static final String RELP = "relp";

  private final JdbcTemplate jdbc;
  private final TransactionTemplate tx;
  private final ObjectMapper json;

  public TelemetryStore(JdbcTemplate jdbc, TransactionTemplate tx, ObjectMapper json) {
    this.jdbc = jdbc;
    this.tx = tx;
    this.json = json;
  }

  /** Writes the batch; all of it or (on an exception) none of it. */
  public Written write(List<Incoming> batch) {
    if (batch.isEmpty()) {
      return new Written(List.of(), List.of(), 0);
    }
    return tx.execute(
        status -> {
          // before the first nextval: see ID_ORDER_LOCK
          jdbc.query("select pg_advisory_xact_lock(?)", rs -> {}, ID_ORDER_LOCK);
          // ids.get(i): the id of batch.get(i), null when it was stored before (a RELP resend)
          List<Long> ids = jdbc.execute((ConnectionCallback<List<Long>>) c -> insert(c, batch));
          Map<Long, LatestState> states = new LinkedHashMap<>();
          List<Long> inserted = new ArrayList<>(batch.size());
          for (int i = 0; i < batch.size(); i++) {
            Incoming in = batch.get(i);
            if (ids.get(i) == null) {
              continue;
            }
            inserted.add(ids.get(i));
            if (in.deviceId() != null) {
              states
                  .computeIfAbsent(in.deviceId(), LatestState::new)
                  .add(ids.get(i), in.receivedAt(), in.message());
            }
          }
          List<FirstContact> first = new ArrayList<>();
          if (!states.isEmpty()) {
            Set<Long> known = known(states.keySet());
            for (LatestState s : states.values()) {
              if (!known.contains(s.deviceId)) {
                first.add(
                    new FirstContact(
                        s.deviceId,
                        s.firstAt,
                        FirstContact.TELEMETRY,
                        firstId(s, batch, ids),
                        null));
              }
            }
            upsert(states.values());
          }
          return new Written(inserted, first, batch.size() - inserted.size());
        });
  }

  private static Long firstId(LatestState s, List<Incoming> batch, List<Long> ids) {
    for (int i = 0; i < batch.size(); i++) {
      if (ids.get(i) != null && Long.valueOf(s.deviceId).equals(batch.get(i).deviceId())) {
        return ids.get(i);
      }
    }
    return null;
  }

  private List<Long> insert(Connection c, List<Incoming> batch) throws SQLException {
    int n = batch.size();
    String[][] columns = new String[16][n];
    for (int i = 0; i < n; i++) {
      Incoming in = batch.get(i);
      SyslogMessage m = in.message();
      columns[0][i] = in.receivedAt().toString();
      columns[1][i] = in.sourceIp();
      columns[2][i] = in.deviceId() == null ? null : in.deviceId().toString();
      columns[3][i] = in.transport();
      columns[4][i] = m.format().column();
      columns[5][i] = m.facility() == null ? null : m.facility().toString();
      columns[6][i] = m.severity() == null ? null : m.severity().toString();
      columns[7][i] = clean(m.hostname());
      columns[8][i] = clean(m.appName());
      columns[9][i] = clean(m.procId());
      columns[10][i] = clean(m.msgId());
      columns[11][i] = m.timestamp() == null ? null : m.timestamp().toString();
      columns[12][i] = structuredData(m);
      columns[13][i] = clean(m.message());
      columns[14][i] = clean(m.raw());
      columns[15][i] = RELP.equals(in.transport()) ? dedupKey(in) : null;
    }
    try (PreparedStatement ps = c.prepareStatement(INSERT)) {
      List<Array> arrays = new ArrayList<>(columns.length);
      for (int col = 0; col < columns.length; col++) {
        Array array = c.createArrayOf("text", columns[col]);
        arrays.add(array);
        ps.setArray(col + 1, array);
      }
      // Rows without a key are all inserted, in batch order; a keyed row may be skipped (stored
      // before, or twice in this batch: the first of the batch is kept).
      List<Long> unkeyed = new ArrayList<>(n);
      Map<String, Long> keyed = new HashMap<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String key = rs.getString(2);
          if (key == null) {
            unkeyed.add(rs.getLong(1));
          } else {
            keyed.put(key, rs.getLong(1));
          }
        }
      }
      for (Array array : arrays) {
        array.free();
      }
      List<Long> ids = new ArrayList<>(n);
      int next = 0;
      for (int i = 0; i < n; i++) {
        String key = columns[15][i];
        ids.add(key == null ? unkeyed.get(next++) : keyed.remove(key));
      }
      return ids;
    }
  }

  /**
   * The idempotence key of a RELP message: SHA-256 (hex) of who sent it (the device, else the
   * source address) and its raw text. A resend after a lost acknowledgement has the same key.
   */
  static String dedupKey(Incoming in) {
    String sender = in.deviceId() != null ? "device:" + in.deviceId() : "ip:" + in.sourceIp();
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(sender.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) '\n');
      sha.update(in.message().raw().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  private Set<Long> known(Set<Long> devices) {
    Set<Long> known = new HashSet<>();
    jdbc.query(
        "select device_id from device_latest_state where device_id = any (?)",
        ps -> ps.setArray(1, ps.getConnection().createArrayOf("bigint", devices.toArray())),
        rs -> {
          known.add(rs.getLong(1));
        });
    return known;
  }

  private void upsert(Iterable<LatestState> states) {
    List<LatestState> list = new ArrayList<>();
    states.forEach(list::add);
    jdbc.batchUpdate(
        UPSERT_STATE,
        list,
        list.size(),
        (ps, s) -> {
          ps.setLong(1, s.deviceId);
          ps.setTimestamp(2, Timestamp.from(s.firstAt));
          ps.setTimestamp(3, Timestamp.from(s.lastAt));
          ps.setLong(4, s.lastRecordId);
          ps.setTimestamp(5, s.gpsAt == null ? null : Timestamp.from(s.gpsAt));
          ps.setObject(6, s.gpsRecordId, Types.BIGINT);
          ps.setObject(7, s.latitude, Types.DOUBLE);
          ps.setObject(8, s.longitude, Types.DOUBLE);
          ps.setObject(9, s.altitude, Types.DOUBLE);
          ps.setObject(10, s.relativeAltitude, Types.DOUBLE);
          ps.setObject(11, s.fixType, Types.INTEGER);
          ps.setObject(12, s.satellites, Types.INTEGER);
          ps.setTimestamp(13, s.systemAt == null ? null : Timestamp.from(s.systemAt));
          ps.setObject(14, s.systemRecordId, Types.BIGINT);
          ps.setString(15, toJson(s.system));
        });
  }

  private String structuredData(SyslogMessage m) {
    if (m.structuredData().isEmpty()) {
      return "{}";
    }
    Map<String, Map<String, String>> cleaned = new LinkedHashMap<>();
    m.structuredData()
        .forEach(
            (id, params) -> {
              Map<String, String> p = new LinkedHashMap<>();
              params.forEach((k, v) -> p.put(clean(k), clean(v)));
              cleaned.put(clean(id), p);
            });
    return toJson(cleaned);
  }

  private String toJson(Object value) {
    try {
      return json.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("structured data not serialisable", e);
    }
  }

  /** PostgreSQL text and jsonb hold no NUL character: it becomes U+FFFD, the rest is kept. */
  static String clean(String text) {
    return text == null || text.indexOf('\u0000') < 0 ? text : text.replace('\u0000', '\uFFFD');
  }
}
