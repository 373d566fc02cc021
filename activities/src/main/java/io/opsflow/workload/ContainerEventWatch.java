package io.opsflow.workload;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import java.io.Closeable;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A subscription to Docker's event stream for one container: every event that could end it wakes
 * the follower, which then inspects. The stream may end (engine restart, idle timeout); {@link
 * #ended()} tells the follower to subscribe again.
 */
final class ContainerEventWatch implements ResultCallback<Event> {

  private static final String[] ENDING = {"die", "stop", "kill", "oom", "destroy"};

  private final Semaphore wake;
  private final CountDownLatch started = new CountDownLatch(1);
  private volatile Closeable stream;
  private volatile boolean ended;
  private volatile boolean closed;

  private ContainerEventWatch(Semaphore wake) {
    this.wake = wake;
  }

  /**
   * Subscribes and waits (up to {@code startTimeoutMillis}) until the engine answered, so that an
   * inspect made afterwards cannot miss an event in between.
   */
  static ContainerEventWatch subscribe(
      DockerClient docker, String container, Semaphore wake, long startTimeoutMillis)
      throws InterruptedException {
    ContainerEventWatch watch = new ContainerEventWatch(wake);
    docker.eventsCmd().withContainerFilter(container).withEventFilter(ENDING).exec(watch);
    watch.started.await(startTimeoutMillis, TimeUnit.MILLISECONDS);
    return watch;
  }

  boolean ended() {
    return ended;
  }

  @Override
  public void onStart(Closeable stream) {
    this.stream = stream;
    started.countDown();
    if (closed) {
      // closed before the engine answered: do not leave the stream open
      closeQuietly(stream);
    }
  }

  @Override
  public void onNext(Event event) {
    wake.release();
  }

  @Override
  public void onError(Throwable error) {
    end();
  }

  @Override
  public void onComplete() {
    end();
  }

  private void end() {
    ended = true;
    started.countDown();
    wake.release();
  }

  @Override
  public void close() {
    closed = true;
    ended = true;
    Closeable current = stream;
    if (current != null) {
      closeQuietly(current);
    }
  }

  private static void closeQuietly(Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException | RuntimeException e) {
      // the stream is being abandoned either way
    }
  }
}
