package io.opsflow.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opsflow.session.PaymentMethod;
import io.opsflow.session.SessionActivities.Ending;
import io.opsflow.session.SessionActivities.PaymentCommand;
import io.opsflow.session.SessionActivities.PaymentRecord;
import io.opsflow.session.SessionActivities.RefundRecord;
import io.opsflow.session.SessionActivities.Reservation;
import io.opsflow.session.SessionActivitiesImpl;
import io.opsflow.session.SessionStatus;
import io.opsflow.session.StationDeviceActivities.PlugCommand;
import io.opsflow.session.StationDeviceActivities.RouterCommand;
import io.opsflow.session.StationDeviceActivitiesImpl;
import io.opsflow.simulators.RouterOsSimulator;
import io.opsflow.simulators.ShellyPlugSimulator;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.math.BigDecimal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The activities against the real things (embedded PostgreSQL, plug and router simulators): each is
 * idempotent, because Temporal retries an activity whose reply was lost.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.NONE,
    properties = {
      "opsflow.embedded.temporal.port=0",
      "opsflow.task-queues.instance-id=activities-it",
      "opsflow.devices.router.username=admin",
      "opsflow.devices.router.password=pw",
      "opsflow.devices.breaker.minimum-number-of-calls=3",
      "opsflow.devices.breaker.sliding-window-size=3",
      "opsflow.devices.breaker.wait-in-open-state=1h"
    })
class SessionActivitiesIT {

  static final RouterOsSimulator router = Started.at(() -> RouterOsSimulator.start("admin", "pw"));

  @DynamicPropertySource
  static void routerUrl(DynamicPropertyRegistry registry) {
    registry.add("opsflow.devices.router.url", () -> router.baseUrl().toString());
  }

  @AfterAll
  static void stopRouter() {
    router.close();
  }

  @Autowired SessionActivitiesImpl sessions;
  @Autowired StationDeviceActivitiesImpl devices;
  @Autowired JdbcTemplate jdbc;

  @Test
  void aRetriedPaymentDebitsOnceAndARefundCreditsOnce() {
    long user = user("10.00");
    long session = reserved(station("pay-1"), user);
    PaymentCommand pay =
        new PaymentCommand(
            session,
            user,
            PaymentMethod.BALANCE,
            new BigDecimal("4.00"),
            "usd",
            "START",
            "k-" + session);
    PaymentRecord first = sessions.takePayment(pay);
    PaymentRecord retried = sessions.takePayment(pay);
    assertThat(retried.paymentId()).isEqualTo(first.paymentId());
    assertThat(balance(user)).isEqualByComparingTo("6.00");

    sessions.refund(new RefundRecord(first.paymentId(), null));
    sessions.refund(new RefundRecord(first.paymentId(), null));
    assertThat(balance(user)).isEqualByComparingTo("10.00");
    assertThat(
            jdbc.queryForObject(
                "select status from payments where id = ?", String.class, first.paymentId()))
        .isEqualTo("REFUNDED");
  }

  @Test
  void insufficientBalanceIsRecordedAsFailedAndStaysFailedOnRetry() {
    long user = user("1.00");
    long session = reserved(station("pay-2"), user);
    PaymentCommand pay =
        new PaymentCommand(
            session,
            user,
            PaymentMethod.BALANCE,
            new BigDecimal("4.00"),
            "usd",
            "START",
            "k-" + session);
    for (int attempt = 0; attempt < 2; attempt++) {
      assertThatThrownBy(() -> sessions.takePayment(pay))
          .isInstanceOfSatisfying(
              ApplicationFailure.class,
              f -> {
                assertThat(f.getType()).isEqualTo("INSUFFICIENT_BALANCE");
                assertThat(f.isNonRetryable()).isTrue();
              });
    }
    assertThat(
            jdbc.queryForList(
                "select status from payments where session_id = ?", String.class, session))
        .containsExactly("FAILED");
    assertThat(balance(user)).isEqualByComparingTo("1.00");
  }

  @Test
  void oneLiveSessionPerStationIsEnforcedByTheDatabase() {
    long user = user("0");
    long station = station("one-live");
    long first = reserved(station, user);
    sessions.reserve(reservation(first, station, user)); // a retry is harmless
    long second = jdbc.queryForObject("select nextval('session_ids')", Long.class);
    assertThatThrownBy(() -> sessions.reserve(reservation(second, station, user)))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> assertThat(f.getType()).isEqualTo("STATION_UNAVAILABLE"));
    sessions.end(new Ending(first, SessionStatus.EXPIRED, "test"));
    String endedAt =
        jdbc.queryForObject(
            "select actual_end_at::text from sessions where id = ?", String.class, first);
    sessions.end(new Ending(first, SessionStatus.EXPIRED, "test"));
    assertThat(
            jdbc.queryForObject(
                "select actual_end_at::text from sessions where id = ?", String.class, first))
        .isEqualTo(endedAt);
    assertThat(
            jdbc.queryForObject(
                "select count(*) from events where session_id = ? and type = 'session_expired'",
                Integer.class,
                first))
        .isEqualTo(1);
    // Ended: the station is free again.
    sessions.reserve(reservation(second, station, user));
  }

  @Test
  void anUnreachablePlugOpensItsCircuitAndFailsFast() throws IOException {
    ShellyPlugSimulator plug = ShellyPlugSimulator.start();
    String url = plug.baseUrl().toString();
    plug.setReachable(false);
    PlugCommand off = new PlugCommand(1, url, false, 0);
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> devices.switchPlug(off))
          .isInstanceOfSatisfying(
              ApplicationFailure.class,
              f -> {
                assertThat(f.getType()).isEqualTo("DEVICE_UNREACHABLE");
                assertThat(f.isNonRetryable()).isFalse();
              });
    }
    plug.setReachable(true);
    assertThatThrownBy(() -> devices.switchPlug(off))
        .isInstanceOfSatisfying(
            ApplicationFailure.class,
            f -> assertThat(f.getType()).isEqualTo("DEVICE_CIRCUIT_OPEN"));
    assertThat(plug.httpOffCount()).isZero();
    plug.close();
  }

  @Test
  void routerOpenAndBlockAreIdempotentAndTheAllowEntryTimesOutOnTheRouter() {
    String mac = "AA:BB:CC:00:00:77";
    RouterCommand block = new RouterCommand(77, mac, "127.0.0.77", 0);
    devices.blockNetwork(block);
    devices.blockNetwork(block);
    assertThat(router.isMacBlocked(mac)).isTrue();
    assertThat(router.blockRuleAddCount(mac)).isEqualTo(1);

    RouterCommand open = new RouterCommand(77, mac, "127.0.0.77", 3600);
    devices.openNetwork(open);
    devices.openNetwork(open);
    assertThat(router.isMacBlocked(mac)).isFalse();
    assertThat(router.addressList())
        .filteredOn(e -> "127.0.0.77".equals(e.get("address")))
        .singleElement()
        .satisfies(e -> assertThat(e.get("timeout")).isNotBlank());
    // The guard drops the console unless it is on the allow list: the fail-safe.
    assertThat(router.filterRules())
        .filteredOn(r -> "!opsflow-allowed".equals(r.get("src-address-list")))
        .hasSize(1);

    devices.blockNetwork(block);
    assertThat(router.isMacBlocked(mac)).isTrue();
    assertThat(router.hasAddressListEntry("opsflow-allowed", "127.0.0.77")).isFalse();
  }

  private long user(String balance) {
    return jdbc.queryForObject(
        "insert into users (name, balance) values ('it', ?) returning id",
        Long.class,
        new BigDecimal(balance));
  }

  private long station(String name) {
    return jdbc.queryForObject(
        "insert into stations (name, type) values (?, 'PC') returning id", Long.class, name);
  }

  private long reserved(long station, long user) {
    long id = jdbc.queryForObject("select nextval('session_ids')", Long.class);
    sessions.reserve(reservation(id, station, user));
    return id;
  }

  private static Reservation reservation(long id, long station, long user) {
    return new Reservation(id, station, user, 60, PaymentMethod.BALANCE, new BigDecimal("4.00"));
  }

  private BigDecimal balance(long user) {
    return jdbc.queryForObject("select balance from users where id = ?", BigDecimal.class, user);
  }
}
