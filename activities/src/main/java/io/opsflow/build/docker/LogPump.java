package io.opsflow.build.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import io.opsflow.build.runner.LineSplitter;
import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Turns a container's followed log stream (frames arriving on docker-java's reader thread) into
 * lines the following thread takes with {@link #poll}: each item is a line ({@code String}), the
 * stream's failure ({@code Throwable}) or {@link #END}. The queue is bounded, so a job printing
 * faster than the database stores slows the reader instead of filling memory.
 */
final class LogPump extends ResultCallback.Adapter<Frame> {

  /** The stream ended: the container has stopped and every line was read. */
  static final Object END = new Object();

  private static final int CAPACITY = 4096;

  private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(CAPACITY);
  // stdout and stderr frames are cut separately so a partial line of one is not glued to the other
  private final LineSplitter stdout = new LineSplitter();
  private final LineSplitter stderr = new LineSplitter();
  private volatile boolean closed;

  @Override
  public void onNext(Frame frame) {
    byte[] payload = frame.getPayload();
    if (payload == null) {
      return;
    }
    LineSplitter splitter = frame.getStreamType() == StreamType.STDERR ? stderr : stdout;
    splitter.feed(payload, 0, payload.length, this::put);
  }

  @Override
  public void onError(Throwable error) {
    if (!closed) {
      put(error);
    }
    super.onError(error);
  }

  @Override
  public void onComplete() {
    stdout.finish(this::put);
    stderr.finish(this::put);
    put(END);
    super.onComplete();
  }

  /** The next item, or null when none came within {@code millis}. */
  Object poll(long millis) {
    try {
      return queue.poll(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while following a container's log", e);
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      super.close();
    } catch (IOException e) {
      // the stream is being abandoned; nothing to do about a failed close
    }
  }

  private void put(Object item) {
    try {
      while (!closed && !queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
        // the follower is behind: wait for room rather than drop a line
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
