-- cms_need: the CMS contract's `need` table (shared/contracts/sources.md; declared in
-- plugins/send_pipeline/nightly/sources/cms.py). Key: (plan_id, need_rank, recorded_date).
--
-- A council maps its own system to this view ONCE, in SQL: replace the body below (which yields the
-- contract's columns, typed, and no rows) with a SELECT from its own tables that yields exactly these
-- column names (extra columns are ignored; a missing one stops the CMS load), then create it in the
-- database the `send_cms` connection points at: `CREATE VIEW cms_need AS <that select>`.
-- `python -m send_pipeline check-source cms` then says whether the mapping meets the contract.
-- See docs/onboarding.md for a worked example (include/sql/cms/examples/).
--
-- column         type          not null  meaning
-- plan_id        bigint        yes       its plan (cms_plan)
-- need_code      varchar       yes       primary/secondary need (SEN2 SENtype: SPLD, MLD, SLD, PMLD, SEMH, SLCN, HI, VI, MSI, PD, ASD, DS, OTH)
-- need_rank      bigint        yes       1 primary, 2 secondary
-- recorded_date  date                    date the need was recorded
select
    cast(null as bigint) as plan_id,
    cast(null as varchar) as need_code,
    cast(null as bigint) as need_rank,
    cast(null as date) as recorded_date
where 1 = 0
