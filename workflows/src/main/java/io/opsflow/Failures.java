package io.opsflow;

import io.temporal.failure.ApplicationFailure;

/** Reading Temporal failures, the same way in workflows and in the API. */
public final class Failures {

  private Failures() {}

  /**
   * The first ApplicationFailure in a cause chain (activity, update or workflow failures wrap it),
   * or null.
   */
  public static ApplicationFailure applicationCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure af) {
        return af;
      }
    }
    return null;
  }
}
