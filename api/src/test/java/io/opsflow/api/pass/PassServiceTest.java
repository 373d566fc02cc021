package io.opsflow.api.pass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.startsWith;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.opsflow.api.pass.PassDtos.GroundStationView;
import io.opsflow.api.pass.PassDtos.PassView;
import io.opsflow.api.pass.PassDtos.ReservePass;
import io.opsflow.api.web.ApiException;
import io.opsflow.pass.PassOperations.OperatorOnly;
import io.opsflow.pass.PassRequest;
import io.opsflow.pass.ProcedureGraph;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

/**
 * PassService's decisions around its workflow: a reservation whose workflow cannot start is
 * cancelled rather than left reserved; a refusal is logged as a rejected action under the update's
 * id; a reserved pass without a workflow gets one; an ended one is a 409.
 */
class PassServiceTest {

  private final Passes passes = mock(Passes.class);
  private final GroundStations stations = mock(GroundStations.class);
  private final PassWorkflows workflows = mock(PassWorkflows.class);
  private final PassActions actions = mock(PassActions.class);
  private final PassService service = new PassService(passes, stations, workflows, actions);

  private static final Instant AOS = Instant.parse("2030-01-01T00:00:00Z");

  private static PassView row(long id, String status) {
    return new PassView(
        id,
        "SAT-1",
        3,
        "gs",
        AOS,
        AOS.plusSeconds(600),
        60,
        ProcedureGraph.empty(),
        Map.of("band", "S"),
        status,
        1,
        "alice",
        AOS.minusSeconds(86400),
        AOS.minusSeconds(86400),
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  private static io.opsflow.pass.PassView view(long id, boolean paused) {
    return new io.opsflow.pass.PassView(
        id,
        "executing",
        "procedure",
        AOS,
        AOS.plusSeconds(600),
        60,
        1,
        null,
        1,
        paused,
        ProcedureGraph.empty(),
        List.of(),
        null);
  }

  private void stationExists() {
    when(stations.require(3))
        .thenReturn(new GroundStationView(3, "gs", "10.0.0.7", 10025, 78.2, 15.4, 0, AOS));
  }

  @Test
  void aReservationIsStartedWithItsRowAndGroundStation() {
    ReservePass body =
        new ReservePass("SAT-1", 3L, AOS, AOS.plusSeconds(600), 60, null, Map.of("band", "S"));
    when(passes.insert(body, "alice")).thenReturn(row(7, "reserved"));
    stationExists();
    assertThat(service.reserve(body, "alice").id()).isEqualTo(7);
    verify(workflows)
        .start(
            new PassRequest(
                7,
                "SAT-1",
                3,
                "gs",
                "10.0.0.7",
                10025,
                AOS,
                AOS.plusSeconds(600),
                60,
                ProcedureGraph.empty(),
                Map.of("band", "S"),
                1,
                null),
            "alice");
    verify(passes, never()).cancelUnstarted(any(Long.class), anyString());
  }

  @Test
  void aReservationWhoseWorkflowCannotStartIsCancelledAndA503() {
    ReservePass body = new ReservePass("SAT-1", 3L, AOS, AOS.plusSeconds(600), 60, null, null);
    when(passes.insert(body, "alice")).thenReturn(row(8, "reserved"));
    stationExists();
    doThrow(new IllegalStateException("UNAVAILABLE: io exception"))
        .when(workflows)
        .start(any(), eq("alice"));
    assertThatThrownBy(() -> service.reserve(body, "alice"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
              assertThat(e.getMessage()).contains("pass 8 was not reserved", "UNAVAILABLE");
            });
    verify(passes).cancelUnstarted(eq(8L), startsWith("its workflow could not be started"));
    verify(workflows).terminateQuietly(eq(8L), anyString());
  }

  @Test
  void aRefusedOperationIsLoggedAsRejectedUnderItsUpdateId() {
    when(passes.require(9)).thenReturn(row(9, "executing"));
    OperatorOnly stop = new OperatorOnly("bob");
    when(workflows.update(eq(9L), eq("stop"), startsWith("stop-"), eq(stop)))
        .thenThrow(ApiException.conflict("pass 9 is paused: resume it first"));
    assertThatThrownBy(() -> service.operate(9, "stop", null, stop, "bob"))
        .hasMessage("pass 9 is paused: resume it first");
    verify(actions)
        .rejected(
            eq(9L),
            eq("bob"),
            eq("stop"),
            eq(null),
            eq(stop),
            eq("pass 9 is paused: resume it first"),
            startsWith("stop-"));
  }

  @Test
  void aTimeoutIsNotARejection() {
    when(passes.require(10)).thenReturn(row(10, "executing"));
    OperatorOnly pause = new OperatorOnly("bob");
    when(workflows.update(eq(10L), eq("pause"), anyString(), eq(pause)))
        .thenThrow(new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "did not answer"));
    assertThatThrownBy(() -> service.operate(10, "pause", null, pause, "bob"))
        .isInstanceOf(ApiException.class);
    verify(actions, never()).rejected(any(Long.class), any(), any(), any(), any(), any(), any());
  }

  @Test
  void aReservedPassWithoutAWorkflowGetsOneAndTheOperationIsSentAgain() {
    when(passes.require(11)).thenReturn(row(11, "reserved"));
    stationExists();
    OperatorOnly pause = new OperatorOnly("bob");
    when(workflows.update(eq(11L), eq("pause"), anyString(), eq(pause)))
        .thenThrow(new PassWorkflows.NotRunning(new RuntimeException("not found")))
        .thenReturn(view(11, true));
    assertThat(service.operate(11, "pause", null, pause, "bob").paused()).isTrue();
    verify(workflows).start(any(PassRequest.class), eq("alice"));
  }

  @Test
  void anEndedPassIsA409LoggedAsRejected() {
    when(passes.require(12)).thenReturn(row(12, "success"));
    OperatorOnly pause = new OperatorOnly("bob");
    when(workflows.update(eq(12L), eq("pause"), anyString(), eq(pause)))
        .thenThrow(new PassWorkflows.NotRunning(new RuntimeException("completed")));
    assertThatThrownBy(() -> service.operate(12, "pause", null, pause, "bob"))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(HttpStatus.CONFLICT);
              assertThat(e.getMessage()).isEqualTo("pass 12 is success: its execution is over");
            });
    verify(workflows, never()).start(any(), any());
    verify(actions)
        .rejected(
            eq(12L),
            eq("bob"),
            eq("pause"),
            eq(null),
            eq(pause),
            eq("pass 12 is success: its execution is over"),
            anyString());
  }

  @Test
  void cancellingACancelledPassAnswersItWithoutAskingTheWorkflow() {
    when(passes.require(13)).thenReturn(row(13, "cancelled"));
    assertThat(service.cancel(13, null, "bob").status()).isEqualTo("cancelled");
    verify(workflows, never()).update(any(Long.class), any(), any(), any());
  }
}
