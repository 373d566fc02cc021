package io.opsflow.workers.embedded;

import java.util.Optional;

/** The Temporal server of the embedded default: the real dev server, or the Java test server. */
public interface TemporalEngine extends AutoCloseable {

  /** The frontend address clients connect to, {@code 127.0.0.1:<port>}. */
  String target();

  /** The Temporal UI's address, when this engine serves one. */
  Optional<String> uiUrl();

  /** Whether workflow state outlives this engine's process (a database file). */
  boolean durable();

  /** One line for the start-up log: what runs, where, and what it keeps. */
  String describe();

  /** Stops the engine if this process started it; idempotent. */
  @Override
  void close();
}
