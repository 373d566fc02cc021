package io.opsflow;

import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.springframework.core.env.Environment;

/**
 * The data directory a process was given: {@code opsflow.data-dir}, else {@code OPSFLOW_DATA_DIR}.
 * Processes keep what must outlive a restart under it (keys, archives, executor logs).
 */
public final class DataDirectories {

  /** The default when none is given: {@code opsflow-data} in the working directory. */
  public static final Path DEFAULT = Path.of("opsflow-data");

  private DataDirectories() {}

  /** The configured data directory, if one is set. */
  public static Optional<Path> configured(Environment environment) {
    return Stream.of("opsflow.data-dir", "OPSFLOW_DATA_DIR")
        .map(environment::getProperty)
        .filter(value -> value != null && !value.isBlank())
        .findFirst()
        .map(value -> Path.of(value.strip()));
  }

  /** The configured data directory, else {@link #DEFAULT}. */
  public static Path orDefault(Environment environment) {
    return configured(environment).orElse(DEFAULT);
  }
}
