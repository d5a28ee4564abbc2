"""Onboarding a council from what it already holds (issue 19, part A): its SEN2 returns (XML, and the
COLLECT Blade CSV export) read into the CMS contract's entity shapes, and the person-matching rules that
join several returns and the CMS. Plain Python, no Airflow; docs/onboarding.md says how it is used."""
