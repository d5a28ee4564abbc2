-- cms_plan_coordinator: the CMS contract's `coordinator_assignment` table (shared/contracts/sources.md; declared in
-- plugins/send_pipeline/nightly/sources/cms.py). Key: (plan_id, officer_id, from_date).
--
-- A council maps its own system to this view ONCE, in SQL: replace the body below (which yields the
-- contract's columns, typed, and no rows) with a SELECT from its own tables that yields exactly these
-- column names (extra columns are ignored; a missing one stops the CMS load), then create it in the
-- database the `send_cms` connection points at: `CREATE VIEW cms_plan_coordinator AS <that select>`.
-- `python -m send_pipeline check-source cms` then says whether the mapping meets the contract.
-- See docs/onboarding.md for a worked example (include/sql/cms/examples/).
--
-- column      type          not null  meaning
-- plan_id     bigint        yes       the plan
-- officer_id  bigint        yes       the officer (cms_officer)
-- from_date   date          yes       first day the officer co-ordinated the plan
-- to_date     date                    last day (NULL = current)
select
    cast(null as bigint) as plan_id,
    cast(null as bigint) as officer_id,
    cast(null as date) as from_date,
    cast(null as date) as to_date
where 1 = 0
