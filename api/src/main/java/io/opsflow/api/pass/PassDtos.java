package io.opsflow.api.pass;

import io.opsflow.pass.ExecutorHandle;
import io.opsflow.pass.NodeState;
import io.opsflow.pass.ProcedureGraph;
import io.opsflow.pass.ProcedureLink;
import io.opsflow.pass.ProcedureNode;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Request and response bodies of the ground-station and pass routes (snake_case on the wire). */
public final class PassDtos {

  private PassDtos() {}

  /**
   * @param name unique
   * @param host the TM/TC endpoint's host (TCP, CCSDS space packets)
   * @param port the TM/TC endpoint's port
   * @param latitude degrees north, -90..90
   * @param longitude degrees east, -180..180
   * @param altitude metres above the WGS 84 ellipsoid (0 when absent)
   */
  public record CreateGroundStation(
      @NotBlank @Size(max = 200) String name,
      @NotBlank @Size(max = 253) String host,
      @NotNull @Min(1) @Max(65535) Integer port,
      @NotNull @DecimalMin("-90") @DecimalMax("90") Double latitude,
      @NotNull @DecimalMin("-180") @DecimalMax("180") Double longitude,
      @DecimalMin("-1000") @DecimalMax("100000") Double altitude) {}

  public record GroundStationView(
      long id,
      String name,
      String host,
      int port,
      double latitude,
      double longitude,
      double altitude,
      Instant createdAt) {}

  /**
   * A reservation.
   *
   * @param satellite the spacecraft's name
   * @param groundStationId the ground station reserved
   * @param aos acquisition of signal: start of the reservation window, in the future
   * @param los loss of signal: end of the window, after aos, at most 24 hours later
   * @param leadTimeSeconds the executor starts this long before aos (300 when absent)
   * @param procedure the procedure graph (no nodes when absent)
   * @param parameters free-form parameters of the pass, names to values
   */
  public record ReservePass(
      @NotBlank @Size(max = 200) String satellite,
      @NotNull Long groundStationId,
      @NotNull Instant aos,
      @NotNull Instant los,
      @Min(0) @Max(86400) Integer leadTimeSeconds,
      ProcedureGraph procedure,
      @Size(max = 100)
          Map<@NotBlank @Size(max = 200) String, @NotNull @Size(max = 10000) String> parameters) {}

  /**
   * Changes a reserved pass; absent fields keep their value.
   *
   * @param version when given, the change applies only to this version (409 otherwise)
   */
  public record UpdatePass(
      Instant aos,
      Instant los,
      @Min(0) @Max(86400) Integer leadTimeSeconds,
      ProcedureGraph procedure,
      @Size(max = 100)
          Map<@NotBlank @Size(max = 200) String, @NotNull @Size(max = 10000) String> parameters,
      @Min(1) Integer version) {}

  public record PassView(
      long id,
      String satellite,
      long groundStationId,
      String groundStation,
      Instant aos,
      Instant los,
      int leadTimeSeconds,
      ProcedureGraph procedure,
      Map<String, String> parameters,
      @Schema(
              allowableValues = {
                "reserved",
                "starting",
                "executing",
                "success",
                "failure",
                "cancelled"
              })
          String status,
      int version,
      String createdBy,
      Instant createdAt,
      Instant updatedAt,
      @Schema(
              description =
                  "where the workflow is: waiting, launching, preprocessing, procedure, stopped,"
                      + " postprocessing, done; null before it wrote any")
          String phase,
      @Schema(allowableValues = {"pod", "process"}) String executorKind,
      String executorId,
      String executorName,
      Instant startedAt,
      Instant endedAt,
      String failureReason) {}

  /**
   * One line of an import: accepted with the pass it created, or refused with the reason.
   *
   * @param line CSV: the file line the record starts on (the header is line 1); JSON: the item's
   *     position, from 1
   * @param outcome {@code accepted} or {@code refused}
   * @param field the bad field of a refused line, when one is to blame
   * @param conflictingPassId the pass a refused line overlaps
   */
  public record ImportLine(
      int line,
      @Schema(allowableValues = {"accepted", "refused"}) String outcome,
      Long passId,
      String field,
      String reason,
      Long conflictingPassId) {}

  public record ImportReport(int accepted, int refused, List<ImportLine> lines) {}

  /**
   * A node added to a running pass.
   *
   * @param node the action; its id must be new in the graph
   * @param links links to and from existing nodes, each with the new node at one end
   */
  public record AddNode(@NotNull ProcedureNode node, @Size(max = 100) List<ProcedureLink> links) {}

  /**
   * What to do about a failed action waiting for an operator (COSMOS).
   *
   * @param decision {@code retry} runs it again, {@code go} skips it and goes on as if it
   *     succeeded, {@code stop} leaves it failed
   */
  public record Decide(
      @NotNull @Schema(allowableValues = {"retry", "go", "stop"}) String decision) {}

  /**
   * An operator's answer to an {@code operator_confirm} node.
   *
   * @param confirmed yes (the node succeeds) or no (it fails)
   * @param comment why, kept with the action
   */
  public record Confirm(@NotNull Boolean confirmed, @Size(max = 2000) String comment) {}

  /**
   * A pass's execution state: from its workflow while it runs ({@code source = workflow}), from the
   * stored row and report once it ended ({@code source = database}).
   *
   * @param phase {@code waiting}, {@code launching}, {@code preprocessing}, {@code procedure},
   *     {@code stopped}, {@code postprocessing}, {@code done}
   * @param run 1 for the first run of the procedure, +1 per restart (null from the database)
   * @param nodes every node's state (from the report once the pass ended; empty without one)
   */
  public record PassState(
      long passId,
      @Schema(allowableValues = {"workflow", "database"}) String source,
      @Schema(
              allowableValues = {
                "reserved",
                "starting",
                "executing",
                "success",
                "failure",
                "cancelled"
              })
          String status,
      String phase,
      Instant aos,
      Instant los,
      int leadTimeSeconds,
      int version,
      ExecutorHandle executor,
      Integer run,
      boolean paused,
      ProcedureGraph procedure,
      List<NodeState> nodes,
      String failureReason) {

    static PassState of(io.opsflow.pass.PassView v) {
      return new PassState(
          v.passId(),
          "workflow",
          v.status(),
          v.phase(),
          v.aos(),
          v.los(),
          v.leadTimeSeconds(),
          v.version(),
          v.executor(),
          v.run(),
          v.paused(),
          v.procedure(),
          v.nodes() == null ? List.of() : v.nodes(),
          v.failureReason());
    }
  }

  /**
   * One operator action on a pass, accepted (recorded by the workflow) or rejected (recorded by the
   * API with the reason).
   *
   * @param kind the operation: {@code reschedule}, {@code cancel}, {@code skip}, {@code override},
   *     {@code decide} ...
   * @param payload what the operator sent
   */
  public record PassAction(
      long id,
      long passId,
      String operator,
      Instant at,
      String kind,
      String nodeId,
      Map<String, Object> payload,
      @Schema(allowableValues = {"accepted", "rejected"}) String outcome,
      String rejectionReason) {}

  /**
   * A page of a pass's operator actions, oldest first.
   *
   * @param nextAfter pass as {@code after} for the next page
   * @param hasMore whether more actions follow this page
   */
  public record ActionPage(List<PassAction> items, long nextAfter, boolean hasMore) {}

  /**
   * One entry of a pass's event log.
   *
   * @param id unique among the pass's events and packets: their shared order
   * @param type {@code phase}, {@code action_started}, {@code action_ended}, {@code operator},
   *     {@code executor}, {@code link}, {@code status} ...
   * @param detail free-form attributes (outcome, verifier, error, run ...)
   */
  public record PassEvent(
      long id,
      long passId,
      Instant at,
      String type,
      String nodeId,
      String operator,
      Map<String, Object> detail) {}

  /**
   * A page of events, oldest first.
   *
   * @param nextAfter pass as {@code after} for the next page (or to poll for newer events)
   * @param hasMore whether more events matching the filters follow this page
   */
  public record EventPage(List<PassEvent> items, long nextAfter, boolean hasMore) {}

  /**
   * One TC or TM space packet as the ground-station link sent or received it.
   *
   * @param id unique among the pass's events and packets: their shared order
   * @param direction {@code tc} (sent) or {@code tm} (received)
   * @param sequenceFlags 0..3 (3: unsegmented)
   * @param sequenceCount 0..16383
   * @param dataLength the primary header's data length field (data bytes minus one)
   * @param groundTime UTC when the link sent or received it
   * @param onboardTime the TM secondary header's time code in UTC, null without one
   * @param raw the whole packet, lowercase hex
   * @param decoded what its payload says (ack, housekeeping parameters, telecommand name)
   * @param nodeId the node whose action sent the telecommand
   */
  public record PassPacket(
      long id,
      long passId,
      @Schema(allowableValues = {"tc", "tm"}) String direction,
      int apid,
      int sequenceFlags,
      int sequenceCount,
      int dataLength,
      Instant groundTime,
      Instant onboardTime,
      String raw,
      Map<String, Object> decoded,
      String nodeId) {}

  /**
   * A page of packets, oldest first.
   *
   * @param nextAfter pass as {@code after} for the next page (or to poll for newer packets)
   * @param hasMore whether more packets matching the filters follow this page
   */
  public record PacketPage(List<PassPacket> items, long nextAfter, boolean hasMore) {}

  /**
   * ground = onboard + offset + drift * (onboard - epoch), fitted by least squares over the pass's
   * timed TM packets.
   *
   * @param samples TM packets with an onboard time
   * @param epoch the onboard time the fit is centred on
   * @param offsetSeconds ground minus onboard at the epoch
   * @param driftPpm how fast the onboard clock runs slow (+) or fast (-), parts per million
   * @param residualRmsSeconds how well the line fits
   */
  public record TimeCorrelation(
      long passId,
      int samples,
      Instant epoch,
      double offsetSeconds,
      double driftPpm,
      double residualRmsSeconds,
      Instant fittedAt) {}

  /**
   * The pass report written at postprocessing: TC and TM counts, TM per APID, sequence-count gaps,
   * verifier outcomes, each node's final state, operator actions, the time correlation.
   */
  public record PassReport(long passId, Instant generatedAt, Map<String, Object> report) {}
}
