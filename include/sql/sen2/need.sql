-- SEN2 scope: recorded needs (the latest recorded on or before the census day is reported per rank).
SELECT plan_id, need_code, need_rank, recorded_date
FROM core.need
WHERE recorded_date IS NULL OR recorded_date <= :census
