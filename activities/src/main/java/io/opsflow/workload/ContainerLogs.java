package io.opsflow.workload;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The tail of a container's stdout and stderr, as {@code docker logs --tail N} shows them. */
final class ContainerLogs {

  /** At most this many characters are kept (the end), so workflow payloads stay small. */
  static final int MAX_CHARS = 32 * 1024;

  private static final long READ_TIMEOUT_SECONDS = 30;

  private ContainerLogs() {}

  /**
   * The last {@code lines} lines, stdout and stderr interleaved in the order written (Docker
   * multiplexes them; docker-java splits the frames); null when the container is gone.
   */
  static String tail(DockerClient docker, String containerId, int lines)
      throws InterruptedException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ResultCallback.Adapter<Frame> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Frame frame) {
            synchronized (bytes) {
              bytes.writeBytes(frame.getPayload());
            }
          }
        };
    try {
      docker
          .logContainerCmd(containerId)
          .withStdOut(true)
          .withStdErr(true)
          .withTail(lines)
          .exec(callback)
          .awaitCompletion(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (NotFoundException e) {
      return null;
    } finally {
      try {
        callback.close();
      } catch (java.io.IOException e) {
        // closing a finished stream
      }
    }
    String text;
    synchronized (bytes) {
      // decoded once: a multi-byte character may span two frames
      text = bytes.toString(StandardCharsets.UTF_8);
    }
    return text.length() <= MAX_CHARS ? text : text.substring(text.length() - MAX_CHARS);
  }
}
