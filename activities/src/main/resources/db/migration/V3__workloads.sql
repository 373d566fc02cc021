-- Workload scheduling (seed 002): agent nodes, the workloads placed on them, and an append-only
-- event log per workload. Rows are written by activities only; the API reads them.

create table nodes (
    node_id           text             primary key,
    ip_address        text,
    hostname          text,
    status            text             not null default 'ACTIVE'
                                       check (status in ('ACTIVE', 'INACTIVE')),
    -- capacity the agent offers, from its last heartbeat (seed: availableCpu, availableMemory)
    offered_cpu       double precision not null default 0 check (offered_cpu >= 0),
    offered_memory_mb bigint           not null default 0 check (offered_memory_mb >= 0),
    registered_at     timestamptz      not null default now(),
    last_heartbeat_at timestamptz,
    inactive_since    timestamptz,
    -- when node-<id> last set the status (null: only registered so far)
    status_changed_at timestamptz,
    heartbeats        bigint           not null default 0,
    updated_at        timestamptz      not null default now()
);
create index nodes_by_status on nodes (status, node_id);

create table workloads (
    id             uuid             primary key,
    name           text             not null,
    type           text             not null default 'docker-container',
    image          text             not null,
    command        text[]           not null default '{}',
    env            jsonb            not null default '{}',
    -- requests; 0 = none
    cpu            double precision not null default 0 check (cpu >= 0),
    memory_mb      bigint           not null default 0 check (memory_mb >= 0),
    restart_mode   text             not null default 'NEVER'
                                    check (restart_mode in ('NEVER', 'ON_FAILURE', 'ALWAYS')),
    restart_max    int              not null default 0 check (restart_max >= 0),
    node_id        text             references nodes (node_id),
    status         text             not null
        check (status in ('PENDING', 'SCHEDULED', 'RUNNING', 'EXITED', 'FAILED', 'MISSING', 'LOST',
                          'RESTARTING', 'REMOVED')),
    exit_code      int,
    message        text,
    logs           text,
    -- 1 for the schedule request, +1 per POST /workloads/{id}/retry
    revision       int              not null default 1 check (revision >= 1),
    -- the workflow's change counter of the last status written: an older retried write never
    -- overwrites a newer one
    sequence       int              not null default 0,
    restarts       int              not null default 0,
    created_at     timestamptz      not null default now(),
    updated_at     timestamptz      not null default now()
);
-- "Live workloads on node": what the scheduler subtracts from a node's offer, and what turns LOST
-- when the node goes Inactive.
create index workloads_live_on_node on workloads (node_id)
    where status in ('SCHEDULED', 'RUNNING', 'RESTARTING');
create index workloads_by_node on workloads (node_id, created_at desc);
create index workloads_by_status on workloads (status, created_at desc);
create index workloads_by_created on workloads (created_at desc);

create table workload_events (
    id          bigserial   primary key,
    workload_id uuid        not null references workloads (id),
    revision    int         not null,
    -- the workflow's counter of changes in this revision; null for events the store writes itself
    -- (placement, node loss), which row locks keep from being written twice
    sequence    int,
    type        text        not null,
    status      text,
    node_id     text,
    message     text,
    data        jsonb       not null default '{}',
    created_at  timestamptz not null default clock_timestamp(),
    -- a retried append is a no-op
    unique (workload_id, revision, sequence)
);
create index workload_events_by_workload on workload_events (workload_id, id);

-- Append-only: history is never rewritten.
create function workload_events_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'workload_events is append-only';
end;
$$;
create trigger workload_events_no_update before update or delete on workload_events
    for each statement execute function workload_events_append_only();

