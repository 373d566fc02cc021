-- Reconciles the workload store with the workflows (issue 4).

-- The status string the agent last sent (seed's register/heartbeat "status", e.g. draining):
-- shown, while the node's status is decided by heartbeats alone.
alter table nodes add column agent_status text;
-- Workflow time of the last registration or heartbeat whose answer listed the PENDING workloads
-- to nudge: a retried call with the same time answers the same list.
alter table nodes add column nudged_at timestamptz;

-- Events written outside the workflow's sequence (a node's loss marks its workloads LOST) are
-- deduplicated by a key of the decision instead, which cannot collide with a sequence.
alter table workload_events add column dedup_key text;
create unique index workload_events_dedup on workload_events (workload_id, dedup_key);
