-- SEN2 scope: placements that had started by the census day.
SELECT placement_id, plan_id, urn, ukprn, setting_code, setting_other, placement_rank, entry_date, leaving_date,
       sen_unit, resourced_provision, named_in_plan, residential, work_based
FROM core.placement
WHERE entry_date IS NULL OR entry_date <= :census
