package io.opsflow.api.pass;

import io.opsflow.pass.ProcedureGraph;
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
      Instant updatedAt) {}

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
}
