-- Flight history (seed 003, flow 3): the monitor's own copy of the raw telemetry it pulled from
-- telemetry_records (short term), and what FlightClassifier derives from it (long term): flights,
-- incidents and 5-minute metric buckets. A closed flight's raw telemetry is archived (a compressed
-- file, referenced in flight_telemetry_archives) and then pruned from flight_telemetry.

-- Raw copies, full fidelity. The id is telemetry_records.id, so copying a pulled batch again (an
-- activity retry, a worker restart mid-pull) inserts nothing twice.
create table flight_telemetry (
    id              bigint      primary key,
    device_id       bigint      not null references devices (id),
    received_at     timestamptz not null,
    onboard_time    timestamptz,
    msg_id          text,
    structured_data jsonb       not null default '{}',
    message         text,
    copied_at       timestamptz not null default now()
);
-- "the telemetry around T for drone X"; pruning by age
create index flight_telemetry_by_device_time on flight_telemetry (device_id, onboard_time);
create index flight_telemetry_by_copied on flight_telemetry (copied_at);

create table flights (
    id                   bigserial primary key,
    device_id            bigint      not null references devices (id),
    -- FlightClassifier's number: 1 for the first flight the device's history saw
    number               integer     not null check (number > 0),
    armed_at             timestamptz,
    takeoff_at           timestamptz not null,
    -- null while the flight is open
    landed_at            timestamptz check (landed_at is null or landed_at >= takeoff_at),
    -- false when the telemetry began with the vehicle already in the air
    takeoff_observed     boolean     not null,
    duration_s           double precision not null check (duration_s >= 0),
    max_altitude_m       double precision not null,
    distance_m           double precision not null check (distance_m >= 0),
    max_from_home_m      double precision not null check (max_from_home_m >= 0),
    max_ground_speed_ms  double precision not null check (max_ground_speed_ms >= 0),
    battery_used_mah     double precision,
    battery_used_percent double precision,
    max_temperature_c    double precision,
    updated_at           timestamptz not null default now(),
    -- re-saving the same flight (retries, an open flight growing) updates, never duplicates
    unique (device_id, number)
);
create index flights_by_device_time on flights (device_id, takeoff_at);

create table flight_incidents (
    id            bigserial primary key,
    device_id     bigint      not null references devices (id),
    flight_id     bigint      references flights (id),
    kind          text        not null check (kind in ('LINK_DROP', 'GPS_LOSS', 'GPS_DEGRADED',
                      'FAILSAFE', 'CRASH', 'AUTOPILOT_ERROR', 'BATTERY_LOW', 'OVERHEAT')),
    severity      text        not null check (severity in ('INFO', 'WARNING', 'ERROR', 'CRITICAL')),
    started_at    timestamptz not null,
    -- null while open
    ended_at      timestamptz check (ended_at is null or ended_at >= started_at),
    summary       text        not null,
    -- gap length, fix type, satellites, text, temperatures: {"key": "value", ...}
    evidence      jsonb       not null default '{}',
    updated_at    timestamptz not null default now(),
    -- an incident is identified by what and when it started: saving it again updates it
    unique (device_id, kind, started_at)
);
create index flight_incidents_by_device_time on flight_incidents (device_id, started_at);
create index flight_incidents_by_flight on flight_incidents (flight_id) where flight_id is not null;

-- One row per device and 5-minute window of onboard time (MetricBucket).
create table flight_metric_buckets (
    device_id           bigint      not null references devices (id),
    bucket_start        timestamptz not null,
    messages            bigint      not null check (messages >= 0),
    messages_per_second double precision not null,
    gaps                integer     not null check (gaps >= 0),
    max_gap_s           double precision not null,
    latency_min_ms      double precision,
    latency_mean_ms     double precision,
    latency_max_ms      double precision,
    latency_jitter_ms   double precision,
    -- share of seconds with at least one message between the window's first and last message
    stability           double precision not null check (stability between 0 and 1),
    updated_at          timestamptz not null default now(),
    primary key (device_id, bucket_start)
);

-- Retention: a closed flight's raw telemetry written to a compressed file (gzip JSON lines, one
-- flight_telemetry row per line), then pruned from flight_telemetry after the configured time.
-- Reading "around T" falls back to the file when the rows are gone.
create table flight_telemetry_archives (
    id          bigserial primary key,
    device_id   bigint      not null references devices (id),
    flight_id   bigint      not null references flights (id),
    -- the archived rows: flight_telemetry ids first_id..last_id of this device, onboard times
    first_id    bigint      not null,
    last_id     bigint      not null check (last_id >= first_id),
    from_time   timestamptz not null,
    to_time     timestamptz not null check (to_time >= from_time),
    records     integer     not null check (records >= 0),
    format      text        not null default 'jsonl.gz' check (format in ('jsonl.gz')),
    location    text        not null,
    sha256      text        not null check (sha256 ~ '^[0-9a-f]{64}$'),
    archived_at timestamptz not null default now(),
    -- when the hot rows were deleted; null while they are still in flight_telemetry
    pruned_at   timestamptz,
    unique (flight_id)
);
create index flight_telemetry_archives_by_device_time
    on flight_telemetry_archives (device_id, from_time);
