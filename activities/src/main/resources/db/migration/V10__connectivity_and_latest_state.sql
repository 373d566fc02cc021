-- Live operations (seed 003, flow 2): the health check's view of every VPN endpoint, the history
-- of its status changes, and the latest known state of every device derived from its telemetry.

-- One row per monitored endpoint, written by its ConnectivityWorkflow (connectivity-<endpoint id>)
-- after every probe.
create table connectivity_status (
    endpoint_id          bigint      primary key references vpn_endpoints (id),
    status               text        not null default 'unknown'
        check (status in ('unknown', 'online', 'degraded', 'offline')),
    -- how this endpoint is probed; null: the deployment's default (opsflow.connectivity.probe)
    probe                text        check (probe in ('icmp', 'tcp')),
    tcp_port             integer     check (tcp_port between 1 and 65535),
    last_ping_success    timestamptz,
    -- round trip of the last successful probe
    rtt_ms               double precision,
    last_checked         timestamptz,
    -- the last probe's failure ("timeout", "connection refused"), null after a success
    last_error           text,
    consecutive_failures integer     not null default 0,
    -- the last probes, oldest first: '1' answered, '0' did not (e.g. '11011')
    recent_probes        text        not null default '' check (recent_probes ~ '^[01]*$'),
    -- probe number within the monitor's life: a retried write of an older probe changes nothing
    probe_seq            bigint      not null default 0,
    monitoring           boolean     not null default true,
    started_at           timestamptz not null default now(),
    stopped_at           timestamptz,
    stop_reason          text
);

-- Every status change, so flapping shows: online -> degraded -> offline -> online ...
create table connectivity_transitions (
    id          bigserial   primary key,
    endpoint_id bigint      not null references vpn_endpoints (id),
    probe_seq   bigint      not null,
    at          timestamptz not null,
    from_status text        not null,
    to_status   text        not null,
    rtt_ms      double precision,
    reason      text        not null,
    -- one transition per probe at most, whatever the retries
    unique (endpoint_id, probe_seq)
);
create index connectivity_transitions_by_endpoint on connectivity_transitions (endpoint_id, id);

-- The newest state a device reported through syslog (see README: the mavlink@32473 convention).
create table device_latest_state (
    device_id               bigint      primary key references devices (id),
    first_telemetry_at      timestamptz not null,
    last_telemetry_at       timestamptz not null,
    last_record_id          bigint      not null,
    -- last GPS fix (GLOBAL_POSITION_INT position, GPS_RAW_INT fix type and satellites)
    gps_at                  timestamptz,
    gps_record_id           bigint,
    latitude                double precision,
    longitude               double precision,
    altitude_m              double precision,
    relative_altitude_m     double precision,
    fix_type                integer,
    satellites_visible      integer,
    -- last system status: {"HEARTBEAT": {...}, "SYS_STATUS": {...}, "BATTERY_STATUS": {...},
    -- "STATUSTEXT": {...}}, each the newest message of that name with its fields
    system_at               timestamptz,
    system_record_id        bigint,
    system_status           jsonb       not null default '{}'
);

-- First sign of life of a device (first telemetry or first successful ping): what an onboarding
-- waiting for contact needs. Written by the default FirstContactListener.
create table device_first_contacts (
    device_id  bigint      primary key references devices (id),
    contact_at timestamptz not null,
    -- 'telemetry' (record_id set) or 'ping' (endpoint_id set)
    via        text        not null check (via in ('telemetry', 'ping')),
    record_id  bigint,
    endpoint_id bigint     references vpn_endpoints (id)
);
