package io.opsflow.session;

import io.opsflow.devices.DeviceException;
import io.opsflow.devices.DeviceGuard;
import io.opsflow.payments.CardGatewayClient;
import io.temporal.failure.ApplicationFailure;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.stereotype.Component;

/** Card payments through the gateway; idempotent through the gateway's Idempotency-Key. */
@Component
public class PaymentGatewayActivitiesImpl implements PaymentGatewayActivities {

  private static final String GATEWAY = "gateway";

  private final CardGatewayClient client;
  private final DeviceGuard guard;

  public PaymentGatewayActivitiesImpl(CardGatewayClient client, DeviceGuard guard) {
    this.client = client;
    this.guard = guard;
  }

  @Override
  public CardIntent createIntent(IntentRequest r) {
    return call(
        () ->
            client.createIntent(
                r.amountMinor(),
                r.currency(),
                Map.of(
                    "payment_id", Long.toString(r.paymentId()),
                    "session_id", Long.toString(r.sessionId())),
                r.idempotencyKey()));
  }

  @Override
  public CardIntent retrieveIntent(String intentId) {
    return call(() -> client.retrieve(intentId));
  }

  @Override
  public CardIntent cancelIntent(String intentId) {
    return call(() -> client.cancel(intentId));
  }

  @Override
  public String refund(RefundRequest r) {
    return call(() -> client.refund(r.intentId(), r.idempotencyKey()));
  }

  private <T> T call(Callable<T> call) {
    AtomicReference<DeviceException> rejected = new AtomicReference<>();
    T result =
        guard.call(
            GATEWAY,
            () -> {
              try {
                return call.call();
              } catch (DeviceException e) {
                if ("GATEWAY_REJECTED".equals(e.type())) {
                  // The gateway answered (a 4xx): healthy as far as its breaker is concerned.
                  rejected.set(e);
                  return null;
                }
                throw e;
              }
            });
    DeviceException e = rejected.get();
    if (e != null) {
      // A 4xx will not change on retry.
      throw ApplicationFailure.newNonRetryableFailure(e.getMessage(), e.type());
    }
    return result;
  }
}
