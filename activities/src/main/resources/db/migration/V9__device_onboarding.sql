-- Device onboarding (seed 003, flow 1): each tenant's Nebula CA and lighthouse, licenses, the
-- certificates issued to devices, single-use enrollment codes and the tenant's blocklist.

-- The CA's signing key is never stored in clear: AES-256-GCM with the device CA key (configured,
-- or generated once in <data dir>/security/device-ca-key), the tenant id as associated data.
create table tenant_cas (
    tenant_id      bigint      primary key references tenants (id),
    certificate    text        not null,
    fingerprint    text        not null unique check (fingerprint ~ '^[0-9a-f]{64}$'),
    key_ciphertext bytea       not null,
    -- which device CA key encrypted it (the first 8 hex digits of its SHA-256)
    key_id         text        not null,
    not_after      timestamptz not null,
    created_at     timestamptz not null default now()
);

-- The tenant's lighthouse: its overlay address (never given to a device) and where devices reach
-- it from outside the mesh (host:port), for lighthouse.hosts and static_host_map.
alter table tenants
    add column lighthouse_ip       inet check (family(lighthouse_ip) = 4 and masklen(lighthouse_ip) = 32),
    add column lighthouse_endpoint text,
    add column created_by          text not null default 'system';

-- What the device sent: its own X25519 public key (nebula-cert keygen -out-pub); null when it
-- enrolls with a single-use code instead. Its groups go into every certificate it gets.
alter table devices
    add column public_key text,
    add column groups     text[] not null default '{}',
    add column ip_address inet,
    add column last_contact_at timestamptz,
    add column contact_source  text;

-- One live address per device and role: a retried allocation finds the first one.
create unique index vpn_endpoints_one_live_per_device on vpn_endpoints (device_id, role)
    where released_at is null;

create table licenses (
    id          bigserial primary key,
    tenant_id   bigint      not null references tenants (id),
    device_id   bigint      not null references devices (id),
    license_key text        not null unique,
    status      text        not null default 'active' check (status in ('active', 'revoked', 'expired')),
    issued_by   text        not null,
    issued_at   timestamptz not null default now(),
    expires_at  timestamptz not null,
    revoked_at  timestamptz
);
-- One active license per device: a retried issue finds it.
create unique index licenses_one_active_per_device on licenses (device_id) where status = 'active';

create table device_certificates (
    id           bigserial primary key,
    tenant_id    bigint      not null references tenants (id),
    device_id    bigint      not null references devices (id),
    fingerprint  text        not null unique check (fingerprint ~ '^[0-9a-f]{64}$'),
    certificate  text        not null,
    public_key   text        not null,
    ip_address   inet        not null,
    groups       text[]      not null,
    not_before   timestamptz not null,
    not_after    timestamptz not null,
    -- the certificate this one renewed
    renews       bigint      references device_certificates (id),
    issued_at    timestamptz not null default now(),
    revoked_at   timestamptz
);
create index device_certificates_by_device on device_certificates (device_id, id);

-- Single-use enrollment codes: only the SHA-256 of the code is kept; the code is the credential.
create table enrollment_codes (
    id          bigserial primary key,
    device_id   bigint      not null references devices (id),
    code_hash   text        not null unique check (code_hash ~ '^[0-9a-f]{64}$'),
    created_by  text        not null,
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null,
    redeemed_at timestamptz
);
create index enrollment_codes_by_device on enrollment_codes (device_id);

-- Revoked certificates, per tenant: every node's pki.blocklist.
create table blocklist (
    tenant_id   bigint      not null references tenants (id),
    fingerprint text        not null check (fingerprint ~ '^[0-9a-f]{64}$'),
    device_id   bigint      references devices (id),
    reason      text        not null,
    revoked_at  timestamptz not null default now(),
    primary key (tenant_id, fingerprint)
);
