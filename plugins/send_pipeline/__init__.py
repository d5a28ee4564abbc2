"""SEND statutory data pipeline: the business logic, importable and testable without Airflow.

Only `runtime` touches Airflow (lazily, inside task calls): it turns a task context into a `Run`.
"""
__version__ = "0.1.0"
