package io.opsflow.flight;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything {@link FlightClassifier} remembers between points: plain data (public fields, no-arg
 * constructors, no NaN or infinities) so that it travels as workflow state through Temporal's JSON
 * converter and across continue-as-new. Times are microseconds since the epoch.
 */
public final class FlightClassifierState {

  /** The highest point id classified: the cursor. */
  public long lastId;

  public long points;
  public long duplicates;
  public long reordered;

  /** Time of the last in-order point; null before the first. */
  public Long lastTime;

  public String lastMsgId;

  /** Armed per the last autopilot HEARTBEAT; null before the first. */
  public Boolean armed;

  /** When the current armed period began; null when not armed or armed before the first point. */
  public Long armedSince;

  /** Whether the vehicle was seen on the ground since it armed (else a flight began in the air). */
  public boolean groundSeen;

  public boolean airborne;
  public Long takeoffPendingSince;
  public Long landPendingSince;

  /** HOME_POSITION, when the vehicle sent one. */
  public Double homeLat;

  public Double homeLon;

  /** The flight being accumulated: airborne, or a takeoff being debounced. */
  public FlightAcc current;

  public int flightCount;
  public List<Flight> flights = new ArrayList<>();

  /** Every incident in start order; open ones have a null end. */
  public List<IncidentAcc> incidents = new ArrayList<>();

  public boolean hadGpsFix;
  public Condition gpsLoss = new Condition();
  public Condition gpsDegraded = new Condition();
  public Condition batteryLow = new Condition();

  /** Per temperature source (message name), so one cool sensor does not end another's alarm. */
  public Map<String, Condition> overheat = new LinkedHashMap<>();

  /** Index in {@link #incidents} of the open FAILSAFE; null when none. */
  public Integer openFailsafe;

  /** Windows before this start were handed out by drainSettled; null before the first drain. */
  public Long settledBefore;

  /** Metric windows by start time. */
  public TreeMap<Long, Bucket> buckets = new TreeMap<>();

  /** One flight under way. */
  public static final class FlightAcc {
    public int number;
    public Long armedAt;
    public long takeoff;
    public boolean takeoffObserved;
    public Long last;
    public double maxRelativeAlt;
    public double distance;
    public double maxFromHome;
    public double maxGroundSpeed;
    public Double firstLat;
    public Double firstLon;
    public Double lastLat;
    public Double lastLon;
    public Double firstConsumedMah;
    public Double lastConsumedMah;
    public double integratedMah;
    public boolean currentSeen;
    public Double lastCurrentAmps;
    public Long lastCurrentTime;
    public Double firstRemaining;
    public Double lastRemaining;
    public Double maxTemperature;
  }

  /** One incident, open or closed. */
  public static final class IncidentAcc {
    public IncidentKind kind;
    public IncidentSeverity severity;
    public long start;
    public Long end;
    public Integer flightNumber;
    public String summary;
    public Map<String, String> evidence = new LinkedHashMap<>();
  }

  /** A debounced condition: pending since when, and the incident it opened. */
  public static final class Condition {
    public Long pendingSince;
    public Integer open;
  }

  /** One metric window. */
  public static final class Bucket {
    public long messages;
    public int gaps;
    public long maxGapMicros;
    public long latencyCount;
    public double latencyMeanMs;
    public double latencyM2;
    public double latencyMinMs;
    public double latencyMaxMs;
    public long firstSecond = Long.MAX_VALUE;
    public long lastSecond = Long.MIN_VALUE;

    /** Bit i set: second i of the window had a message. */
    public long[] seconds;
  }
}
