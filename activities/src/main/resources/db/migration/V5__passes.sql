-- Pass execution (seed 000): ground stations, pass reservations with their procedure graph, and the
-- log of operators' live actions during a pass (filled by the pass workflow).

-- gist indexes on plain columns (ground_station_id with =) for the exclusion constraint below;
-- a trusted extension since PostgreSQL 13, so a database owner may create it.
create extension if not exists btree_gist;

create table ground_stations (
    id         bigserial primary key,
    name       text             not null unique,
    -- the TM/TC endpoint: one TCP link carrying CCSDS space packets both ways
    host       text             not null,
    port       int              not null check (port between 1 and 65535),
    latitude   double precision not null check (latitude between -90 and 90),
    longitude  double precision not null check (longitude between -180 and 180),
    -- metres above the WGS 84 ellipsoid
    altitude   double precision not null default 0,
    created_at timestamptz      not null default now()
);

create table passes (
    id                bigserial primary key,
    satellite         text        not null,
    ground_station_id bigint      not null references ground_stations (id),
    -- the ground station's reservation window, acquisition to loss of signal
    aos               timestamptz not null,
    los               timestamptz not null,
    -- the executor is started this long before AOS (preprocessing: configuration, TM/TC link)
    lead_time_seconds int         not null default 300 check (lead_time_seconds between 0 and 86400),
    procedure         jsonb       not null,
    parameters        jsonb       not null default '{}',
    status            text        not null default 'reserved'
        check (status in ('reserved', 'starting', 'executing', 'success', 'failure', 'cancelled')),
    -- bumped by every change: optimistic locking for concurrent edits
    version           int         not null default 1,
    created_by        text        not null,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    check (los > aos),
    -- Two passes that are not cancelled never share a ground station at the same time, even when
    -- reserved concurrently: the second insert waits for the first and fails (SQL state 23P01).
    -- Half-open windows, so one pass may start exactly when the previous one ends.
    constraint passes_no_overlap exclude using gist (
        ground_station_id with =,
        tstzrange(aos, los, '[)') with &&
    ) where (status <> 'cancelled')
);
create index passes_by_aos on passes (aos);

-- Every operator action during a pass (skip, override, pause, retry ...), accepted or rejected.
create table scheduled_pass_actions (
    id               bigserial primary key,
    pass_id          bigint      not null references passes (id) on delete cascade,
    operator         text        not null,
    at               timestamptz not null default clock_timestamp(),
    kind             text        not null,
    payload          jsonb       not null default '{}',
    outcome          text        not null check (outcome in ('accepted', 'rejected')),
    rejection_reason text,
    check ((outcome = 'rejected') = (rejection_reason is not null))
);
create index scheduled_pass_actions_by_pass on scheduled_pass_actions (pass_id, id);
