"""Onboarding a council from what it already holds (issue 19, part A): its SEN2 returns (XML, or the
COLLECT Blade CSV export of them) read into the CMS contract's entity shapes, person matching across
returns and the CMS, and the CMS readiness check. Plain functions, no Airflow; see docs/onboarding.md.
"""
