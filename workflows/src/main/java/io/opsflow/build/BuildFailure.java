package io.opsflow.build;

/** Failure types of the build flow, used as ApplicationFailure types. */
public enum BuildFailure {
  /** The job's image is not on the runner and cannot be pulled. */
  IMAGE_NOT_FOUND,
  /** The job ran past its timeout; the runner stopped it. */
  TIMED_OUT,
  /** The runner refused the job (bad spec); retrying cannot help. */
  INVALID_JOB;

  public String type() {
    return name();
  }
}
