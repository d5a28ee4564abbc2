-- Independent warehouse counts the file is reconciled against (one row; written apart from the scope code).
SELECT
  (SELECT COUNT(*) FROM core.plan pl JOIN core.person p ON p.person_id = pl.person_id
    WHERE COALESCE(pl.transfer_in_date, pl.start_date) <= :census
      AND pl.start_date <= :census
      AND (pl.cease_date IS NULL OR pl.cease_date > :census)) AS active_plans,
  (SELECT COUNT(*) FROM core.plan pl JOIN core.person p ON p.person_id = pl.person_id
    WHERE pl.cease_date BETWEEN :period_start AND :period_end
      AND COALESCE(pl.transfer_in_date, pl.start_date) <= pl.cease_date) AS plans_ceased_in_period,
  (SELECT COUNT(*) FROM core.request r JOIN core.person p ON p.person_id = r.person_id
    WHERE r.received_date BETWEEN :period_start AND :period_end) AS requests_received_in_period,
  (SELECT COUNT(*) FROM core.assessment a JOIN core.request r ON r.request_id = a.request_id
    JOIN core.person p ON p.person_id = r.person_id
    WHERE a.outcome = 'Y' AND a.outcome_date BETWEEN :period_start AND :period_end
      AND r.exported_to_la IS NULL) AS plans_issued_in_period
