"""The data dictionary documents every mart column, and nothing that is not there."""
from datetime import date

import pytest

from send_pipeline.nightly import dictionary
from send_pipeline.kernel.run import Run
from send_pipeline.nightly.marts import build_marts, model_files
from send_pipeline.kernel.settings import Settings
from send_pipeline.kernel.warehouse import Warehouse


def test_dictionary_matches_the_marts_exactly(tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    settings = Settings(cms_url="", warehouse_url=url, inbox_dir=tmp_path, output_dir=tmp_path,
                        landing_dir=tmp_path, la_code="331", pseudonym_secret=b"x")
    build_marts(Run(settings, "dict", date(2025, 3, 31)))  # an empty warehouse still builds every mart
    wh = Warehouse(url)
    # send_forecast's marts (not built by the nightly): their tables as the forecast creates them
    from send_pipeline.forecast import marts as forecast_marts

    forecast_marts.ensure(wh)
    actual = wh.frame("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'marts'")
    documented = dictionary.rows()
    assert set(zip(actual.table_name.map(lambda t: f"marts.{t}"), actual.column_name)) == \
        set(zip(documented.table_name, documented.column_name))
    assert wh.scalar("SELECT COUNT(*) FROM marts.data_dictionary") == len(documented)
    assert documented.description.str.len().min() > 5
    wh.dispose()


def test_rendered_dictionary_documents_every_row(tmp_path):
    # docs/data_dictionary.md is rendered, not committed (python -m send_pipeline.nightly.dictionary): the
    # renderer is checked instead, so every documented column appears once under its mart's heading.
    text = dictionary.write_markdown(tmp_path / "data_dictionary.md").read_text()
    documented = dictionary.rows()
    for table, columns in documented.groupby("table_name", sort=False):
        section = text.split(f"## `{table}`\n", 1)[1].split("\n## ", 1)[0]
        assert [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")] == list(columns.column_name)
    assert text.count("\n## `marts.") == documented.table_name.nunique()


def test_models_are_ordered_by_dependency():
    names = [f"{p.parent.name}.{p.stem}" for p in model_files()]
    assert names.index("staging.review_events") < names.index("marts.annual_reviews") < names.index("marts.review_compliance")
    assert names.index("marts.coordinator_caseload") < names.index("marts.caseload_by_role")
