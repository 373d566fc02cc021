package io.opsflow.device.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class RelpFrameTest {

  private static InputStream stream(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
  }

  private static List<RelpFrame> readAll(InputStream in, int max) throws IOException {
    List<RelpFrame> frames = new ArrayList<>();
    RelpFrame f;
    while ((f = RelpFrame.read(in, max)) != null) {
      frames.add(f);
    }
    return frames;
  }

  @Test
  void rsyslogsOpenSyslogAndCloseFramesAreRead() throws IOException {
    String offers =
        "relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\n"
            + "commands=syslog";
    String msg = "<13>1 2026-12-04T21:00:00.000001+00:00 h app - - - seq=1";
    String stream =
        "1 open "
            + offers.length()
            + " "
            + offers
            + "\n"
            + "2 syslog "
            + msg.length()
            + " "
            + msg
            + "\n"
            + "3 close 0\n";

    List<RelpFrame> frames = readAll(stream(stream), 65536);

    assertThat(frames).extracting(RelpFrame::command).containsExactly("open", "syslog", "close");
    assertThat(frames).extracting(RelpFrame::txnr).containsExactly(1L, 2L, 3L);
    assertThat(RelpFrame.offers(frames.get(0).text()))
        .containsEntry("relp_version", "0")
        .containsEntry("commands", "syslog");
    assertThat(frames.get(1).text()).isEqualTo(msg);
    assertThat(frames.get(2).data()).isEmpty();
  }

  @Test
  void dataIsCountedInBytesNotCharacters() throws IOException {
    String msg = "é\nnewline inside";
    byte[] bytes = msg.getBytes(StandardCharsets.UTF_8);
    assertThat(readAll(stream("7 syslog " + bytes.length + " " + msg + "\n"), 100))
        .singleElement()
        .extracting(RelpFrame::text)
        .isEqualTo(msg);
  }

  @Test
  void eachGrammarBreakIsRefusedWithItsReason() {
    assertMalformed("x syslog 1 a\n", "txnr");
    assertMalformed("1234567890 syslog 1 a\n", "txnr");
    assertMalformed("1syslog 1 a\n", "txnr");
    assertMalformed("1  1 a\n", "command");
    assertMalformed("1 sys-log 1 a\n", "command");
    assertMalformed("1 " + "a".repeat(33) + " 1 a\n", "command");
    assertMalformed("1 syslog x a\n", "datalen");
    assertMalformed("1 syslog 1x\n", "datalen");
    assertMalformed("1 syslog 1 ab\n", "trailer");
    assertMalformed("1 close 0 x\n", "trailer");
  }

  @Test
  void aFrameOverTheLimitIsRefusedBeforeItsDataIsRead() {
    // 999999999 bytes announced, none sent: refused from the header alone
    assertMalformed("2 syslog 999999999 ", "too_big");
    assertThatThrownBy(() -> RelpFrame.read(stream("2 syslog 601 "), 600))
        .isInstanceOf(RelpFrame.Malformed.class)
        .hasMessageContaining("601 bytes, limit 600");
  }

  @Test
  void aStreamEndingInsideAFrameIsAnEndNotAMalformedFrame() throws IOException {
    assertThat(RelpFrame.read(stream(""), 100)).isNull();
    assertThatThrownBy(() -> RelpFrame.read(stream("3 syslog 10 abc"), 100))
        .isExactlyInstanceOf(EOFException.class);
    assertThatThrownBy(() -> RelpFrame.read(stream("3 sys"), 100))
        .isExactlyInstanceOf(EOFException.class);
  }

  @Test
  void encodeWritesTheDataOnlyWhenThereIsSome() {
    assertThat(new String(RelpFrame.of(0, "serverclose", "").encode(), StandardCharsets.US_ASCII))
        .isEqualTo("0 serverclose 0\n");
    assertThat(new String(RelpFrame.of(12, "rsp", "200 OK").encode(), StandardCharsets.US_ASCII))
        .isEqualTo("12 rsp 6 200 OK\n");
  }

  private static void assertMalformed(String stream, String reason) {
    assertThatThrownBy(() -> RelpFrame.read(stream(stream), 1000))
        .as(stream)
        .isInstanceOfSatisfying(
            RelpFrame.Malformed.class, m -> assertThat(m.reason()).isEqualTo(reason));
  }

  @Provide
  Arbitrary<RelpFrame> frames() {
    return Combinators.combine(
            Arbitraries.longs().between(0, RelpFrame.MAX_TXNR),
            Arbitraries.strings()
                .withCharRange('a', 'z')
                .withCharRange('A', 'Z')
                .ofMinLength(1)
                .ofMaxLength(32),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(300))
        .as(RelpFrame::new);
  }

  @Provide
  Arbitrary<List<RelpFrame>> streams() {
    return frames().list().ofMaxSize(20);
  }

  @Property
  void anySequenceOfFramesReadsBackAsWritten(@ForAll("streams") List<RelpFrame> in)
      throws IOException {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    in.forEach(f -> wire.writeBytes(f.encode()));

    assertThat(readAll(new ByteArrayInputStream(wire.toByteArray()), 300)).isEqualTo(in);
  }

  @Property
  void arbitraryBytesNeverGiveAnythingButFramesWithinTheLimitOrAClearRefusal(
      @ForAll @Size(max = 200) byte[] noise, @ForAll @IntRange(min = 0, max = 64) int max) {
    InputStream in = new ByteArrayInputStream(noise);
    try {
      RelpFrame f;
      while ((f = RelpFrame.read(in, max)) != null) {
        assertThat(f.data().length).isLessThanOrEqualTo(max);
        assertThat(f.txnr()).isBetween(0L, RelpFrame.MAX_TXNR);
      }
    } catch (RelpFrame.Malformed | EOFException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    } catch (IOException e) {
      throw new AssertionError("unexpected " + e, e);
    }
  }
}
