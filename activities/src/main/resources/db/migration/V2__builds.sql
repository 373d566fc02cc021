-- CI DAG builds (seed 001): pipelines with members, builds with a YAML snapshot, jobs, and logs
-- streamed line by line.

create table pipelines (
    id         bigserial primary key,
    name       text        not null unique,
    yaml       text        not null,
    -- bumped by every update; a build records the version it snapshotted
    version    int         not null default 1,
    created_by text        not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

-- Who may start builds of a pipeline (the seed's permission check).
create table pipeline_members (
    pipeline_id bigint not null references pipelines (id) on delete cascade,
    member      text   not null,
    primary key (pipeline_id, member)
);

create table builds (
    id               bigserial primary key,
    pipeline_id      bigint      not null references pipelines (id),
    -- 1, 2, 3 ... per pipeline, as CI users number builds
    number           int         not null,
    status           text        not null
        check (status in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    -- the pipeline YAML exactly as it was when the build was started
    yaml_snapshot    text        not null,
    pipeline_version int         not null,
    runner           text        not null,
    triggered_by     text        not null,
    -- a re-run of failed jobs points at the build it re-runs
    rerun_of         bigint references builds (id),
    message          text,
    created_at       timestamptz not null default clock_timestamp(),
    started_at       timestamptz,
    finished_at      timestamptz,
    unique (pipeline_id, number)
);
create index builds_by_pipeline on builds (pipeline_id, id desc);

create table build_jobs (
    build_id          bigint      not null references builds (id) on delete cascade,
    job_id            text        not null,
    name              text        not null,
    needs             text[]      not null default '{}',
    -- position in the YAML, for listing jobs in the order written
    ordinal           int         not null,
    status            text        not null
        check (status in ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED')),
    attempt           int         not null default 0,
    exit_code         int,
    message           text,
    started_at        timestamptz,
    finished_at       timestamptz,
    reused_from_build bigint references builds (id),
    primary key (build_id, job_id)
);

-- One row per log line. The key makes a re-attached runner's re-read of the same output a no-op,
-- so a worker restart neither loses nor duplicates lines.
create table build_logs (
    build_id  bigint      not null,
    job_id    text        not null,
    attempt   int         not null,
    line_no   int         not null,
    line      text        not null,
    logged_at timestamptz not null default clock_timestamp(),
    primary key (build_id, job_id, attempt, line_no),
    foreign key (build_id, job_id) references build_jobs (build_id, job_id) on delete cascade
);

alter table events add column build_id bigint;
create index events_by_build on events (build_id, id);
