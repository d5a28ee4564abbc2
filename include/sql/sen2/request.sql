-- SEN2 scope: requests for an EHC needs assessment received on or before the census day.
SELECT request_id, person_id, received_date, request_source, rya, decision, decision_date, exported_to_la,
       mediation, tribunal
FROM core.request
WHERE received_date <= :census
