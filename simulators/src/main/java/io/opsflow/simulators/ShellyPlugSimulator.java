package io.opsflow.simulators;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Shelly Plug S / 1PM (Gen1 HTTP API) with one relay and a power meter.
 *
 * <p>Endpoints: {@code /relay/0[?turn=on|off|toggle[&timer=N]]}, {@code /status}, {@code /meter/0}
 * and {@code /shelly}, each for GET and POST like the device. A {@code timer} is Shelly's flip-back
 * timer: N seconds after the command the relay flips to the opposite state by itself.
 */
public final class ShellyPlugSimulator extends HttpSimulator {

  private static final String MAC = "A4CF12F45A01";
  private static final String FIRMWARE = "20230913-114008/v1.14.0-gcb84623";

  private final ScheduledExecutorService timers =
      Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("shelly-timer").factory());
  private final long startedAtMillis = System.currentTimeMillis();

  private boolean on;
  private String source = "http";
  private double powerWatts = 60.0;
  private double energyWattMillis;
  private long energySinceMillis = startedAtMillis;
  private ScheduledFuture<?> timer;
  private long timerStartedMillis;
  private int timerDuration;
  private Integer lastTimerSeconds;
  private int httpOnCount;
  private int httpOffCount;
  private int timerOffCount;
  private int timerOnCount;

  private ShellyPlugSimulator() {}

  /** Starts a plug on a free port, relay off. */
  public static ShellyPlugSimulator start() throws IOException {
    return start(0);
  }

  /** Starts a plug on {@code port} (0 = free port), relay off. */
  public static ShellyPlugSimulator start(int port) throws IOException {
    ShellyPlugSimulator plug = new ShellyPlugSimulator();
    plug.bind(port);
    return plug;
  }

  @Override
  protected void handle(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    if (!method.equals("GET") && !method.equals("POST")) {
      Http.sendText(exchange, 405, "Method Not Allowed");
      return;
    }
    switch (exchange.getRequestURI().getPath()) {
      case "/relay/0" -> relay(exchange);
      case "/status" -> Http.sendJson(exchange, 200, status());
      case "/meter/0" -> Http.sendJson(exchange, 200, meter());
      case "/shelly" -> Http.sendJson(exchange, 200, deviceInfo());
      default -> Http.sendText(exchange, 404, "Not Found");
    }
  }

  private void relay(HttpExchange exchange) throws IOException {
    Map<String, String> query = Http.query(exchange);
    String turn = query.get("turn");
    String timerParam = query.get("timer");
    Integer seconds = null;
    if (timerParam != null) {
      try {
        seconds = (int) Math.ceil(Double.parseDouble(timerParam));
      } catch (NumberFormatException e) {
        seconds = -1;
      }
      if (seconds < 0) {
        Http.sendText(exchange, 400, "Bad timer!");
        return;
      }
    }
    if (turn != null && !List.of("on", "off", "toggle").contains(turn)) {
      Http.sendText(exchange, 400, "Bad turn! Expected one of on, off, toggle");
      return;
    }
    Map<String, Object> body;
    synchronized (this) {
      if (turn != null) {
        boolean target = turn.equals("toggle") ? !on : turn.equals("on");
        switchTo(target, "http");
        if (target) {
          httpOnCount++;
        } else {
          httpOffCount++;
        }
        armTimer(seconds == null ? 0 : seconds);
      }
      body = relayJson();
    }
    Http.sendJson(exchange, 200, body);
  }

  // A new command always replaces the pending flip-back, as on the device.
  private void armTimer(int seconds) {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    timerDuration = 0;
    timerStartedMillis = 0;
    if (seconds > 0) {
      lastTimerSeconds = seconds;
      timerDuration = seconds;
      timerStartedMillis = System.currentTimeMillis();
      timer = timers.schedule(this::flipBack, seconds, TimeUnit.SECONDS);
    }
  }

  private synchronized void flipBack() {
    timer = null;
    timerDuration = 0;
    timerStartedMillis = 0;
    switchTo(!on, "timer");
    if (on) {
      timerOnCount++;
    } else {
      timerOffCount++;
    }
  }

  private void switchTo(boolean target, String by) {
    accumulateEnergy();
    on = target;
    source = by;
  }

  private void accumulateEnergy() {
    long now = System.currentTimeMillis();
    if (on) {
      energyWattMillis += powerWatts * (now - energySinceMillis);
    }
    energySinceMillis = now;
  }

  private synchronized Map<String, Object> relayJson() {
    Map<String, Object> relay = new LinkedHashMap<>();
    relay.put("ison", on);
    relay.put("has_timer", timer != null);
    relay.put("timer_started", timer == null ? 0 : timerStartedMillis / 1000);
    relay.put("timer_duration", timer == null ? 0 : timerDuration);
    long remainingMillis =
        timer == null ? 0 : timerStartedMillis + timerDuration * 1000L - System.currentTimeMillis();
    relay.put("timer_remaining", (long) Math.ceil(Math.max(0, remainingMillis) / 1000.0));
    relay.put("overpower", false);
    relay.put("source", source);
    return relay;
  }

  private synchronized Map<String, Object> meter() {
    accumulateEnergy();
    Map<String, Object> meter = new LinkedHashMap<>();
    meter.put("power", currentPower());
    meter.put("overpower", 0.0);
    meter.put("is_valid", true);
    meter.put("timestamp", System.currentTimeMillis() / 1000);
    meter.put("total", Math.round(energyWattMillis / 60_000.0));
    return meter;
  }

  private synchronized Map<String, Object> status() {
    Map<String, Object> relay = relayJson();
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("mac", MAC);
    status.put("relays", List.of(relay));
    status.put("meters", List.of(meter()));
    status.put("uptime", (System.currentTimeMillis() - startedAtMillis) / 1000);
    // Simplified shape the seed project read; the real device only has the arrays above.
    status.put("relay", relay);
    status.put("power", currentPower());
    return status;
  }

  private static Map<String, Object> deviceInfo() {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("type", "SHSW-PM");
    info.put("mac", MAC);
    info.put("auth", false);
    info.put("fw", FIRMWARE);
    info.put("num_outputs", 1);
    info.put("num_meters", 1);
    return info;
  }

  private double currentPower() {
    return on ? powerWatts : 0.0;
  }

  /** Whether the relay is on. */
  public synchronized boolean isOn() {
    return on;
  }

  /** Requests that switched the relay on ({@code turn=on}, or a toggle that turned it on). */
  public synchronized int httpOnCount() {
    return httpOnCount;
  }

  /** Requests that switched the relay off ({@code turn=off}, or a toggle that turned it off). */
  public synchronized int httpOffCount() {
    return httpOffCount;
  }

  /** Times the flip-back timer turned the relay off by itself. */
  public synchronized int timerOffCount() {
    return timerOffCount;
  }

  /** Times the flip-back timer turned the relay on by itself. */
  public synchronized int timerOnCount() {
    return timerOnCount;
  }

  /** The last {@code timer} seconds received with a command, or {@code null} if none yet. */
  public synchronized Integer lastTimerSeconds() {
    return lastTimerSeconds;
  }

  /** Whether a flip-back timer is pending. */
  public synchronized boolean hasTimer() {
    return timer != null;
  }

  /** Sets the load reported while the relay is on (0 is reported while off). */
  public synchronized void setPowerWatts(double watts) {
    accumulateEnergy();
    powerWatts = watts;
  }

  @Override
  public void close() {
    super.close();
    timers.shutdownNow();
  }
}
