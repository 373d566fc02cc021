package io.opsflow.pass;

import static io.opsflow.pass.PassStoreActivitiesImpl.instant;
import static io.opsflow.pass.PassStoreActivitiesImpl.ts;

import com.fasterxml.jackson.databind.JsonNode;
import io.opsflow.pass.ccsds.SpacePacket;
import io.opsflow.pass.ccsds.TcAck;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The link's rows in {@code pass_packets}: TM in batches, each TC on its own before it is sent, and
 * the searches the verifiers make among what is stored (also what an earlier executor stored).
 */
final class PacketStore {

  /** A packet to store. */
  record Row(
      long passId,
      String direction,
      SpacePacket packet,
      Instant groundTime,
      Instant onboardTime,
      Map<String, Object> decoded,
      String runKey,
      String nodeId) {}

  /** A stored telecommand. */
  record StoredTc(long id, int apid, int sequenceCount, Instant groundTime, String sendError) {}

  private final JdbcTemplate jdbc;

  PacketStore(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  private static final String INSERT =
      "insert into pass_packets (pass_id, direction, apid, sequence_flags, sequence_count,"
          + " data_length, ground_time, onboard_time, raw, decoded, run_key, node_id) values ";
  private static final String ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)";
  private static final int PARAMETERS = 12;

  /** Rows of one INSERT: 12 parameters each, far below PostgreSQL's 65,535 per statement. */
  static final int ROWS_PER_STATEMENT = 1000;

  /**
   * Stores TM packets, in order (their ids follow arrival): one multi-row INSERT per {@value
   * #ROWS_PER_STATEMENT} rows, one statement for PostgreSQL to parse, plan and commit instead of
   * one per packet; then one notification for the pass.
   */
  void insert(List<Row> rows) {
    for (int from = 0; from < rows.size(); from += ROWS_PER_STATEMENT) {
      List<Row> chunk = rows.subList(from, Math.min(rows.size(), from + ROWS_PER_STATEMENT));
      StringBuilder sql = new StringBuilder(INSERT.length() + chunk.size() * (ROW.length() + 2));
      sql.append(INSERT);
      for (int i = 0; i < chunk.size(); i++) {
        sql.append(i == 0 ? "" : ", ").append(ROW);
      }
      jdbc.update(
          sql.toString(),
          ps -> {
            int at = 0;
            for (Row row : chunk) {
              SpacePacket p = row.packet();
              ps.setLong(at + 1, row.passId());
              ps.setString(at + 2, row.direction());
              ps.setInt(at + 3, p.apid());
              ps.setInt(at + 4, p.sequenceFlags().ordinal());
              ps.setInt(at + 5, p.sequenceCount());
              ps.setInt(at + 6, p.dataLength());
              ps.setObject(at + 7, ts(row.groundTime()));
              ps.setObject(at + 8, ts(row.onboardTime()));
              ps.setBytes(at + 9, p.encode());
              ps.setString(at + 10, PassJson.write(row.decoded()));
              ps.setString(at + 11, row.runKey());
              ps.setString(at + 12, row.nodeId());
              at += PARAMETERS;
            }
          });
    }
    if (!rows.isEmpty()) {
      PassStoreActivitiesImpl.notifyPass(jdbc, rows.get(0).passId());
    }
  }

  /** The TC of a run, if one was stored. */
  Optional<StoredTc> telecommand(long passId, String runKey) {
    return jdbc
        .query(
            "select id, apid, sequence_count, ground_time, decoded->>'send_error' as send_error"
                + " from pass_packets where pass_id = ? and run_key = ?",
            PacketStore::storedTc,
            passId,
            runKey)
        .stream()
        .findFirst();
  }

  /** The sequence count after the last TC stored for this pass and APID (0 for the first). */
  int nextSequenceCount(long passId, int apid) {
    List<Integer> last =
        jdbc.queryForList(
            "select sequence_count from pass_packets where pass_id = ? and direction = 'tc'"
                + " and apid = ? order by id desc limit 1",
            Integer.class,
            passId,
            apid);
    return last.isEmpty() ? 0 : (last.get(0) + 1) & SpacePacket.MAX_SEQUENCE_COUNT;
  }

  /**
   * Stores the TC of a run unless one is stored for its run key.
   *
   * @return the stored TC, and whether this call stored it
   */
  Map.Entry<StoredTc, Boolean> insertTelecommand(Row row) {
    SpacePacket p = row.packet();
    List<Long> ids =
        jdbc.queryForList(
            "insert into pass_packets (pass_id, direction, apid, sequence_flags, sequence_count,"
                + " data_length, ground_time, raw, decoded, run_key, node_id)"
                + " values (?, 'tc', ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)"
                + " on conflict (pass_id, run_key) do nothing returning id",
            Long.class,
            row.passId(),
            p.apid(),
            p.sequenceFlags().ordinal(),
            p.sequenceCount(),
            p.dataLength(),
            ts(row.groundTime()),
            p.encode(),
            PassJson.write(row.decoded()),
            row.runKey(),
            row.nodeId());
    if (ids.isEmpty()) {
      return Map.entry(telecommand(row.passId(), row.runKey()).orElseThrow(), false);
    }
    PassStoreActivitiesImpl.notifyPass(jdbc, row.passId());
    return Map.entry(
        new StoredTc(ids.get(0), p.apid(), p.sequenceCount(), row.groundTime(), null), true);
  }

  /** Records on the TC's row that writing it to the link failed (it may not have left). */
  void markSendError(long id, String error) {
    jdbc.update(
        "update pass_packets set decoded = decoded || jsonb_build_object('send_error', ?::text)"
            + " where id = ?",
        error,
        id);
  }

  /** The stored acknowledgement of a TC, received after it: accepted or not. */
  Optional<Boolean> acknowledgement(long passId, StoredTc tc) {
    return jdbc
        .queryForList(
            "select (decoded->>'accepted')::boolean from pass_packets where pass_id = ?"
                + " and direction = 'tm' and apid = ? and id > ?"
                + " and (decoded->>'tc_apid')::int = ? and (decoded->>'tc_sequence_count')::int = ?"
                + " order by id limit 1",
            Boolean.class,
            passId,
            TcAck.APID,
            tc.id(),
            tc.apid(),
            tc.sequenceCount())
        .stream()
        .findFirst();
  }

  /** The first stored housekeeping after row {@code afterId} meeting the condition. */
  Optional<Sample> firstMeeting(long passId, long afterId, ParameterCondition condition) {
    return jdbc
        .query(
            "select ground_time, decoded::text from pass_packets where pass_id = ?"
                + " and direction = 'tm' and id > ? and decoded->>'kind' = 'housekeeping'"
                + " and (decoded->>?)::float8 "
                + Telemetry.sqlOperator(condition.op())
                + " ? order by id limit 1",
            PacketStore::sample,
            passId,
            afterId,
            condition.parameter(),
            condition.value())
        .stream()
        .findFirst();
  }

  /** The last stored housekeeping of the pass. */
  Optional<Sample> lastHousekeeping(long passId) {
    return jdbc
        .query(
            "select ground_time, decoded::text from pass_packets where pass_id = ?"
                + " and direction = 'tm' and decoded->>'kind' = 'housekeeping'"
                + " order by id desc limit 1",
            PacketStore::sample,
            passId)
        .stream()
        .findFirst();
  }

  /**
   * An event of type {@code link} in the pass's event log (opened, dropped, reconnected, down,
   * closed), written by the executor as it happens; the key is unique, never retried.
   */
  void linkEvent(long passId, String event, Map<String, Object> detail) {
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("event", event);
    all.putAll(detail);
    jdbc.update(
        "insert into pass_events (pass_id, event_key, at, type, detail)"
            + " values (?, ?, now(), 'link', ?::jsonb) on conflict (pass_id, event_key) do nothing",
        passId,
        "link-" + java.util.UUID.randomUUID(),
        PassJson.write(all));
    PassStoreActivitiesImpl.notifyPass(jdbc, passId);
  }

  /** Rows stored for the pass in one direction. */
  long count(long passId, String direction) {
    return jdbc.queryForObject(
        "select count(*) from pass_packets where pass_id = ? and direction = ?",
        Long.class,
        passId,
        direction);
  }

  /** Housekeeping values received at one time. */
  record Sample(Instant groundTime, Map<String, Double> parameters) {}

  private static StoredTc storedTc(ResultSet rs, int n) throws SQLException {
    return new StoredTc(
        rs.getLong("id"),
        rs.getInt("apid"),
        rs.getInt("sequence_count"),
        instant(rs.getObject("ground_time", OffsetDateTime.class)),
        rs.getString("send_error"));
  }

  private static Sample sample(ResultSet rs, int n) throws SQLException {
    JsonNode decoded = PassJson.read(rs.getString(2), JsonNode.class);
    Map<String, Double> values = new LinkedHashMap<>();
    for (String name : Telemetry.PARAMETERS) {
      if (decoded.hasNonNull(name)) {
        values.put(name, decoded.get(name).asDouble());
      }
    }
    return new Sample(instant(rs.getObject(1, OffsetDateTime.class)), values);
  }
}
