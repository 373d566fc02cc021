package io.opsflow.api.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opsflow.api.build.LogHub;
import io.opsflow.build.runner.BuildLogStore;
import io.opsflow.events.EventLog;
import java.sql.Connection;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Listens on PostgreSQL's {@code opsflow_events} channel and hands each event to the hub, and on
 * the build-log channel to wake log followers. Events and log lines written by any process (workers
 * elsewhere included) reach this instance's dashboards.
 */
@Component
public class EventListener implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(EventListener.class);

  private final DataSource dataSource;
  private final EventHub hub;
  private final EventQueries queries;
  private final ObjectMapper mapper;
  private final LogHub logs;
  private volatile boolean running;
  private volatile boolean listening;
  private Thread thread;

  public EventListener(
      DataSource dataSource, EventHub hub, EventQueries queries, ObjectMapper mapper, LogHub logs) {
    this.dataSource = dataSource;
    this.logs = logs;
    this.hub = hub;
    this.queries = queries;
    this.mapper = mapper;
  }

  @Override
  public void start() {
    running = true;
    thread = Thread.ofVirtual().name("pg-event-listener").start(this::loop);
  }

  @Override
  public void stop() {
    running = false;
    if (thread != null) {
      try {
        // Not interrupted: interrupting a virtual thread in a socket read closes the socket under
        // the pool. The loop sees running=false within one notification poll (1 s) and closes
        // its connection before the pool (and an embedded PostgreSQL) goes.
        thread.join(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** True once LISTEN is in place (events appended from now on are delivered). */
  public boolean isListening() {
    return listening;
  }

  private void loop() {
    while (running) {
      try (Connection connection = dataSource.getConnection()) {
        try (Statement st = connection.createStatement()) {
          st.execute("LISTEN " + EventLog.CHANNEL);
          st.execute("LISTEN " + BuildLogStore.CHANNEL);
        }
        listening = true;
        PGConnection pg = connection.unwrap(PGConnection.class);
        while (running) {
          PGNotification[] notifications = pg.getNotifications(1000);
          if (notifications == null) {
            continue;
          }
          for (PGNotification n : notifications) {
            if (n.getName().equals(BuildLogStore.CHANNEL)) {
              wakeLogFollowers(n.getParameter());
            } else {
              dispatch(n.getParameter());
            }
          }
        }
      } catch (Exception e) {
        listening = false;
        if (!running) {
          return;
        }
        log.warn("event listener lost its connection, retrying: {}", e.getMessage());
        try {
          Thread.sleep(1000);
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  private void dispatch(String payload) {
    try {
      JsonNode event = mapper.readTree(payload);
      if (!event.has("type")) {
        // Announced by id only (too big for NOTIFY): read it.
        event = queries.byId(event.path("id").asLong());
        if (event == null) {
          return;
        }
      }
      hub.publish(event);
      if (event.hasNonNull("build_id")) {
        // A job's status changed: its log followers may be done.
        logs.touchBuild(event.path("build_id").asLong());
      }
    } catch (Exception e) {
      log.warn("could not dispatch event {}: {}", payload, e.getMessage());
    }
  }

  private void wakeLogFollowers(String payload) {
    try {
      JsonNode n = mapper.readTree(payload);
      logs.touch(n.path("build_id").asLong(), n.path("job_id").asText());
    } catch (Exception e) {
      log.warn("could not read build-log notification {}: {}", payload, e.getMessage());
    }
  }
}
