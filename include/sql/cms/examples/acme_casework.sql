-- Example mapping: a made-up vendor schema ("Acme Casework") mapped to the CMS contract's views.
-- Acme keeps children in `acme_child`, EHC requests and assessments in ONE table `acme_ehc_case`
-- (one row per case, stages as columns), plans in `acme_plan`, placements in `acme_provision`, needs in
-- `acme_need`, staff in `acme_worker` / `acme_plan_worker`; it writes dates as ISO text, sex as
-- 'Male' / 'Female', and its consultations are not licensed (an empty view).
-- Each statement is one `CREATE VIEW cms_<table>`; run them once in the database `send_cms` points at.
-- docs/onboarding.md walks through it; tests/onboarding/test_check_source.py checks it.

create view cms_person as
select c.child_ref as person_id, c.upn, c.uln, c.upn_missing_code as upn_unknown_reason,
       c.first_name as forename, c.last_name as surname, c.birth_date as dob,
       case c.gender when 'Male' then 'M' when 'Female' then 'F' end as sex,
       c.ethnic_code as ethnicity, c.post_code as postcode, c.modified as updated_at
from acme_child c;

create view cms_request as
select k.case_ref as request_id, k.child_ref as person_id, k.requested_on as received_date,
       k.requester_type as request_source, k.young_person_request as rya,
       k.assess_decision as decision, k.assess_decision_on as decision_date, k.moved_to_la as exported_to_la,
       k.request_mediation as mediation, k.request_appeal as tribunal, k.modified as updated_at
from acme_ehc_case k;

create view cms_assessment as
select k.case_ref as assessment_id, k.case_ref as request_id, k.plan_decision as outcome,
       k.plan_decision_on as outcome_date, k.draft_sent_on as draft_plan_date,
       k.exception_flag as week20_exception, k.exception_text as exception_reason,
       k.assessment_mediation as mediation, k.assessment_appeal as tribunal,
       0 as other_mediation, 0 as other_tribunal, k.modified as updated_at
from acme_ehc_case k
where k.assessment_opened = 1;

create view cms_plan as
select p.plan_ref as plan_id, p.child_ref as person_id, p.case_ref as assessment_id, p.issued_on as start_date,
       p.from_la as transferred_from_la, p.taken_on as transfer_in_date, p.ended_on as cease_date,
       p.end_reason as cease_reason, p.pb as personal_budget, p.oa as organised_arrangements,
       p.dp as direct_payments, p.res as residential, p.wbp as work_based, p.modified as updated_at
from acme_plan p;

create view cms_officer as
select w.worker_ref as officer_id, w.display_name as name, w.job_title as role, w.grade, w.fte,
       w.started_on as start_date, w.left_on as end_date, w.agency as is_agency
from acme_worker w;

create view cms_plan_coordinator as
select pw.plan_ref as plan_id, pw.worker_ref as officer_id, pw.from_on as from_date, pw.to_on as to_date
from acme_plan_worker pw;

create view cms_placement as
select v.provision_ref as placement_id, v.plan_ref as plan_id, v.urn, v.ukprn, v.setting as setting_code,
       v.setting_text as setting_other, v.rank_no as placement_rank, v.start_on as entry_date,
       v.end_on as leaving_date, v.unit as sen_unit, v.resourced as resourced_provision,
       v.in_section_i as named_in_plan, v.res as residential, v.wbp as work_based, v.modified as updated_at
from acme_provision v;

create view cms_need as
select n.plan_ref as plan_id, n.need as need_code, n.rank_no as need_rank, n.recorded_on as recorded_date
from acme_need n;

create view cms_consultation as
select cast(null as integer) as consultation_id, cast(null as integer) as person_id, cast(null as integer) as urn,
       cast(null as date) as sent_date, cast(null as text) as response, cast(null as date) as response_date,
       cast(null as text) as decision
where 1 = 0;
