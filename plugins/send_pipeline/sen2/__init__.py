"""The SEN2 person-level census return: scope, XML writer, XSD + business-rule validation, report, reader.

No Airflow imports here: `dags/sen2_census.py` calls `build` through thin tasks, tests call it directly.
Reference: shared/spec/sen2.md. Where that reference marks an item UNVERIFIED the code follows its
recommended choice and says so in a comment or in the rule's message.
"""
