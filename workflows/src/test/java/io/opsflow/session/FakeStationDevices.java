package io.opsflow.session;

import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * A Shelly plug and a router in memory. Each can be taken down: then every call to it fails with a
 * retryable failure, as an unreachable device would.
 */
final class FakeStationDevices implements StationDeviceActivities {

  /** One plug call: {@code on} is the requested state, {@code landed} false when it failed. */
  record PlugCall(boolean on, long timerSeconds, boolean landed, long atMillis) {}

  record Sample(long sessionId, long atMillis) {}

  /** One router call: open or block, {@code landed} false when it failed. */
  record RouterCall(boolean open, long allowSeconds, boolean landed, long atMillis) {}

  private final LongSupplier clock;
  private final List<PlugCall> plugCalls = new ArrayList<>();
  private final List<Sample> samples = new ArrayList<>();
  private final List<RouterCall> routerCalls = new ArrayList<>();
  private boolean plugDown;
  private boolean routerDown;
  private boolean networkOpen;
  private boolean relayOn;

  FakeStationDevices(LongSupplier clock) {
    this.clock = clock;
  }

  synchronized void plugDown(boolean down) {
    plugDown = down;
  }

  synchronized void routerDown(boolean down) {
    routerDown = down;
  }

  synchronized boolean networkOpen() {
    return networkOpen;
  }

  synchronized boolean relayOn() {
    return relayOn;
  }

  synchronized List<PlugCall> plugCalls() {
    return List.copyOf(plugCalls);
  }

  /** Switches that reached the plug, on or off. */
  synchronized List<PlugCall> landed(boolean on) {
    return plugCalls.stream().filter(c -> c.landed() && c.on() == on).toList();
  }

  /** Attempts that failed because the plug was down, on or off. */
  synchronized List<PlugCall> failed(boolean on) {
    return plugCalls.stream().filter(c -> !c.landed() && c.on() == on).toList();
  }

  synchronized List<Sample> samples() {
    return List.copyOf(samples);
  }

  synchronized List<RouterCall> routerCalls() {
    return List.copyOf(routerCalls);
  }

  @Override
  public synchronized PlugState switchPlug(PlugCommand command) {
    long now = clock.getAsLong();
    if (plugDown) {
      plugCalls.add(new PlugCall(command.on(), command.timerSeconds(), false, now));
      throw ApplicationFailure.newFailure("plug unreachable", "PLUG_UNREACHABLE");
    }
    plugCalls.add(new PlugCall(command.on(), command.timerSeconds(), true, now));
    relayOn = command.on();
    return new PlugState(relayOn, relayOn ? 85.0 : 0.0);
  }

  @Override
  public synchronized PlugState samplePower(PowerSample sample) {
    if (plugDown) {
      throw ApplicationFailure.newFailure("plug unreachable", "PLUG_UNREACHABLE");
    }
    samples.add(new Sample(sample.sessionId(), clock.getAsLong()));
    return new PlugState(relayOn, relayOn ? 85.0 : 0.0);
  }

  @Override
  public synchronized void openNetwork(RouterCommand command) {
    route(true, command);
  }

  @Override
  public synchronized void blockNetwork(RouterCommand command) {
    route(false, command);
  }

  private void route(boolean open, RouterCommand command) {
    long now = clock.getAsLong();
    routerCalls.add(new RouterCall(open, command.allowSeconds(), !routerDown, now));
    if (routerDown) {
      throw ApplicationFailure.newFailure("router unreachable", "ROUTER_UNREACHABLE");
    }
    networkOpen = open;
  }
}
