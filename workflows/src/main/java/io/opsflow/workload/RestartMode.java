package io.opsflow.workload;

/** Docker's and Nomad's restart modes, enforced by the workload workflow (not by dockerd). */
public enum RestartMode {
  /** Never restart: Exited and Failed are final. */
  NEVER,
  /** Restart after a non-zero exit or a failure, up to the policy's max attempts. */
  ON_FAILURE,
  /** Restart after any exit (also exit 0), up to the policy's max attempts (0 = unbounded). */
  ALWAYS
}
