package io.opsflow.device.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class SyslogFramesTest {

  private static List<String> frames(String stream, int max) throws IOException {
    SyslogFrames frames =
        new SyslogFrames(new ByteArrayInputStream(stream.getBytes(StandardCharsets.UTF_8)), max);
    List<String> out = new ArrayList<>();
    String next;
    while ((next = frames.next()) != null) {
      out.add(next);
    }
    return out;
  }

  @Test
  void octetCountingAndNewlineFramesMixOnOneConnection() throws IOException {
    String counted = "<13>1 - h a - - - line\nwith newline";
    String stream =
        counted.getBytes(StandardCharsets.UTF_8).length
            + " "
            + counted
            + "<14>Dec  4 14:49:58 h t: plain\r\n"
            + "5 <1>é"
            + "\n\n<15>last without LF";

    assertThat(frames(stream, 65536))
        .containsExactly(counted, "<14>Dec  4 14:49:58 h t: plain", "<1>é", "<15>last without LF");
  }

  @Test
  void aDigitRunWithoutASpaceIsTheStartOfANewlineFrame() throws IOException {
    assertThat(frames("12ab cd\n34\n", 65536)).containsExactly("12ab cd", "34");
  }

  @Test
  void longMessagesAreCutAndTheRestOfTheFrameSkipped() throws IOException {
    String big = "x".repeat(1000);
    assertThat(frames("1000 " + big + "<1>next\n" + big + "\n<2>after\n", 600))
        .containsExactly("x".repeat(600), "<1>next", "x".repeat(600), "<2>after");
  }

  @Provide
  Arbitrary<List<String>> messages() {
    return Arbitraries.strings()
        .all()
        .excludeChars('\n', '\r')
        .ofMinLength(1)
        .ofMaxLength(200)
        .filter(m -> m.charAt(0) != '\uFEFF')
        .map(m -> "<13>" + m)
        .list()
        .ofMaxSize(20);
  }

  @Property(tries = 300)
  void everyMessageComesBackWhateverTheFramingOfEach(
      @ForAll("messages") List<String> messages, @ForAll List<Boolean> counted) throws IOException {
    StringBuilder stream = new StringBuilder();
    for (int i = 0; i < messages.size(); i++) {
      String m = messages.get(i);
      boolean octets = i < counted.size() && counted.get(i);
      if (octets) {
        stream.append(m.getBytes(StandardCharsets.UTF_8).length).append(' ').append(m);
      } else {
        stream.append(m).append('\n');
      }
    }
    List<String> expected =
        messages.stream()
            .map(m -> new String(m.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
            .toList();

    assertThat(frames(stream.toString(), 65536)).isEqualTo(expected);
  }
}
