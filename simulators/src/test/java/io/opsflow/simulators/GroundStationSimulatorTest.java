package io.opsflow.simulators;

import static org.assertj.core.api.Assertions.assertThat;

import io.opsflow.pass.ccsds.CucTime;
import io.opsflow.pass.ccsds.Housekeeping;
import io.opsflow.pass.ccsds.PacketType;
import io.opsflow.pass.ccsds.SpacePacket;
import io.opsflow.pass.ccsds.SpacePacketStreamDecoder;
import io.opsflow.pass.ccsds.TcAck;
import io.opsflow.pass.ccsds.TmDataField;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GroundStationSimulatorTest {

  private static final Instant GROUND = Instant.parse("2025-06-01T10:00:00Z");

  private GroundStationSimulator station;
  private final List<Link> links = new ArrayList<>();

  @AfterEach
  void stop() throws IOException {
    for (Link link : links) {
      link.socket.close();
    }
    station.close();
  }

  private GroundStationSimulator start(GroundStationSimulator.Options options) throws IOException {
    station = GroundStationSimulator.start(0, options);
    return station;
  }

  private static GroundStationSimulator.Options noTelemetry() {
    return GroundStationSimulator.Options.defaults().withTelemetryInterval(Duration.ZERO);
  }

  @Test
  void acknowledgesEachTcWithItsApidAndSequenceCount() throws Exception {
    start(noTelemetry());
    Link link = connect();

    // three TCs in one write: the station splits them by their length fields
    link.send(tc(0x10, 0, 1, 2), tc(0x10, 1, 3), tc(0x22, 9, 4));

    List<SpacePacket> acks = link.receive(3);
    assertThat(acks).extracting(SpacePacket::apid).containsOnly(TcAck.APID);
    assertThat(acks).extracting(SpacePacket::sequenceCount).containsExactly(0, 1, 2);
    assertThat(acks)
        .extracting(p -> TcAck.decode(TmDataField.decode(p).userData()))
        .containsExactly(
            new TcAck(0x10, 0, true), new TcAck(0x10, 1, true), new TcAck(0x22, 9, true));
    assertThat(station.tcReceived()).isEqualTo(3);
    assertThat(station.acksSent()).isEqualTo(3);
    assertThat(station.tmSent()).isEqualTo(3);
  }

  @Test
  void rejectedTcIsAcknowledgedAsRejectedAndHasNoEffect() throws Exception {
    start(noTelemetry());
    station.rejectWhen(tc -> tc.sequenceCount() == 1);
    Link link = connect();

    link.send(tc(0x10, 0, GroundStationSimulator.MODE_COMMAND, 2));
    link.send(tc(0x10, 1, GroundStationSimulator.MODE_COMMAND, 0));

    assertThat(link.receive(2))
        .extracting(p -> TcAck.decode(TmDataField.decode(p).userData()).accepted())
        .containsExactly(true, false);
    assertThat(station.mode()).isEqualTo(2);
    assertThat(station.tcRejected()).isEqualTo(1);
  }

  @Test
  void housekeepingCarriesTheOnboardTimeWithOffsetAndDrift() throws Exception {
    MutableClock clock = new MutableClock(GROUND);
    start(
        GroundStationSimulator.Options.defaults()
            .withClock(clock)
            .withTelemetryInterval(Duration.ofMillis(20))
            .withOnboardClock(Duration.ofSeconds(-3), 100));
    clock.advance(Duration.ofSeconds(1000)); // drift 100 ppm of 1000 s = 0.1 s
    Link link = connect();

    List<SpacePacket> hk = link.receive(3);

    assertThat(hk).extracting(SpacePacket::apid).containsOnly(Housekeeping.APID);
    assertThat(hk).extracting(SpacePacket::sequenceCount).containsExactly(0, 1, 2);
    TmDataField field = TmDataField.decode(hk.get(0));
    assertThat(field.time()).isEqualTo(CucTime.of(Instant.parse("2025-06-01T10:16:37.1Z"), 4, 2));
    assertThat(Housekeeping.decode(field.userData()).mode()).isEqualTo(1);
    assertThat(station.housekeepingSent()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void losesEveryNthTmAndSkipsItsSequenceCount() throws Exception {
    start(noTelemetry());
    station.loseEveryNthTm(2);
    Link link = connect();

    link.send(tc(1, 0, 0), tc(1, 1, 0), tc(1, 2, 0), tc(1, 3, 0));

    List<SpacePacket> acks = link.receive(2);
    assertThat(acks).extracting(SpacePacket::sequenceCount).containsExactly(0, 2);
    assertThat(link.nothingWithin(Duration.ofMillis(200))).isTrue();
    assertThat(station.tcReceived()).isEqualTo(4);
    assertThat(station.acksSent()).isEqualTo(2);
    assertThat(station.tmLost()).isEqualTo(2);
  }

  @Test
  void losesASeededFractionOfTm() throws Exception {
    start(noTelemetry());
    station.loseTmFraction(0.5, 42);
    Link link = connect();
    for (int i = 0; i < 40; i++) {
      link.send(tc(1, i, 0));
    }
    awaitCount(() -> station.acksSent() + station.tmLost(), 40);

    assertThat(station.tmLost()).isBetween(5, 35);
    assertThat(link.receive(station.acksSent())).hasSize(station.acksSent());
  }

  @Test
  void delaysResponses() throws Exception {
    start(noTelemetry());
    station.setResponseDelay(Duration.ofMillis(300));
    Link link = connect();

    long started = System.nanoTime();
    link.send(tc(1, 0, 0));
    link.receive(1);

    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void dropLinkClosesTheConnectionAndANewLinkIsAccepted() throws Exception {
    start(noTelemetry());
    Link first = connect();
    first.send(tc(1, 0, 0));
    first.receive(1);

    station.dropLink();

    assertThat(first.closedByPeer()).isTrue();
    awaitCount(() -> station.linkUp() ? 1 : 0, 0);
    Link second = connect();
    second.send(tc(1, 1, 0));
    assertThat(second.receive(1)).hasSize(1);
    assertThat(station.linksAccepted()).isEqualTo(2);
  }

  @Test
  void aSecondConnectionWhileTheLinkIsUpIsClosed() throws Exception {
    start(noTelemetry());
    Link first = connect();
    awaitCount(station::linksAccepted, 1);

    Link second = connect();

    assertThat(second.closedByPeer()).isTrue();
    assertThat(station.linksRefused()).isEqualTo(1);
    first.send(tc(1, 0, 0));
    assertThat(first.receive(1)).hasSize(1);
  }

  @Test
  void bytesThatAreNotSpacePacketsEndTheLink() throws Exception {
    start(noTelemetry());
    Link link = connect();

    link.socket.getOutputStream().write(new byte[] {(byte) 0xE0, 0, 0, 0, 0, 0, 1});

    assertThat(link.closedByPeer()).isTrue();
    assertThat(station.linksBroken()).isEqualTo(1);
    assertThat(station.tcReceived()).isZero();
  }

  private static SpacePacket tc(int apid, int count, int... userData) {
    byte[] data = new byte[userData.length];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) userData[i];
    }
    return SpacePacket.of(PacketType.TC, false, apid, count, data);
  }

  private Link connect() throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), station.port());
    socket.setSoTimeout(5_000);
    Link link = new Link(socket);
    links.add(link);
    return link;
  }

  private static void awaitCount(java.util.function.IntSupplier value, int expected)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (value.getAsInt() != expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(value.getAsInt()).isEqualTo(expected);
  }

  /** The pass executor's end of the link. */
  private static final class Link {
    final Socket socket;
    final SpacePacketStreamDecoder decoder = new SpacePacketStreamDecoder();
    final Deque<SpacePacket> received = new ArrayDeque<>();

    Link(Socket socket) {
      this.socket = socket;
    }

    void send(SpacePacket... packets) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      for (SpacePacket packet : packets) {
        bytes.write(packet.encode());
      }
      socket.getOutputStream().write(bytes.toByteArray());
    }

    List<SpacePacket> receive(int n) throws IOException {
      byte[] buffer = new byte[512];
      while (received.size() < n) {
        int read = socket.getInputStream().read(buffer);
        if (read < 0) {
          throw new IOException("link closed after " + received.size() + " of " + n + " packets");
        }
        received.addAll(decoder.feed(buffer, 0, read));
      }
      List<SpacePacket> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        out.add(received.poll());
      }
      return out;
    }

    boolean nothingWithin(Duration wait) throws IOException {
      if (!received.isEmpty()) {
        return false;
      }
      socket.setSoTimeout((int) wait.toMillis());
      try {
        return socket.getInputStream().read() < 0;
      } catch (SocketTimeoutException e) {
        return true;
      } finally {
        socket.setSoTimeout(5_000);
      }
    }

    boolean closedByPeer() throws IOException {
      byte[] buffer = new byte[512];
      int read;
      while ((read = socket.getInputStream().read(buffer)) >= 0) {
        received.addAll(decoder.feed(buffer, 0, read));
      }
      return true;
    }
  }

  /** A clock the test moves by hand. */
  private static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
