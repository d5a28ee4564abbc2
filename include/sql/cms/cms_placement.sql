-- cms_placement: the CMS contract's `placement` table (shared/contracts/sources.md; declared in
-- plugins/send_pipeline/nightly/sources/cms.py). Key: (placement_id).
--
-- A council maps its own system to this view ONCE, in SQL: replace the body below (which yields the
-- contract's columns, typed, and no rows) with a SELECT from its own tables that yields exactly these
-- column names (extra columns are ignored; a missing one stops the CMS load), then create it in the
-- database the `send_cms` connection points at: `CREATE VIEW cms_placement AS <that select>`.
-- `python -m send_pipeline check-source cms` then says whether the mapping meets the contract.
-- See docs/onboarding.md for a worked example (include/sql/cms/examples/).
--
-- column               type          not null  meaning
-- placement_id         bigint        yes       the placement (primary key)
-- plan_id              bigint        yes       its plan (cms_plan)
-- urn                  bigint                  GIAS URN of the school or setting
-- ukprn                varchar                 UKPRN of a post-16 provider
-- setting_code         varchar                 OLA/OPA/EHE/EYP/OTH/NEET/NIEC/NIEO when there is no URN/UKPRN
-- setting_other        varchar                 free text for OTH
-- placement_rank       bigint                  1 main, 2 secondary
-- entry_date           date                    first day at the setting
-- leaving_date         date                    last day (NULL = current)
-- sen_unit             integer                 1 in an SEN unit
-- resourced_provision  integer                 1 in resourced provision
-- named_in_plan        integer                 1 when the setting is named in Section I
-- residential          varchar                 A 38-51 weeks, B 52 weeks (residential settings)
-- work_based           varchar                 A apprenticeship, T traineeship, S supported internship
-- updated_at           timestamp               when the row last changed (incremental extract); NULL = read every night
select
    cast(null as bigint) as placement_id,
    cast(null as bigint) as plan_id,
    cast(null as bigint) as urn,
    cast(null as varchar) as ukprn,
    cast(null as varchar) as setting_code,
    cast(null as varchar) as setting_other,
    cast(null as bigint) as placement_rank,
    cast(null as date) as entry_date,
    cast(null as date) as leaving_date,
    cast(null as integer) as sen_unit,
    cast(null as integer) as resourced_provision,
    cast(null as integer) as named_in_plan,
    cast(null as varchar) as residential,
    cast(null as varchar) as work_based,
    cast(null as timestamp) as updated_at
where 1 = 0
