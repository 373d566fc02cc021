package io.opsflow.session;

/**
 * What a station is and so how it is enforced: a PC through its agent, a console by power/network.
 */
public enum StationType {
  PC,
  CONSOLE
}
