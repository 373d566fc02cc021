-- Device fleet (seed 003): tenants, each with its own Nebula mesh, the devices registered in them
-- and the devices' VPN endpoints (an overlay IP and a role). Onboarding (certificates, licenses,
-- enrollment), connectivity and telemetry build on these three tables.

create table tenants (
    id         bigserial primary key,
    name       text        not null unique check (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    -- the tenant's Nebula overlay network; every VPN endpoint address is inside it
    mesh_cidr  cidr        not null default '192.168.100.0/24'
        check (family(mesh_cidr) = 4 and masklen(mesh_cidr) between 8 and 30),
    created_at timestamptz not null default now()
);

create table devices (
    id          bigserial primary key,
    tenant_id   bigint      not null references tenants (id),
    name        text        not null,
    device_type text        not null check (device_type in ('drone', 'pilot_laptop', 'fts')),
    role        text        not null default 'primary' check (role in ('primary', 'fts')),
    -- the pki_user allowed to fetch this device's installer (null: only pki_admin)
    assigned_to text,
    status      text        not null default 'registered'
        check (status in ('registered', 'onboarding', 'awaiting_contact', 'online',
                          'contact_timeout', 'decommissioned', 'failed')),
    created_by  text        not null,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    unique (tenant_id, name)
);
create index devices_by_assignee on devices (assigned_to) where assigned_to is not null;

create table vpn_endpoints (
    id         bigserial primary key,
    device_id  bigint      not null references devices (id),
    -- repeated from the device so the database itself keeps addresses unique per mesh
    tenant_id  bigint      not null references tenants (id),
    ip_address inet        not null check (family(ip_address) = 4 and masklen(ip_address) = 32),
    role       text        not null default 'primary' check (role in ('primary', 'fts')),
    -- released on decommission; a released address may be allocated again
    released_at timestamptz,
    created_at timestamptz not null default now()
);
-- Two live endpoints never share an address in one mesh, even when allocated concurrently.
create unique index vpn_endpoints_unique_ip on vpn_endpoints (tenant_id, ip_address)
    where released_at is null;
create index vpn_endpoints_by_device on vpn_endpoints (device_id);
-- syslog intake maps a source address to its device
create index vpn_endpoints_by_ip on vpn_endpoints (ip_address) where released_at is null;
