-- Rows the nightly load holds back (quarantined), by entity: the return cannot include them.
-- CMS rows stay in ops.open_quarantine until a later extract loads them; tracker rows are those of the
-- review tracker's latest load.
SELECT entity, COUNT(*) AS n
FROM ops.open_quarantine
GROUP BY entity
UNION ALL
SELECT q.entity, COUNT(*) AS n
FROM ops.quarantine q
WHERE q.entity = 'review'
  AND q.run_id = (SELECT r.run_id FROM ops.run_log r WHERE r.entity = 'review' AND r.status = 'loaded'
                  ORDER BY r.loaded_at DESC LIMIT 1)
GROUP BY q.entity
