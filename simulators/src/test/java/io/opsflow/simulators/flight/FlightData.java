package io.opsflow.simulators.flight;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared real flight logs (../shared/data/flight beside the checkout). */
final class FlightData {

  private FlightData() {}

  static Path vtolTlog() {
    String configured = System.getenv("OPSFLOW_FLIGHT_DATA");
    Path dir = configured != null ? Path.of(configured) : null;
    if (dir == null) {
      // Maven runs tests in the module directory: the repo is its parent, shared/ beside the repo.
      Path repo = Path.of("").toAbsolutePath().getParent();
      Path candidate = repo.resolveSibling("shared").resolve("data").resolve("flight");
      if (Files.isDirectory(candidate)) {
        dir = candidate;
      }
    }
    if (dir == null || !Files.isReadable(dir.resolve("vtol.tlog"))) {
      throw new IllegalStateException(
          "vtol.tlog not found: set OPSFLOW_FLIGHT_DATA to the shared/data/flight directory");
    }
    return dir.resolve("vtol.tlog");
  }
}
