package io.opsflow.session;

/** How a session (or an extension) is paid, as in the seed's payment diagram. */
public enum PaymentMethod {
  CASH,
  BALANCE,
  CARD
}
