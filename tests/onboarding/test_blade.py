"""The Blade CSV form of the tiny LA's return reads into the same entities as the XML."""
from __future__ import annotations

import pandas as pd
import pytest

from send_pipeline.onboarding import blade, returns

from . import blade_writer


@pytest.mark.parametrize("sex_column", ["sex", "gendercurrent"])
def test_round_trip_equals_the_xml(tiny_return, tmp_path, sex_column):
    files = blade_writer.write(tiny_return["xml"], tmp_path, sex_column=sex_column)
    found = blade.find_exports(tmp_path)
    assert list(found) == ["28-01-2026"] and set(found["28-01-2026"]) == set(blade.MODULES)
    assert "2026-Jan-15 00:00:00" in files["sen2"].read_text()
    got = blade.read_export(found["28-01-2026"])
    want = returns.read_return(tiny_return["xml"]).tables
    own = ["origin", "return_file", "return_sha256"]
    for entity in want:
        assert len(want[entity]) > 0, entity
        a = got[entity].drop(columns=own).reset_index(drop=True)
        b = want[entity].drop(columns=own).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, obj=entity)
    assert set(got["person"]["return_file"]) == {"Blade-Export_28-01-2026_*.csv"}
    assert set(got["person"]["origin"]) == {"blade_csv"} and set(got["person"]["return_year"]) == {"2026"}


def test_dates_and_flags():
    assert blade.blade_date("2022-Sep-28 00:00:00") == "2022-09-28"
    assert blade.blade_date("2024-feb-29 00:00:00") == "2024-02-29"  # leap day
    assert blade.blade_date("2023-Feb-29 00:00:00") == "2023-Feb-29 00:00:00"  # kept, for validation to reject
    assert blade.blade_date(" ") is None and blade.blade_date("2022-09-28") == "2022-09-28"


def test_incomplete_export_names_what_is_missing(tiny_return, tmp_path):
    files = blade_writer.write(tiny_return["xml"], tmp_path)
    files["senneed"].unlink()
    with pytest.raises(blade.BladeError, match="no senneed file"):
        blade.read_export(blade.find_exports(tmp_path)["28-01-2026"])


def test_a_broken_link_column_is_named(tiny_return, tmp_path):
    files = blade_writer.write(tiny_return["xml"], tmp_path)
    text = files["requests"].read_text().replace("persontableid", "personid", 1)
    files["requests"].write_text(text)
    with pytest.raises(blade.BladeError, match="requests.csv: no persontableid column"):
        blade.read_export(blade.find_exports(tmp_path)["28-01-2026"])


def test_an_orphan_row_is_dropped_not_attached_elsewhere(tiny_return, tmp_path):
    files = blade_writer.write(tiny_return["xml"], tmp_path)
    lines = files["senneed"].read_text().splitlines()
    header = lines[0].split(",")
    col = header.index("activeplanstableid")
    row = lines[1].split(",")
    row[col] = "NO_SUCH_PARENT"
    files["senneed"].write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n")
    got = blade.read_export(blade.find_exports(tmp_path)["28-01-2026"])
    want = returns.read_return(tiny_return["xml"]).tables
    assert len(got["need"]) == len(want["need"]) - 1
