package io.opsflow.simulators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RouterOsDurationTest {

  @Test
  void parsesTheFormatsRouterOsAccepts() {
    assertThat(RouterOsDuration.parse("3600")).isEqualTo(Duration.ofHours(1));
    assertThat(RouterOsDuration.parse("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(RouterOsDuration.parse("1h2m3s")).isEqualTo(Duration.ofSeconds(3723));
    assertThat(RouterOsDuration.parse("01:00:00")).isEqualTo(Duration.ofHours(1));
    assertThat(RouterOsDuration.parse("1d 00:00:10")).isEqualTo(Duration.ofSeconds(86_410));
    assertThat(RouterOsDuration.parse("1w1d")).isEqualTo(Duration.ofDays(8));
    assertThat(RouterOsDuration.parse("500ms")).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void rejectsGarbage() {
    for (String bad : new String[] {"", "abc", "1x", "1h junk", "h1"}) {
      assertThatThrownBy(() -> RouterOsDuration.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void formatsLikeTheRouterPrints() {
    assertThat(RouterOsDuration.format(Duration.ofSeconds(3598))).isEqualTo("59m58s");
    assertThat(RouterOsDuration.format(Duration.ofSeconds(3723))).isEqualTo("1h2m3s");
    assertThat(RouterOsDuration.format(Duration.ofDays(8).plusSeconds(5))).isEqualTo("1w1d5s");
    assertThat(RouterOsDuration.format(Duration.ZERO)).isEqualTo("0s");
  }
}
