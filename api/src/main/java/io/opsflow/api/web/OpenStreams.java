package io.opsflow.api.web;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The API's open event streams (the live events, a build's log, a pass's records), ended by the
 * server when it stops. A stream has no timeout, so the web server's graceful shutdown would wait
 * for every open console until its phase timed out (30 s) and then cut them anyway. Ending them
 * first lets it stop at once; each client reconnects with its {@code Last-Event-ID} to an instance
 * that is up, and misses nothing.
 *
 * <p>Its phase is the highest, so it stops before the web server's graceful shutdown begins.
 */
@Component
public class OpenStreams implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(OpenStreams.class);

  private final Set<SseEmitter> open = ConcurrentHashMap.newKeySet();
  private volatile boolean running;

  /** A new stream without a timeout, ended when it completes, fails, or the server stops. */
  public SseEmitter open() {
    SseEmitter emitter = new SseEmitter(0L);
    open.add(emitter);
    emitter.onCompletion(() -> open.remove(emitter));
    emitter.onError(e -> open.remove(emitter));
    emitter.onTimeout(() -> open.remove(emitter));
    return emitter;
  }

  /** How many streams are open. */
  public int size() {
    return open.size();
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    List<SseEmitter> ending = List.copyOf(open);
    if (!ending.isEmpty()) {
      log.info("ending {} open event stream(s): the server stops", ending.size());
    }
    for (SseEmitter emitter : ending) {
      try {
        emitter.complete();
      } catch (RuntimeException e) {
        // Already ended by its writer or its client.
      }
      open.remove(emitter);
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return Integer.MAX_VALUE;
  }
}
