-- Raw device telemetry (seed 003, flow 2): every syslog message the intake receives, unparsed
-- text kept beside the fields it could read. Flight history (flow 3) pulls from here by id.

create table telemetry_records (
    -- the pull cursor: ids only grow, so "after id N" never skips or repeats a committed record
    id              bigserial primary key,
    received_at     timestamptz not null,
    source_ip       inet        not null,
    -- the device whose live VPN endpoint has source_ip; null when the source is unknown (flagged)
    device_id       bigint      references devices (id),
    transport       text        not null check (transport in ('udp', 'tcp')),
    format          text        not null check (format in ('rfc5424', 'rfc3164', 'unparsed')),
    facility        smallint    check (facility between 0 and 23),
    severity        smallint    check (severity between 0 and 7),
    hostname        text,
    app_name        text,
    proc_id         text,
    msg_id          text,
    -- the message's own TIMESTAMP (the device's clock); received_at minus this is the latency
    onboard_time    timestamptz,
    -- RFC 5424 structured data: {"sd-id": {"param": "value", ...}, ...}
    structured_data jsonb       not null default '{}',
    message         text,
    raw             text        not null
);
create index telemetry_records_by_device on telemetry_records (device_id, id);
create index telemetry_records_unknown_source on telemetry_records (source_ip, id)
    where device_id is null;
create index telemetry_records_by_received on telemetry_records (received_at);
