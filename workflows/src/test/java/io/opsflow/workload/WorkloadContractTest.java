package io.opsflow.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.workload.NodeActivities.NodeReport;
import io.opsflow.workload.NodeActivities.NodeStatusChange;
import io.opsflow.workload.WorkloadStoreActivities.PlaceRequest;
import io.temporal.api.common.v1.Payloads;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The records cross the wire as JSON through Temporal's default converter: those with a second,
 * shorter constructor (kept for callers written before a field was added) must still be read
 * through their canonical constructor, and payloads written before the field existed must still be
 * read (histories of runs in flight).
 */
class WorkloadContractTest {

  private static final DataConverter JSON = DefaultDataConverter.STANDARD_INSTANCE;

  @Test
  void recordsWithCompatibilityConstructorsRoundTrip() {
    WorkloadRequest request =
        new WorkloadRequest(
            "w1",
            WorkloadHarness.spec("app:1", 0.5, 256, RestartPolicy.onFailure(3)),
            2,
            WorkloadSettings.defaults(),
            new WorkloadRequest.CarryOver(
                "a", new Placement("w1", "a", WorkloadStatus.SCHEDULED), 4, 17, true, 3, "x"));
    NodeRegistration registration =
        new NodeRegistration("a", "127.0.0.1", "h", Duration.ofMinutes(10), 200)
            .carrying(
                new NodeRegistration.CarryOver(
                    NodeStatus.INACTIVE, Instant.parse("2026-01-01T00:00:00Z"), null, 9, "ok"));
    NodeStatusChange change =
        new NodeStatusChange(
            "a",
            NodeStatus.ACTIVE,
            Instant.parse("2026-01-01T00:00:01Z"),
            Instant.parse("2026-01-01T00:00:00Z"),
            "heartbeat",
            new NodeReport(null, null, "draining", 2.5, 8192L));
    PlaceRequest place =
        new PlaceRequest("w1", request.spec(), 2, PlacementPolicy.BIN_PACK, List.of("b"), 5);

    assertThat(roundTrip(request, WorkloadRequest.class)).isEqualTo(request);
    assertThat(roundTrip(registration, NodeRegistration.class)).isEqualTo(registration);
    assertThat(roundTrip(change, NodeStatusChange.class)).isEqualTo(change);
    assertThat(roundTrip(place, PlaceRequest.class)).isEqualTo(place);
    assertThat(roundTrip(WorkloadSettings.defaults(), WorkloadSettings.class))
        .isEqualTo(WorkloadSettings.defaults());
  }

  @Test
  void payloadsWithoutTheNewerFieldsGetTheirDefaults() {
    String older =
        "{\"placement\":\"BIN_PACK\",\"pendingDeadline\":600.0,\"pendingRecheck\":30.0,"
            + "\"agentPickupTimeout\":60.0,\"followHeartbeatTimeout\":30.0,"
            + "\"restartInitialBackoff\":5.0,\"restartMaxBackoff\":120.0,\"actionAttempts\":5,"
            + "\"nodeQueuePrefix\":\"node-\"}";

    WorkloadSettings settings = fromJson(older, WorkloadSettings.class);

    assertThat(settings.actionTimeout()).isEqualTo(WorkloadSettings.DEFAULT_ACTION_TIMEOUT);
    assertThat(settings.placement()).isEqualTo(PlacementPolicy.BIN_PACK);
    assertThat(settings.pendingDeadline()).isEqualTo(Duration.ofMinutes(10));
    assertThat(
            fromJson("{\"nodeId\":\"a\",\"heartbeatsPerRun\":3}", NodeRegistration.class)
                .carryOver())
        .isNull();
  }

  private static <T> T roundTrip(T value, Class<T> type) {
    Optional<Payloads> payloads = JSON.toPayloads(value);
    return JSON.fromPayloads(0, payloads, type, type);
  }

  private static <T> T fromJson(String json, Class<T> type) {
    Payloads payloads =
        Payloads.newBuilder()
            .addPayloads(
                io.temporal.api.common.v1.Payload.newBuilder()
                    .putMetadata(
                        "encoding", com.google.protobuf.ByteString.copyFromUtf8("json/plain"))
                    .setData(com.google.protobuf.ByteString.copyFromUtf8(json)))
            .build();
    return JSON.fromPayloads(0, Optional.of(payloads), type, type);
  }
}
