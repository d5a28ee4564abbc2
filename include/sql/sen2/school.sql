-- GIAS establishments: known URNs / UKPRNs and their type (for the setting-type figures).
SELECT urn, ukprn, type_name, type_group, la_code
FROM core.school
