package io.opsflow.api.pass;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opsflow.api.web.ApiException;
import io.opsflow.api.web.OpenStreams;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * A pass's events and packets as one SSE stream in id order ({@code id:} the row id, events named
 * {@code pass-event} and {@code packet}), resumed after {@code Last-Event-ID}; it ends with an
 * {@code end} event once the pass is over and everything was sent. It reads only the database
 * (polled, like the build-log followers without a wake-up), so it serves a pass whose executor is
 * gone exactly as a live one.
 *
 * <p>Ids come from one sequence, but concurrent writers commit out of id order: a row is sent only
 * once an earlier read (at least {@link #SETTLE_MILLIS} before) saw rows up to its id, by which
 * time a writer that drew a smaller id has committed. Once the pass is over nothing is held back.
 */
@Component
public class PassStream {

  private static final Logger log = LoggerFactory.getLogger(PassStream.class);

  static final long POLL_MILLIS = 250;
  static final long SETTLE_MILLIS = 500;
  static final long KEEPALIVE_MILLIS = 15_000;
  static final int BATCH = 1000;

  private final PassRecords records;
  private final JdbcTemplate jdbc;
  private final WorkflowClient client;
  private final OpenStreams streams;

  public PassStream(
      PassRecords records, JdbcTemplate jdbc, WorkflowClient client, OpenStreams streams) {
    this.records = records;
    this.jdbc = jdbc;
    this.client = client;
    this.streams = streams;
  }

  /**
   * Over: a final status and the workflow closed. Postprocessing writes its last events after the
   * final status, so the status alone would end the stream before them; once {@code pass-<id>} is
   * closed, every activity that writes rows has committed. A pass whose workflow is unknown to the
   * engine (history gone past retention) is over with its status.
   */
  private boolean over(long passId, String status) {
    if (!PassStates.isFinal(status)) {
      return false;
    }
    try {
      WorkflowExecutionStatus state =
          client
              .getWorkflowServiceStubs()
              .blockingStub()
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(client.getOptions().getNamespace())
                      .setExecution(
                          WorkflowExecution.newBuilder().setWorkflowId("pass-" + passId).build())
                      .build())
              .getWorkflowExecutionInfo()
              .getStatus();
      return state != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    } catch (StatusRuntimeException e) {
      // Unknown to the engine: over with its status. The engine unreachable: asked again at the
      // next poll, the stream stays open meanwhile.
      return e.getStatus().getCode() == Status.Code.NOT_FOUND;
    }
  }

  /** The cursor: Last-Event-ID (a reconnecting browser's) wins over {@code ?after=}. */
  static long cursor(String lastEventId, Long after) {
    if (lastEventId != null && !lastEventId.isBlank()) {
      try {
        long id = Long.parseLong(lastEventId.strip());
        if (id >= 0) {
          return id;
        }
      } catch (NumberFormatException e) {
        // refused below
      }
      throw ApiException.badRequest(
          "Last-Event-ID",
          "Last-Event-ID: the id of the last event received, a number, not '"
              + PassInputs.clip(lastEventId)
              + "'");
    }
    return after == null ? 0 : PassInputs.after(after);
  }

  public SseEmitter follow(long passId, long after) {
    SseEmitter emitter = streams.open();
    Thread.ofVirtual().name("pass-stream-" + passId).start(() -> stream(emitter, passId, after));
    return emitter;
  }

  private String status(long passId) {
    return jdbc.queryForObject("select status from passes where id = ?", String.class, passId);
  }

  private void stream(SseEmitter emitter, long passId, long after) {
    // (time of a read, the largest id it saw): rows up to that id are safe SETTLE_MILLIS later.
    Deque<long[]> reads = new ArrayDeque<>();
    long settled = -1;
    long seen = after;
    try {
      emitter.send(SseEmitter.event().comment("pass " + passId + " after " + after));
      long quietSince = System.currentTimeMillis();
      while (true) {
        // The status first: a pass over before this read has written everything it will.
        String status = status(passId);
        boolean over = over(passId, status);
        List<PassRecords.Item> items = records.after(passId, after, BATCH);
        long now = System.currentTimeMillis();
        if (!items.isEmpty()) {
          seen = Math.max(seen, items.getLast().id());
        }
        reads.addLast(new long[] {now, seen});
        while (!reads.isEmpty() && reads.peekFirst()[0] <= now - SETTLE_MILLIS) {
          settled = Math.max(settled, reads.pollFirst()[1]);
        }
        int sent = 0;
        for (PassRecords.Item item : items) {
          if (!over && item.id() > settled) {
            break;
          }
          send(emitter, item);
          after = item.id();
          sent++;
        }
        if (sent > 0) {
          quietSince = now;
          if (sent == BATCH) {
            continue;
          }
        }
        if (over && sent == items.size() && items.size() < BATCH) {
          emitter.send(
              SseEmitter.event()
                  .name("end")
                  .data(Map.of("pass_id", passId, "status", status), MediaType.APPLICATION_JSON));
          emitter.complete();
          return;
        }
        if (now - quietSince > KEEPALIVE_MILLIS) {
          emitter.send(SseEmitter.event().comment("keep-alive"));
          quietSince = now;
        }
        Thread.sleep(POLL_MILLIS);
      }
    } catch (IOException | IllegalStateException gone) {
      // The client went away.
    } catch (InterruptedException e) {
      emitter.complete();
    } catch (RuntimeException e) {
      log.warn("stream of pass {} failed", passId, e);
      emitter.completeWithError(e);
    }
  }

  private static void send(SseEmitter emitter, PassRecords.Item item) throws IOException {
    SseEmitter.SseEventBuilder event = SseEmitter.event().id(Long.toString(item.id()));
    if (item.event() != null) {
      event.name("pass-event").data(item.event(), MediaType.APPLICATION_JSON);
    } else {
      event.name("packet").data(item.packet(), MediaType.APPLICATION_JSON);
    }
    emitter.send(event);
  }
}
