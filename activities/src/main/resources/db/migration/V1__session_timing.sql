-- Session timing (seed 004): stations, users with balances, sessions, payments, events.

create table stations (
    id                bigserial primary key,
    name              text        not null unique,
    type              text        not null check (type in ('PC', 'CONSOLE')),
    status            text        not null default 'OFFLINE'
                                  check (status in ('ONLINE', 'OFFLINE', 'MAINTENANCE')),
    hourly_rate       numeric(10, 2) not null default 6.00 check (hourly_rate >= 0),
    agent_token_hash  text,
    agent_queue       text,
    agent_version     text,
    agent_os          text,
    specs             text,
    last_heartbeat_at timestamptz,
    plug_url          text,
    console_mac       text,
    console_ip        text,
    created_at        timestamptz not null default now()
);

create table users (
    id         bigserial primary key,
    name       text           not null,
    balance    numeric(12, 2) not null default 0 check (balance >= 0),
    created_at timestamptz    not null default now()
);

create sequence session_ids;

create table sessions (
    id               bigint primary key,
    station_id       bigint         not null references stations (id),
    user_id          bigint         not null references users (id),
    status           text           not null
                     check (status in ('PENDING', 'AWAITING_PAYMENT', 'ACTIVE', 'STOPPED', 'EXPIRED', 'FAILED')),
    payment_method   text           not null check (payment_method in ('CASH', 'BALANCE', 'CARD')),
    amount           numeric(12, 2) not null,
    duration_minutes int            not null,
    extended_minutes int            not null default 0,
    started_at       timestamptz,
    scheduled_end_at timestamptz,
    actual_end_at    timestamptz,
    end_reason       text,
    created_at       timestamptz    not null default now()
);

-- One live session per station, enforced by the database: two operators clicking at once
-- cannot double-book a station.
create unique index sessions_one_live_per_station on sessions (station_id)
    where status in ('PENDING', 'AWAITING_PAYMENT', 'ACTIVE');
create index sessions_by_station on sessions (station_id, created_at desc);
create index sessions_active_by_end on sessions (scheduled_end_at) where status = 'ACTIVE';

create table payments (
    id               bigserial primary key,
    session_id       bigint         not null references sessions (id),
    user_id          bigint         not null references users (id),
    method           text           not null check (method in ('CASH', 'BALANCE', 'CARD')),
    purpose          text           not null,
    amount           numeric(12, 2) not null check (amount >= 0),
    currency         text           not null,
    status           text           not null check (status in ('PENDING', 'COMPLETED', 'FAILED', 'REFUNDED')),
    transaction_id   text,
    intent_id        text,
    client_secret    text,
    failure_reason   text,
    refund_reference text,
    idempotency_key  text           not null unique,
    created_at       timestamptz    not null default now(),
    updated_at       timestamptz    not null default now()
);
create index payments_by_session on payments (session_id);

create table events (
    id         bigserial primary key,
    type       text        not null,
    station_id bigint,
    session_id bigint,
    data       text        not null default '{}',
    -- workflow id + activity id of the writer: a retried activity does not append twice
    dedup_key  text unique,
    created_at timestamptz not null default now()
);
create index events_by_session on events (session_id, id);
create index events_by_station on events (station_id, id);

create table power_readings (
    id         bigserial primary key,
    station_id bigint           not null references stations (id),
    session_id bigint           not null references sessions (id),
    watts      double precision,
    relay_on   boolean          not null,
    read_at    timestamptz      not null default now()
);
create index power_readings_by_session on power_readings (session_id, read_at);
