package io.opsflow.simulators.flight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dronefleet.mavlink.MavlinkConnection;
import io.dronefleet.mavlink.common.GlobalPositionInt;
import io.dronefleet.mavlink.common.MavSeverity;
import io.dronefleet.mavlink.common.Statustext;
import io.dronefleet.mavlink.minimal.Heartbeat;
import io.dronefleet.mavlink.minimal.MavAutopilot;
import io.dronefleet.mavlink.minimal.MavModeFlag;
import io.dronefleet.mavlink.minimal.MavState;
import io.dronefleet.mavlink.minimal.MavType;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The tlog framing around the library's decoding: v1 and v2 packets, damage, truncation. */
class TlogReaderTest {

  private static final long T0_MICROS = 1_764_842_400_123_456L;

  private static final List<Object> PAYLOADS =
      List.of(
          Heartbeat.builder()
              .type(MavType.MAV_TYPE_QUADROTOR)
              .autopilot(MavAutopilot.MAV_AUTOPILOT_PX4)
              .baseMode(MavModeFlag.MAV_MODE_FLAG_SAFETY_ARMED)
              .systemStatus(MavState.MAV_STATE_ACTIVE)
              .mavlinkVersion(3)
              .build(),
          GlobalPositionInt.builder()
              .timeBootMs(1234)
              .lat(473_977_420)
              .lon(85_455_940)
              .alt(488_000)
              .relativeAlt(12_345)
              .vx(-150)
              .vy(20)
              .vz(-5)
              .hdg(9000)
              .build(),
          Statustext.builder()
              .severity(MavSeverity.MAV_SEVERITY_CRITICAL)
              .text("Crash: Disarming")
              .build());

  /** A tlog of the payloads, alternating MAVLink v2 and v1, one millisecond apart. */
  private static byte[] tlog() throws IOException {
    ByteArrayOutputStream packets = new ByteArrayOutputStream();
    MavlinkConnection connection = MavlinkConnection.create(InputStream.nullInputStream(), packets);
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(file);
    for (int i = 0; i < PAYLOADS.size() * 2; i++) {
      packets.reset();
      Object payload = PAYLOADS.get(i % PAYLOADS.size());
      if (i % 2 == 0) {
        connection.send2(1, 1, payload);
      } else {
        connection.send1(1, 1, payload);
      }
      out.writeLong(T0_MICROS + i * 1000L);
      out.write(packets.toByteArray());
    }
    return file.toByteArray();
  }

  private static List<TlogRecord> read(byte[] bytes) throws IOException {
    List<TlogRecord> records = new ArrayList<>();
    try (TlogReader reader = new TlogReader(new ByteArrayInputStream(bytes))) {
      for (TlogRecord r = reader.next(); r != null; r = reader.next()) {
        records.add(r);
      }
    }
    return records;
  }

  @Test
  void decodesMavlinkV1AndV2PacketsWithTheirTimestamps() throws IOException {
    List<TlogRecord> records = read(tlog());
    assertThat(records).hasSize(PAYLOADS.size() * 2);
    for (int i = 0; i < records.size(); i++) {
      TlogRecord r = records.get(i);
      assertThat(r.payload()).isEqualTo(PAYLOADS.get(i % PAYLOADS.size()));
      assertThat(r.time()).isEqualTo(Instant.ofEpochSecond(0, (T0_MICROS + i * 1000L) * 1000));
      assertThat(r.systemId()).isEqualTo(1);
    }
    assertThat(records)
        .extracting(TlogRecord::name)
        .startsWith("HEARTBEAT", "GLOBAL_POSITION_INT", "STATUSTEXT");
  }

  @Test
  void aPacketWithABadChecksumIsSkippedAndTheNextOneStillDecodes() throws IOException {
    byte[] bytes = tlog();
    // the first record is a v2 HEARTBEAT: 8 timestamp bytes, 10 header bytes, then its payload
    bytes[8 + 10] ^= 0x5A;
    try (TlogReader reader = new TlogReader(new ByteArrayInputStream(bytes))) {
      TlogRecord first = reader.next();
      assertThat(first.payload()).isEqualTo(PAYLOADS.get(1));
      assertThat(reader.skipped()).isEqualTo(1);
    }
  }

  @Test
  void aByteThatStartsNoPacketIsAnError() {
    byte[] bytes = new byte[16];
    bytes[8] = 0x42;
    assertThatThrownBy(() -> read(bytes))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("0x42");
  }

  @Property(tries = 300)
  void aTruncatedLogYieldsItsCompleteRecords(@ForAll @IntRange(min = 0, max = 400) int cut)
      throws IOException {
    byte[] whole = tlog();
    byte[] truncated = Arrays.copyOf(whole, Math.min(cut, whole.length));
    List<TlogRecord> all = read(whole);
    List<TlogRecord> some = read(truncated);
    assertThat(all.subList(0, some.size())).isEqualTo(some);
    assertThat(some.size())
        .isGreaterThanOrEqualTo(all.size() - 1 - (whole.length - truncated.length) / 8);
  }

  @Property(tries = 500)
  void arbitraryBytesGiveRecordsOrAnIoErrorNothingElse(@ForAll @Size(max = 300) byte[] bytes) {
    try {
      read(bytes);
    } catch (IOException expected) {
      // not a tlog: said so, no other failure
    }
  }
}
