package io.opsflow.pass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.failure.ApplicationFailure;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** How a node's command and payload become a telecommand's user data. */
class PassLinkActivitiesImplTest {

  @Test
  void setModeIsTheSimulatorsModeCommandFollowedByThePayload() {
    assertThat(hex(PassLinkActivitiesImpl.userData("SET_MODE", "02"))).isEqualTo("0102");
    assertThat(hex(PassLinkActivitiesImpl.userData("set_mode", " 02 "))).isEqualTo("0102");
    assertThat(hex(PassLinkActivitiesImpl.userData("PING", null))).isEqualTo("02");
    assertThat(hex(PassLinkActivitiesImpl.userData("0x2A", "dead BEEF"))).isEqualTo("2adeadbeef");
    assertThat(hex(PassLinkActivitiesImpl.userData("7", ""))).isEqualTo("07");
  }

  @Test
  void unknownCommandsAndBadPayloadsAreRefusedWithoutRetry() {
    assertThatThrownBy(() -> PassLinkActivitiesImpl.userData("SELF_DESTRUCT", null))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> {
              assertThat(f.getType()).isEqualTo("UnknownCommand");
              assertThat(f.isNonRetryable()).isTrue();
              assertThat(f.getOriginalMessage()).contains("SET_MODE").contains("0x00..0xFF");
            });
    assertThatThrownBy(() -> PassLinkActivitiesImpl.userData("0x100", null))
        .hasMessageContaining("outside 0..255");
    assertThatThrownBy(() -> PassLinkActivitiesImpl.userData("PING", "0g"))
        .isInstanceOfSatisfying(
            ApplicationFailure.class, f -> assertThat(f.getType()).isEqualTo("InvalidTelecommand"));
  }

  @Test
  void conditionsCompareAsTheirOpSaysAndUnknownParametersAreRefused() {
    assertThat(Telemetry.holds(new ParameterCondition("mode", "eq", 2.0), 2.0)).isTrue();
    assertThat(Telemetry.holds(new ParameterCondition("mode", "ne", 2.0), 2.0)).isFalse();
    assertThat(Telemetry.holds(new ParameterCondition("x", "ge", 7.2), 7.2)).isTrue();
    assertThat(Telemetry.holds(new ParameterCondition("x", "gt", 7.2), 7.2)).isFalse();
    assertThat(Telemetry.holds(new ParameterCondition("x", "lt", 0.0), -0.5)).isTrue();
    assertThat(Telemetry.holds(new ParameterCondition("x", "le", 0.0), 0.5)).isFalse();
    assertThatThrownBy(() -> Telemetry.require(new ParameterCondition("altitude", "gt", 1.0)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class, f -> assertThat(f.getType()).isEqualTo("UnknownParameter"));
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
