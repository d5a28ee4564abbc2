-- SEN2 scope: review meetings held on or before the census day (review tracker), with what the
-- phase-transfer deadline depends on (as staging.review_events has it for the marts): the GIAS type of
-- the review's school and the person's next placement start after the meeting.
WITH starts AS (
  SELECT p.person_id, pl.entry_date
  FROM core.placement pl JOIN core.plan p ON p.plan_id = pl.plan_id
  WHERE pl.entry_date IS NOT NULL
)
SELECT r.person_id, r.review_type, r.due_date, r.meeting_date, r.decision_date, r.outcome, r.draft_amended_date,
       r.final_amended_date, s.type_name AS school_type, MIN(st.entry_date) AS next_placement_date
FROM core.review r
LEFT JOIN core.school s ON s.urn = r.school_urn
LEFT JOIN starts st ON st.person_id = r.person_id AND st.entry_date > r.meeting_date
WHERE r.meeting_date IS NOT NULL AND r.meeting_date <= :census
GROUP BY r.person_id, r.review_type, r.due_date, r.meeting_date, r.decision_date, r.outcome, r.draft_amended_date,
         r.final_amended_date, s.type_name
