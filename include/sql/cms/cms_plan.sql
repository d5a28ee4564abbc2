-- cms_plan: the CMS contract's `plan` table (shared/contracts/sources.md; declared in
-- plugins/send_pipeline/nightly/sources/cms.py). Key: (plan_id).
--
-- A council maps its own system to this view ONCE, in SQL: replace the body below (which yields the
-- contract's columns, typed, and no rows) with a SELECT from its own tables that yields exactly these
-- column names (extra columns are ignored; a missing one stops the CMS load), then create it in the
-- database the `send_cms` connection points at: `CREATE VIEW cms_plan AS <that select>`.
-- `python -m send_pipeline check-source cms` then says whether the mapping meets the contract.
-- See docs/onboarding.md for a worked example (include/sql/cms/examples/).
--
-- column                  type          not null  meaning
-- plan_id                 bigint        yes       the EHC plan (primary key)
-- person_id               bigint        yes       the child (cms_person)
-- assessment_id           bigint                  the assessment that led to it; NULL for a plan transferred in
-- start_date              date          yes       date the final plan was issued (or first issued by the LA that transferred it)
-- transferred_from_la     varchar                 3-digit LA number a plan transferred in from (reg 15)
-- transfer_in_date        date                    date this LA took the plan on
-- cease_date              date                    date the plan ceased
-- cease_reason            bigint                  SEN2 CeaseReason 1-9
-- personal_budget         integer                 1 when the plan has a personal budget
-- organised_arrangements  integer                 1 when the budget is an organised arrangement
-- direct_payments         varchar                 E education, S social care, H health, I integrated
-- residential             varchar                 A 38-51 weeks, B 52 weeks (residential settings)
-- work_based              varchar                 A apprenticeship, T traineeship, S supported internship
-- updated_at              timestamp               when the row last changed (incremental extract); NULL = read every night
select
    cast(null as bigint) as plan_id,
    cast(null as bigint) as person_id,
    cast(null as bigint) as assessment_id,
    cast(null as date) as start_date,
    cast(null as varchar) as transferred_from_la,
    cast(null as date) as transfer_in_date,
    cast(null as date) as cease_date,
    cast(null as bigint) as cease_reason,
    cast(null as integer) as personal_budget,
    cast(null as integer) as organised_arrangements,
    cast(null as varchar) as direct_payments,
    cast(null as varchar) as residential,
    cast(null as varchar) as work_based,
    cast(null as timestamp) as updated_at
where 1 = 0
