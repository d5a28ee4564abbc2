-- cms_officer: the CMS contract's `officer` table (shared/contracts/sources.md; declared in
-- plugins/send_pipeline/nightly/sources/cms.py). Key: (officer_id).
--
-- A council maps its own system to this view ONCE, in SQL: replace the body below (which yields the
-- contract's columns, typed, and no rows) with a SELECT from its own tables that yields exactly these
-- column names (extra columns are ignored; a missing one stops the CMS load), then create it in the
-- database the `send_cms` connection points at: `CREATE VIEW cms_officer AS <that select>`.
-- `python -m send_pipeline check-source cms` then says whether the mapping meets the contract.
-- See docs/onboarding.md for a worked example (include/sql/cms/examples/).
--
-- column      type          not null  meaning
-- officer_id  bigint        yes       the officer (primary key)
-- name        varchar                 officer's name (never published)
-- role        varchar       yes       job role, e.g. EHC Plan Co-ordinator
-- grade       varchar                 pay grade
-- fte         decimal(6,2)            full-time equivalent
-- start_date  date                    date the officer started
-- end_date    date                    date the officer left (NULL = current)
-- is_agency   integer                 1 for agency staff
select
    cast(null as bigint) as officer_id,
    cast(null as varchar) as name,
    cast(null as varchar) as role,
    cast(null as varchar) as grade,
    cast(null as decimal(6,2)) as fte,
    cast(null as date) as start_date,
    cast(null as date) as end_date,
    cast(null as integer) as is_agency
where 1 = 0
