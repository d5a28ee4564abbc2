-- SEN2 scope: review meetings held on or before the census day (review tracker).
SELECT person_id, review_type, due_date, meeting_date, decision_date, outcome, draft_amended_date, final_amended_date
FROM core.review
WHERE meeting_date IS NOT NULL AND meeting_date <= :census
