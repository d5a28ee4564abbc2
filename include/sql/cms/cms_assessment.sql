-- cms_assessment: the CMS contract's `assessment` table (shared/contracts/sources.md; declared in
-- plugins/send_pipeline/nightly/sources/cms.py). Key: (assessment_id).
--
-- A council maps its own system to this view ONCE, in SQL: replace the body below (which yields the
-- contract's columns, typed, and no rows) with a SELECT from its own tables that yields exactly these
-- column names (extra columns are ignored; a missing one stops the CMS load), then create it in the
-- database the `send_cms` connection points at: `CREATE VIEW cms_assessment AS <that select>`.
-- `python -m send_pipeline check-source cms` then says whether the mapping meets the contract.
-- See docs/onboarding.md for a worked example (include/sql/cms/examples/).
--
-- column            type          not null  meaning
-- assessment_id     bigint        yes       the EHC needs assessment (primary key)
-- request_id        bigint        yes       its request (cms_request)
-- outcome           varchar                 Y issue a plan, N not issue, W withdrawn, NULL pending
-- outcome_date      date                    final plan issued, or notice of not issuing (reg 13: within 20 weeks of the request)
-- draft_plan_date   date                    draft plan sent to the parent / young person
-- week20_exception  integer                 1 when a reg 13(3) exception applies
-- exception_reason  varchar                 which exception
-- mediation         integer                 1 when mediation took place about the assessment
-- tribunal          integer                 1 when the decision was appealed
-- other_mediation   integer                 mediation on other matters
-- other_tribunal    integer                 tribunal on other matters
-- updated_at        timestamp               when the row last changed (incremental extract); NULL = read every night
select
    cast(null as bigint) as assessment_id,
    cast(null as bigint) as request_id,
    cast(null as varchar) as outcome,
    cast(null as date) as outcome_date,
    cast(null as date) as draft_plan_date,
    cast(null as integer) as week20_exception,
    cast(null as varchar) as exception_reason,
    cast(null as integer) as mediation,
    cast(null as integer) as tribunal,
    cast(null as integer) as other_mediation,
    cast(null as integer) as other_tribunal,
    cast(null as timestamp) as updated_at
where 1 = 0
