-- cms_consultation: the CMS contract's `consultation` table (shared/contracts/sources.md; declared in
-- plugins/send_pipeline/nightly/sources/cms.py). Key: (consultation_id).
--
-- A council maps its own system to this view ONCE, in SQL: replace the body below (which yields the
-- contract's columns, typed, and no rows) with a SELECT from its own tables that yields exactly these
-- column names (extra columns are ignored; a missing one stops the CMS load), then create it in the
-- database the `send_cms` connection points at: `CREATE VIEW cms_consultation AS <that select>`.
-- `python -m send_pipeline check-source cms` then says whether the mapping meets the contract.
-- See docs/onboarding.md for a worked example (include/sql/cms/examples/).
--
-- column           type          not null  meaning
-- consultation_id  bigint        yes       a consultation with a school (primary key)
-- person_id        bigint        yes       the child
-- urn              bigint                  the school consulted
-- sent_date        date                    date the consultation was sent to the school
-- response         varchar                 Accepted, Declined or No response
-- response_date    date                    date the school replied
-- decision         varchar                 Named or Not named
select
    cast(null as bigint) as consultation_id,
    cast(null as bigint) as person_id,
    cast(null as bigint) as urn,
    cast(null as date) as sent_date,
    cast(null as varchar) as response,
    cast(null as date) as response_date,
    cast(null as varchar) as decision
where 1 = 0
