-- Pass execution (seed 000): what the pass workflow and its executor record. PRS's tables: events,
-- TC/TM packets, the time correlation and the report, all kept after the executor is gone.

alter table passes
    add column phase          text,
    -- the executor of the pass: a Kubernetes Pod (its UID) or a local process (its pid)
    add column executor_kind  text check (executor_kind in ('pod', 'process')),
    add column executor_id    text,
    add column executor_name  text,
    add column started_at     timestamptz,
    add column ended_at       timestamptz,
    add column failure_reason text;

-- One sequence for events and packets, so a pass's SSE stream is one ordered id space and
-- Last-Event-ID resumes both.
create sequence pass_record_seq;

create table pass_events (
    id        bigint primary key default nextval('pass_record_seq'),
    pass_id   bigint      not null references passes (id) on delete cascade,
    -- chosen by the workflow, deterministic: a retried activity writes its event once
    event_key text        not null,
    at        timestamptz not null,
    type      text        not null,
    node_id   text,
    operator  text,
    detail    jsonb       not null default '{}',
    unique (pass_id, event_key)
);
create index pass_events_by_pass on pass_events (pass_id, id);

create table pass_packets (
    id              bigint primary key default nextval('pass_record_seq'),
    pass_id         bigint      not null references passes (id) on delete cascade,
    direction       text        not null check (direction in ('tc', 'tm')),
    apid            int         not null check (apid between 0 and 2047),
    sequence_flags  int         not null check (sequence_flags between 0 and 3),
    sequence_count  int         not null check (sequence_count between 0 and 16383),
    data_length     int         not null,
    -- UTC when the ground station link sent (tc) or received (tm) it
    ground_time     timestamptz not null,
    -- the TM secondary header's time code, converted to UTC
    onboard_time    timestamptz,
    raw             bytea       not null,
    -- what the payload says (ack, housekeeping parameters, telecommand name)
    decoded         jsonb       not null default '{}',
    -- a TC's run key: sent at most once per run of a node, however often the action is retried
    run_key         text,
    node_id         text,
    unique (pass_id, run_key)
);
create index pass_packets_by_pass on pass_packets (pass_id, id);
create index pass_packets_by_apid on pass_packets (pass_id, apid, id);
create index pass_packets_by_time on pass_packets (pass_id, ground_time);

create table pass_time_correlations (
    pass_id               bigint primary key references passes (id) on delete cascade,
    samples               int              not null,
    epoch                 timestamptz      not null,
    offset_seconds        double precision not null,
    drift_ppm             double precision not null,
    residual_rms_seconds  double precision not null,
    fitted_at             timestamptz      not null default now()
);

create table pass_reports (
    pass_id      bigint primary key references passes (id) on delete cascade,
    generated_at timestamptz not null,
    report       jsonb       not null
);

-- Accepted operator actions are written by the workflow (key: the update id, written once);
-- rejected ones by the API.
alter table scheduled_pass_actions
    add column node_id    text,
    add column action_key text;
create unique index scheduled_pass_actions_once on scheduled_pass_actions (pass_id, action_key);
