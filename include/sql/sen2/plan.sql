-- SEN2 scope: plans held by the LA on or before the census day (transfers in count from their transfer date).
SELECT plan_id, person_id, assessment_id, start_date, transferred_from_la, transfer_in_date, cease_date, cease_reason,
       personal_budget, organised_arrangements, direct_payments, residential, work_based
FROM core.plan
WHERE start_date <= :census AND (transfer_in_date IS NULL OR transfer_in_date <= :census)
