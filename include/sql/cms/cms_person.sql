-- cms_person: the CMS contract's `person` table (shared/contracts/sources.md; declared in
-- plugins/send_pipeline/nightly/sources/cms.py). Key: (person_id).
--
-- A council maps its own system to this view ONCE, in SQL: replace the body below (which yields the
-- contract's columns, typed, and no rows) with a SELECT from its own tables that yields exactly these
-- column names (extra columns are ignored; a missing one stops the CMS load), then create it in the
-- database the `send_cms` connection points at: `CREATE VIEW cms_person AS <that select>`.
-- `python -m send_pipeline check-source cms` then says whether the mapping meets the contract.
-- See docs/onboarding.md for a worked example (include/sql/cms/examples/).
--
-- column              type          not null  meaning
-- person_id           bigint        yes       the CMS's own id of the child or young person (primary key)
-- upn                 varchar                 Unique Pupil Number (13 characters, DfE check letter)
-- uln                 varchar                 Unique Learner Number (10 digits), post-16
-- upn_unknown_reason  varchar                 UN1-UN10 when there is no UPN (DfE CBDS code set)
-- forename            varchar                 forename
-- surname             varchar                 surname
-- dob                 date                    date of birth
-- sex                 varchar                 M or F
-- ethnicity           varchar                 CBDS ethnicity code (e.g. WBRI)
-- postcode            varchar                 home postcode
-- updated_at          timestamp               when the row last changed (incremental extract); NULL = read every night
select
    cast(null as bigint) as person_id,
    cast(null as varchar) as upn,
    cast(null as varchar) as uln,
    cast(null as varchar) as upn_unknown_reason,
    cast(null as varchar) as forename,
    cast(null as varchar) as surname,
    cast(null as date) as dob,
    cast(null as varchar) as sex,
    cast(null as varchar) as ethnicity,
    cast(null as varchar) as postcode,
    cast(null as timestamp) as updated_at
where 1 = 0
