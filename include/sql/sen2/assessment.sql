-- SEN2 scope: assessments (one per request; the latest id wins if the CMS holds more).
SELECT assessment_id, request_id, outcome, outcome_date, draft_plan_date, week20_exception, mediation, tribunal,
       other_mediation, other_tribunal
FROM core.assessment
