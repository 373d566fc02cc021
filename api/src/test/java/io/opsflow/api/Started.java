package io.opsflow.api;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A test's peer (a device simulator, a relay, a server) started in a static field's initializer,
 * before the test application reads its address: {@code static final X x = Started.at(() ->
 * X.start(...));}.
 */
final class Started {

  /** Starts a peer; may fail with an I/O error. */
  interface Start<T> {
    T start() throws IOException;
  }

  private Started() {}

  static <T> T at(Start<T> start) {
    try {
      return start.start();
    } catch (IOException e) {
      throw new UncheckedIOException("a test peer did not start", e);
    }
  }
}
