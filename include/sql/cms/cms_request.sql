-- cms_request: the CMS contract's `request` table (shared/contracts/sources.md; declared in
-- plugins/send_pipeline/nightly/sources/cms.py). Key: (request_id).
--
-- A council maps its own system to this view ONCE, in SQL: replace the body below (which yields the
-- contract's columns, typed, and no rows) with a SELECT from its own tables that yields exactly these
-- column names (extra columns are ignored; a missing one stops the CMS load), then create it in the
-- database the `send_cms` connection points at: `CREATE VIEW cms_request AS <that select>`.
-- `python -m send_pipeline check-source cms` then says whether the mapping meets the contract.
-- See docs/onboarding.md for a worked example (include/sql/cms/examples/).
--
-- column          type          not null  meaning
-- request_id      bigint        yes       the request for an EHC needs assessment (primary key)
-- person_id       bigint        yes       the child (cms_person)
-- received_date   date          yes       date the request was received (the 6-week clock of SEND Regulations 2014 reg 5 and the 20-week clock of reg 13 start here)
-- request_source  bigint                  1 parent or young person, 2 school or setting, 3 health, 4 social care, 5 other (SEN2 RequestSource)
-- rya             integer                 1 when the young person made the request (aged 16-25)
-- decision        varchar                 Named or Not named
-- decision_date   date                    date the decision was sent
-- exported_to_la  varchar                 3-digit LA number when the child moved away before the decision
-- mediation       integer                 1 when mediation took place
-- tribunal        integer                 1 when an appeal went to the tribunal
-- updated_at      timestamp               when the row last changed (incremental extract); NULL = read every night
select
    cast(null as bigint) as request_id,
    cast(null as bigint) as person_id,
    cast(null as date) as received_date,
    cast(null as bigint) as request_source,
    cast(null as integer) as rya,
    cast(null as varchar) as decision,
    cast(null as date) as decision_date,
    cast(null as varchar) as exported_to_la,
    cast(null as integer) as mediation,
    cast(null as integer) as tribunal,
    cast(null as timestamp) as updated_at
where 1 = 0
