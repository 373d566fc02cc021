-- Reliable syslog (issue 15): RELP senders resend every message whose acknowledgement they did not
-- see (the intake was killed after committing, before its "rsp 200 OK" left), so storing must be
-- idempotent. dedup_key is SHA-256 of the sender's identity (the device id, or the source address
-- when the device is unknown) and the raw message; a message stored again under the same key is
-- skipped (insert ... on conflict do nothing). UDP and plain TCP rows leave it null: those senders
-- never resend, and two byte-identical datagrams stay two records as before.
alter table telemetry_records add column dedup_key bytea;
create unique index telemetry_records_dedup on telemetry_records (dedup_key)
    where dedup_key is not null;

alter table telemetry_records drop constraint telemetry_records_transport_check;
alter table telemetry_records add constraint telemetry_records_transport_check
    check (transport in ('udp', 'tcp', 'relp'));
