package io.opsflow.api.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.opsflow.api.web.ApiException;
import java.util.Locale;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

/**
 * GitHub's rules for variable names: a name the API accepts is one the table's check constraint
 * accepts (never a 500 from the database), any other is a 400 naming {@code name}, and names that
 * differ only in case are the same variable.
 */
class PipelineVariableNamesTest {

  /** The check constraint of V12__pipeline_variables.sql. */
  private static final Pattern STORED = Pattern.compile("[A-Z_][A-Z0-9_]*");

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.oneOf(
        // mostly valid-looking: letters, digits, underscores, sometimes GITHUB_ in front
        Arbitraries.strings()
            .withChars("abcxyzABCXYZ019_")
            .ofMinLength(0)
            .ofMaxLength(110)
            .flatMap(
                s ->
                    Arbitraries.of("", "GITHUB_", "github_", "GitHub", "1")
                        .map(prefix -> prefix + s)),
        // anything at all, unicode included
        Arbitraries.strings().ofMaxLength(40));
  }

  @Property(tries = 2000)
  void anAcceptedNameIsStoredUpperCasedAsTheTableAllowsElseA400NamingTheField(
      @ForAll("names") String name) {
    String stored;
    try {
      stored = PipelineVariables.name(name);
    } catch (ApiException e) {
      assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST);
      assertThat(e.field()).isEqualTo("name");
      assertThat(e.getMessage()).startsWith("name ");
      return;
    }
    assertThat(stored).matches(STORED).doesNotStartWith("GITHUB_").hasSizeLessThanOrEqualTo(100);
    assertThat(stored).isEqualTo(name.toUpperCase(Locale.ROOT));
    assertThat(PipelineVariables.name(name.toLowerCase(Locale.ROOT))).isEqualTo(stored);
  }

  @Test
  void githubsExamplesAndRefusals() {
    assertThat(PipelineVariables.name("deploy_env")).isEqualTo("DEPLOY_ENV");
    assertThat(PipelineVariables.name("_x1")).isEqualTo("_X1");
    assertThat(PipelineVariables.name("GITHUBX")).isEqualTo("GITHUBX");
    for (String bad : new String[] {"", "1X", "GITHUB_REF", "github_sha", "A B", "Ä", "a-b"}) {
      ApiException e = catchThrowableOfType(ApiException.class, () -> PipelineVariables.name(bad));
      assertThat(e).as(bad).isNotNull();
      assertThat(e.field()).as(bad).isEqualTo("name");
    }
  }
}
