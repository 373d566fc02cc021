package io.opsflow.pass.ccsds;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.pass.ccsds.CdsTime.SubMillis;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the codec against an independent implementation, Python's {@code spacepackets} (CI
 * installs it, see {@code .ci/run}): it decodes what we encode, and builds packets and CDS time
 * codes we must decode to the same fields. spacepackets has no CUC and only CDS with 16-bit days
 * and milliseconds, so that is the time code checked here.
 */
class SpacepacketsCrossCheckIT {

  private static final HexFormat HEX = HexFormat.of();
  private static final ObjectMapper JSON = new ObjectMapper();
  // spacepackets counts pre-1970 CDS dates wrongly (it subtracts the time of day), so instants
  // are compared from the Unix epoch on: CCSDS day 4383 is 1970-01-01.
  private static final int UNIX_EPOCH_DAY = 4383;

  private static Path python;
  private static Path script;

  @BeforeAll
  static void findPython() throws IOException {
    String configured = System.getenv("OPSFLOW_SPACEPACKETS_PYTHON");
    assertThat(configured)
        .as(
            "OPSFLOW_SPACEPACKETS_PYTHON must name a python with spacepackets installed: "
                + "`source .ci/run && install_spacepackets` (CI does this) sets it")
        .isNotBlank();
    python = Path.of(configured);
    assertThat(Files.isExecutable(python)).as(python + " is executable").isTrue();
    script = Files.createTempFile("spacepackets_check", ".py");
    script.toFile().deleteOnExit();
    try (InputStream in =
        SpacepacketsCrossCheckIT.class.getResourceAsStream("/ccsds/spacepackets_check.py")) {
      Files.write(script, in.readAllBytes());
    }
  }

  @Test
  void spacepacketsDecodesWhatWeEncode() throws Exception {
    Random random = new Random(20240601);
    List<SpacePacket> packets = new ArrayList<>();
    packets.add(SpacePacket.of(PacketType.TC, false, 0, 0, new byte[1]));
    packets.add(
        SpacePacket.of(PacketType.TM, false, SpacePacket.IDLE_APID, 0x3FFF, new byte[] {-1}));
    packets.add(
        new TmDataField(
                CucTime.of(Instant.parse("2025-06-01T10:00:00Z"), 4, 2),
                new Housekeeping(28_000, 2_150, 1).encode())
            .packet(Housekeeping.APID, 42));
    packets.add(SpacePacket.of(PacketType.TM, false, 7, 1, new byte[SpacePacket.MAX_DATA_LENGTH]));
    for (int i = 0; i < 200; i++) {
      int apid = random.nextInt(SpacePacket.MAX_APID);
      byte[] data = new byte[1 + random.nextInt(100)];
      random.nextBytes(data);
      packets.add(
          new SpacePacket(
              random.nextBoolean() ? PacketType.TM : PacketType.TC,
              random.nextBoolean(),
              apid,
              SequenceFlags.values()[random.nextInt(4)],
              random.nextInt(SpacePacket.MAX_SEQUENCE_COUNT + 1),
              data));
    }
    List<CdsTime> codes = new ArrayList<>();
    codes.add(CdsTime.of(Instant.parse("2025-06-01T10:00:00.123Z"), false, SubMillis.NONE));
    codes.add(new CdsTime(false, false, SubMillis.NONE, 0xFFFF, CdsTime.MILLIS_PER_DAY - 1, 0));
    for (int i = 0; i < 200; i++) {
      codes.add(
          new CdsTime(
              false,
              false,
              SubMillis.NONE,
              random.nextInt(0x10000),
              random.nextLong(CdsTime.MILLIS_PER_DAY),
              0));
    }
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("packets", packets.stream().map(p -> HEX.formatHex(p.encode())).toList());
    request.put("cds", codes.stream().map(c -> HEX.formatHex(c.encode())).toList());

    JsonNode answer = run(JSON.writeValueAsString(request), "decode");

    assertThat(answer.get("packets")).hasSize(packets.size());
    for (int i = 0; i < packets.size(); i++) {
      assertThat(fields(answer.get("packets").get(i)))
          .as("packet %d", i)
          .isEqualTo(ours(packets.get(i)));
    }
    List<String> stream = new ArrayList<>();
    answer.get("stream").forEach(n -> stream.add(n.asText()));
    assertThat(stream)
        .as("spacepackets splits the concatenated stream into the same packets")
        .containsExactlyElementsOf(packets.stream().map(p -> HEX.formatHex(p.encode())).toList());
    for (int i = 0; i < codes.size(); i++) {
      JsonNode cds = answer.get("cds").get(i);
      assertThat(cds.get("days").asLong()).isEqualTo(codes.get(i).day());
      assertThat(cds.get("msOfDay").asLong()).isEqualTo(codes.get(i).millisOfDay());
      if (codes.get(i).day() >= UNIX_EPOCH_DAY) {
        assertThat(cds.get("unixMillis").asLong())
            .isEqualTo(codes.get(i).toInstant().toEpochMilli());
      }
    }
  }

  @Test
  void weDecodeWhatSpacepacketsBuilds() throws Exception {
    JsonNode built = run("", "build", "300", "7");

    assertThat(built.get("packets")).hasSize(300);
    List<SpacePacket> decoded = new ArrayList<>();
    StringBuilder stream = new StringBuilder();
    for (JsonNode node : built.get("packets")) {
      SpacePacket packet = SpacePacket.decode(HEX.parseHex(node.get("hex").asText()));
      assertThat(ours(packet)).isEqualTo(fields(node));
      assertThat(HEX.formatHex(packet.encode())).isEqualTo(node.get("hex").asText());
      decoded.add(packet);
      stream.append(node.get("hex").asText());
    }
    byte[] bytes = HEX.parseHex(stream);
    SpacePacketStreamDecoder decoder = new SpacePacketStreamDecoder();
    List<SpacePacket> fromStream = new ArrayList<>();
    for (int at = 0; at < bytes.length; at += 97) {
      fromStream.addAll(decoder.feed(bytes, at, Math.min(97, bytes.length - at)));
    }
    assertThat(fromStream).containsExactlyElementsOf(decoded);

    for (JsonNode node : built.get("cds")) {
      CdsTime cds = (CdsTime) TimeCode.decode(HEX.parseHex(node.get("hex").asText()));
      assertThat(cds.day()).isEqualTo(node.get("days").asLong());
      assertThat(cds.millisOfDay()).isEqualTo(node.get("msOfDay").asLong());
      assertThat(cds.agencyEpoch()).isFalse();
      assertThat(cds.longDays()).isFalse();
      if (cds.day() >= UNIX_EPOCH_DAY) {
        assertThat(cds.toInstant().toEpochMilli()).isEqualTo(node.get("unixMillis").asLong());
      }
    }
  }

  private static Map<String, Object> ours(SpacePacket p) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("version", p.version());
    fields.put("type", p.type().name());
    fields.put("secondaryHeader", p.secondaryHeader());
    fields.put("apid", p.apid());
    fields.put("sequenceFlags", p.sequenceFlags().ordinal());
    fields.put("sequenceCount", p.sequenceCount());
    fields.put("dataLength", p.dataLength());
    fields.put("packetLength", p.length());
    fields.put("data", HEX.formatHex(p.data()));
    return fields;
  }

  private static Map<String, Object> fields(JsonNode node) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("version", node.get("version").asInt());
    fields.put("type", node.get("type").asText());
    fields.put("secondaryHeader", node.get("secondaryHeader").asBoolean());
    fields.put("apid", node.get("apid").asInt());
    fields.put("sequenceFlags", node.get("sequenceFlags").asInt());
    fields.put("sequenceCount", node.get("sequenceCount").asInt());
    fields.put("dataLength", node.get("dataLength").asInt());
    fields.put("packetLength", node.get("packetLength").asInt());
    fields.put("data", node.get("data").asText());
    return fields;
  }

  private static JsonNode run(String stdin, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(python.toString(), script.toString()));
    command.addAll(List.of(args));
    Path err = Files.createTempFile("spacepackets", ".err");
    Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
    try (var in = process.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    byte[] out = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the script finished").isTrue();
    assertThat(process.exitValue()).as("script failed: " + Files.readString(err)).isZero();
    Files.deleteIfExists(err);
    return JSON.readTree(out);
  }
}
