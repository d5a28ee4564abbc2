-- SEN2 scope: people (names and identifiers stay in the warehouse's core; the return needs them).
SELECT person_id, upn, uln, upn_unknown_reason, forename, surname, dob, sex, ethnicity, postcode
FROM core.person
