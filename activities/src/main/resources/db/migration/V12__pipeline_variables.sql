-- Configuration variables per pipeline, as GitHub has per repository: the vars context of a
-- build's expressions. Names follow GitHub's rules (letters, digits, underscore; not starting with
-- a digit or GITHUB_) and are stored upper-cased, so they are unique case-insensitively. Values are
-- not secrets: the API shows them in full.
create table pipeline_variables (
    pipeline_id bigint      not null references pipelines (id) on delete cascade,
    name        text        not null
        check (name ~ '^[A-Z_][A-Z0-9_]*$' and name not like 'GITHUB\_%' and length(name) <= 100),
    value       text        not null check (octet_length(value) <= 49152),
    updated_by  text        not null,
    updated_at  timestamptz not null default now(),
    primary key (pipeline_id, name)
);

-- The variables a build was started with (null for builds from before variables existed: they
-- ran with an empty vars context). A re-run uses these, not the pipeline's current values.
alter table builds add column vars_snapshot jsonb;
