"""SEND statutory data pipeline: the business logic, importable and testable without Airflow.

    kernel/         settings, Run, errors, warehouse, owner-only files, pseudonyms
    nightly/        the nightly run: sources/ (one declaration per source), extract/, validate/, load, marts
    ops/            health view, alerts, retention
    sen2/ foi/ pack/  the statutory return, FOI tables, the performance pack
    orchestration/  the Airflow adapter: the one way a DAG task calls a step (runtime.call), conventions

Only `orchestration` touches Airflow (lazily, inside task calls): it turns a task context into a `Run`.
"""
__version__ = "0.1.0"
