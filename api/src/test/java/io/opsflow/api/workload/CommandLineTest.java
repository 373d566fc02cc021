package io.opsflow.api.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsflow.api.web.ApiException;
import org.junit.jupiter.api.Test;

class CommandLineTest {

  @Test
  void splitsOnWhitespaceLikeAShell() {
    assertThat(CommandLine.split("celery  worker -l info"))
        .containsExactly("celery", "worker", "-l", "info");
    assertThat(CommandLine.split("")).isEmpty();
    assertThat(CommandLine.split(null)).isEmpty();
  }

  @Test
  void quotesKeepWordsTogetherWithoutExpansion() {
    assertThat(CommandLine.split("sh -c 'echo $HOME; exit 3'"))
        .containsExactly("sh", "-c", "echo $HOME; exit 3");
    assertThat(CommandLine.split("echo \"say \\\"hi\\\"\" a\\ b ''"))
        .containsExactly("echo", "say \"hi\"", "a b", "");
  }

  @Test
  void unterminatedQuoteIsABadRequestNamingTheField() {
    assertThatThrownBy(() -> CommandLine.split("sh -c 'echo"))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("command")
        .hasMessageContaining("unterminated");
  }
}
