package io.opsflow.benchmarks;

import io.opsflow.session.SessionRequest;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Splits each session's lateness into its legs, from the workflow history (server clock) and the
 * row (database clock; both are this machine's clock):
 *
 * <ol>
 *   <li>timer armed late: the workflow computes {@code scheduled_end_at} from its task's start time
 *       but the server starts the timer when the task completes
 *   <li>timer fire delay: TimerFired minus (TimerStarted + its duration), the test server's timer
 *   <li>workflow task wait: TimerFired to the next WorkflowTaskStarted (queue + poll)
 *   <li>workflow task run: WorkflowTaskStarted to WorkflowTaskCompleted (replay-free sticky task)
 *   <li>activity wait: ActivityTaskScheduled to ActivityTaskStarted of the {@code SessionEnd}
 *       activity
 *   <li>activity to row: ActivityTaskStarted to {@code actual_end_at} (delivery to the worker,
 *       Spring transaction, the UPDATE)
 * </ol>
 *
 * <p>Since the end is a local activity (workflow version "local-end" 1) legs 4 and 5 are 0 and leg
 * 6 runs from the woken task's start to the row update, inside that task.
 */
final class LatenessBreakdown {

  static final String[] LEGS = {
    "timer armed late (task start->complete)",
    "timer fire delay (test server)",
    "workflow task wait (fired->started)",
    "workflow task run (started->completed; 0 local)",
    "End activity wait (scheduled->started; 0 local)",
    "End start -> row updated (local: task start)",
  };

  /**
   * Where a start spends its time, summed over the steps from WorkflowExecutionStarted to the
   * completion of the {@code awaitStart} update (the session is ACTIVE).
   */
  static final String[] START_LEGS = {
    "workflow task wait (scheduled->started)",
    "workflow task run (started->completed)",
    "activity wait (scheduled->started)",
    "activity run (started->completed)",
  };

  // SessionActivities#end, with the interface's name prefix "Session".
  private static final String END_ACTIVITY = "SessionEnd";

  /**
   * Percentiles of each leg over the analysed histories, and the mean of each leg over the slowest
   * 1% (total at or above its p99).
   */
  record Table(
      int analysed, Percentiles[] legs, Percentiles total, double[] tailMeans, double tailFrom) {}

  record Result(int sampled, Table expiry, Table start) {}

  private LatenessBreakdown() {}

  static Result analyse(
      WorkflowClient client,
      long[] ids,
      double[] scheduledEndMs,
      double[] actualEndMs,
      int maxSample,
      Phases phases)
      throws InterruptedException {
    int n = ids.length;
    int sample = Math.min(n, maxSample);
    phases.begin(
        "breakdown: read " + sample + " workflow histories", Duration.ofSeconds(60 + sample / 20));
    List<Future<double[][]>> futures = new ArrayList<>(sample);
    Semaphore permits = new Semaphore(16);
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    try {
      for (int k = 0; k < sample; k++) {
        int i = (int) ((long) k * n / sample);
        while (!permits.tryAcquire(
            Math.max(1, phases.remaining().toMillis()), TimeUnit.MILLISECONDS)) {
          phases.check();
        }
        futures.add(
            executor.submit(
                () -> {
                  try {
                    List<HistoryEvent> events =
                        client.fetchHistory(SessionRequest.workflowId(ids[i])).getEvents();
                    return new double[][] {
                      legs(events, scheduledEndMs[i], actualEndMs[i]), startLegs(events)
                    };
                  } finally {
                    permits.release();
                  }
                }));
      }
      List<double[]> expiryRows = new ArrayList<>();
      List<double[]> startRows = new ArrayList<>();
      for (Future<double[][]> f : futures) {
        try {
          double[][] row = f.get(Math.max(1, phases.remaining().toMillis()), TimeUnit.MILLISECONDS);
          if (row[0] != null) {
            expiryRows.add(row[0]);
          }
          if (row[1] != null) {
            startRows.add(row[1]);
          }
        } catch (java.util.concurrent.ExecutionException e) {
          phases.log("history not analysed: " + e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
          phases.check();
        }
      }
      executor.close();
      phases.end();
      return new Result(
          sample, summarise(expiryRows, LEGS.length), summarise(startRows, START_LEGS.length));
    } catch (RuntimeException | InterruptedException e) {
      executor.shutdownNow();
      throw e;
    }
  }

  private static Table summarise(List<double[]> rows, int legs) {
    Percentiles[] perLeg = new Percentiles[legs];
    double[] lateness = rows.stream().mapToDouble(r -> r[legs]).toArray();
    double tailFrom = Percentiles.of(lateness).p99();
    double[] tailMeans = new double[legs];
    int tail = 0;
    for (double[] r : rows) {
      if (r[legs] >= tailFrom) {
        tail++;
        for (int l = 0; l < legs; l++) {
          tailMeans[l] += r[l];
        }
      }
    }
    for (int l = 0; l < legs; l++) {
      int leg = l;
      perLeg[l] = Percentiles.of(rows.stream().mapToDouble(r -> r[leg]).toArray());
      tailMeans[l] = tail == 0 ? Double.NaN : tailMeans[l] / tail;
    }
    return new Table(rows.size(), perLeg, Percentiles.of(lateness), tailMeans, tailFrom);
  }

  /** The legs in ms followed by the total lateness, or null if the history has another shape. */
  static double[] legs(List<HistoryEvent> events, double scheduledEnd, double actualEnd) {
    // Version 1 of "local-end" writes the end as a local activity inside the workflow task the
    // timer wakes (a LocalActivity marker); before it, a SessionEnd activity task.
    int end = -1;
    boolean local = false;
    for (int i = 0; i < events.size(); i++) {
      HistoryEvent e = events.get(i);
      if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
          && e.getActivityTaskScheduledEventAttributes()
              .getActivityType()
              .getName()
              .equals(END_ACTIVITY)) {
        end = i;
        break;
      }
      // Since "local-writes" every row is a local activity: the end is the marker of type
      // SessionEnd, not the first marker.
      if (e.getEventType() == EventType.EVENT_TYPE_MARKER_RECORDED
          && e.getMarkerRecordedEventAttributes().getMarkerName().equals("LocalActivity")
          && isEndMarker(e)) {
        end = i;
        local = true;
        break;
      }
    }
    if (end < 0) {
      return null;
    }
    int fired = -1;
    for (int i = end - 1; i >= 0; i--) {
      if (events.get(i).getEventType() == EventType.EVENT_TYPE_TIMER_FIRED) {
        fired = i;
        break;
      }
    }
    if (fired < 0) {
      return null;
    }
    long timerStartedId = events.get(fired).getTimerFiredEventAttributes().getStartedEventId();
    HistoryEvent timerStarted = null;
    int taskStarted = -1;
    int taskCompleted = -1;
    HistoryEvent activityStarted = null;
    long endScheduledId = events.get(end).getEventId();
    for (int i = 0; i < events.size(); i++) {
      HistoryEvent e = events.get(i);
      if (e.getEventId() == timerStartedId) {
        timerStarted = e;
      }
      if (i > fired
          && taskStarted < 0
          && e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
        taskStarted = i;
      }
      if (taskStarted >= 0
          && i > taskStarted
          && taskCompleted < 0
          && e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
        taskCompleted = i;
      }
      if (!local
          && e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
          && e.getActivityTaskStartedEventAttributes().getScheduledEventId() == endScheduledId) {
        activityStarted = e;
      }
    }
    if (timerStarted == null || taskStarted < 0 || (!local && taskCompleted < 0)) {
      return null;
    }
    if (!local && activityStarted == null) {
      return null;
    }
    var timeout = timerStarted.getTimerStartedEventAttributes().getStartToFireTimeout();
    double due = ms(timerStarted) + timeout.getSeconds() * 1000.0 + timeout.getNanos() / 1e6;
    double firedAt = ms(events.get(fired));
    double taskStartedAt = ms(events.get(taskStarted));
    if (local) {
      // The row is written while the task runs: no task-completion or activity-dispatch leg.
      return new double[] {
        due - scheduledEnd,
        firedAt - due,
        taskStartedAt - firedAt,
        0,
        0,
        actualEnd - taskStartedAt,
        actualEnd - scheduledEnd,
      };
    }
    double taskCompletedAt = ms(events.get(taskCompleted));
    double activityScheduledAt = ms(events.get(end));
    double activityStartedAt = ms(activityStarted);
    return new double[] {
      due - scheduledEnd,
      firedAt - due,
      taskStartedAt - firedAt,
      taskCompletedAt - taskStartedAt,
      activityStartedAt - activityScheduledAt,
      actualEnd - activityStartedAt,
      actualEnd - scheduledEnd,
    };
  }

  /** Whether a LocalActivity marker records the SessionEnd activity (its "type" detail). */
  private static boolean isEndMarker(HistoryEvent marker) {
    var type = marker.getMarkerRecordedEventAttributes().getDetailsMap().get("type");
    if (type == null || type.getPayloadsCount() == 0) {
      return false;
    }
    String json = type.getPayloads(0).getData().toStringUtf8();
    return json.equals("\"" + END_ACTIVITY + "\"");
  }

  /**
   * The start legs in ms followed by the total (WorkflowExecutionStarted to the first
   * WorkflowExecutionUpdateCompleted), or null without a completed update.
   */
  static double[] startLegs(List<HistoryEvent> events) {
    if (events.isEmpty()) {
      return null;
    }
    double started = ms(events.get(0));
    double active = Double.NaN;
    for (HistoryEvent e : events) {
      if (e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED) {
        active = ms(e);
        break;
      }
    }
    if (Double.isNaN(active)) {
      return null;
    }
    java.util.Map<Long, Double> times = new java.util.HashMap<>();
    for (HistoryEvent e : events) {
      times.put(e.getEventId(), ms(e));
    }
    double[] row = new double[START_LEGS.length + 1];
    for (HistoryEvent e : events) {
      double at = ms(e);
      if (at > active) {
        continue;
      }
      switch (e.getEventType()) {
        case EVENT_TYPE_WORKFLOW_TASK_STARTED ->
            row[0] +=
                at
                    - times.getOrDefault(
                        e.getWorkflowTaskStartedEventAttributes().getScheduledEventId(), at);
        case EVENT_TYPE_WORKFLOW_TASK_COMPLETED ->
            row[1] +=
                at
                    - times.getOrDefault(
                        e.getWorkflowTaskCompletedEventAttributes().getStartedEventId(), at);
        case EVENT_TYPE_ACTIVITY_TASK_STARTED ->
            row[2] +=
                at
                    - times.getOrDefault(
                        e.getActivityTaskStartedEventAttributes().getScheduledEventId(), at);
        case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> {
          var a = e.getActivityTaskCompletedEventAttributes();
          row[3] += at - times.getOrDefault(a.getStartedEventId(), at);
        }
        default -> {
          // other events take no time of their own
        }
      }
    }
    row[START_LEGS.length] = active - started;
    return row;
  }

  private static double ms(HistoryEvent e) {
    return e.getEventTime().getSeconds() * 1000.0 + e.getEventTime().getNanos() / 1e6;
  }
}
