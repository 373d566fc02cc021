package io.opsflow.build.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InstallationTokenTest {

  @Test
  void oneDatabaseAlwaysGivesTheSameEightHexToken() {
    InstallationToken token = InstallationToken.ofSystemIdentifier(7_412_345_678_901_234_567L);

    assertThat(token.value()).matches("[0-9a-f]{8}");
    assertThat(InstallationToken.ofSystemIdentifier(7_412_345_678_901_234_567L)).isEqualTo(token);
    assertThat(token).hasToString(token.value());
  }

  @Test
  void databasesInitialisedTheSameSecondGetDifferentTokens() {
    // initdb puts the seconds in the high 32 bits: two identifiers may share that prefix.
    long second = 1_700_000_000L << 32;

    assertThat(InstallationToken.ofSystemIdentifier(second | (1L << 12)))
        .isNotEqualTo(InstallationToken.ofSystemIdentifier(second | (2L << 12)));
  }

  @Test
  void aNegativeIdentifierIsReadAsUnsigned() {
    // initdb chooses a uint64; PostgreSQL shows it as a bigint, negative when the top bit is set.
    assertThat(InstallationToken.ofSystemIdentifier(-1L).value()).matches("[0-9a-f]{8}");
  }

  @Test
  void aMalformedTokenIsRejectedNamingIt() {
    assertThatThrownBy(() -> new InstallationToken("ABC"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("installation token must be 8 lower-case hex characters, was 'ABC'");
  }
}
