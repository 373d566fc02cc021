package io.opsflow.simulators.flight;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the real flight logs: {@code OPSFLOW_FLIGHT_DATA}, else the repo's {@code
 * testdata/flight}, else the shared data beside the checkout.
 */
final class FlightData {

  private FlightData() {}

  static Path vtolTlog() {
    String configured = System.getenv("OPSFLOW_FLIGHT_DATA");
    Path dir = configured != null ? Path.of(configured) : null;
    if (dir == null) {
      // Maven runs tests in the module directory: the repo is its parent, shared/ beside the repo.
      Path repo = Path.of("").toAbsolutePath().getParent();
      for (Path candidate :
          new Path[] {
            repo.resolve("testdata").resolve("flight"),
            repo.resolveSibling("shared").resolve("data").resolve("flight")
          }) {
        if (dir == null && Files.isReadable(candidate.resolve("vtol.tlog"))) {
          dir = candidate;
        }
      }
    }
    if (dir == null || !Files.isReadable(dir.resolve("vtol.tlog"))) {
      throw new IllegalStateException(
          "vtol.tlog not found: set OPSFLOW_FLIGHT_DATA to a directory holding it (testdata/flight)");
    }
    return dir.resolve("vtol.tlog");
  }
}
