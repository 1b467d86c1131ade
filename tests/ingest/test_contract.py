"""One contract every registered adapter keeps (DESIGN.md section 8): it is found from its
own header, returns exactly the canonical columns with their types, keeps a valid row, and
flags a row without an id or with an unreadable date rather than loading it."""

from __future__ import annotations

import polars as pl
import pytest
from ingest_fixtures import ACLED_HEADER, GED_HEADER_49, GTD_HEADER, ged_row

from sarhad.ingest import ADAPTERS, detect
from sarhad.ingest.base import CANONICAL

VALID = {
    "ucdp": (GED_HEADER_49, ged_row(1, "2021-05-01", 2), "id", "date_start"),
    "ucdp-candidate": (GED_HEADER_49, ged_row(1, "2021-05-01", 2), "id", "date_start"),
    "acled": (ACLED_HEADER, {
        "event_id_cnty": "PAK9", "event_date": "01 May 2021", "event_type": "Battles",
        "actor1": "TTP: Tehreek-i-Taliban Pakistan", "actor2": "Police Forces of Pakistan",
        "country": "Pakistan", "admin1": "Sindh", "latitude": "24.8", "longitude": "67.0",
        "fatalities": "2"}, "event_id_cnty", "event_date"),
    "gtd": (GTD_HEADER, {
        "eventid": "202105010001", "iyear": "2021", "imonth": "5", "iday": "1",
        "country_txt": "Pakistan", "provstate": "Sindh", "gname": "Unknown", "nkill": "2"},
        "eventid", "iyear"),
}


def raw_frame(header: list[str], rows: list[dict]) -> pl.DataFrame:
    data = {c: [r.get(c) or None for r in rows] for c in header}
    return pl.DataFrame(data, schema={c: pl.String for c in header}).with_columns(
        pl.Series("_line", list(range(2, len(rows) + 2)), dtype=pl.Int64))


def test_every_adapter_is_covered():
    assert set(VALID) == set(ADAPTERS)


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_adapter_contract(name, tmp_path):
    adapter = ADAPTERS[name]
    header, row, id_col, date_col = VALID[name]
    assert adapter.matches(header) or name == "ucdp-candidate"
    assert adapter.id_column == id_col and id_col in adapter.required   # duplicates found on it
    if name != "ucdp-candidate":
        assert detect(header).name == name        # recognised from its header alone
    broken_id = dict(row, **{id_col: ""})
    broken_date = dict(row, **{date_col: "someday"})
    out = adapter.canonical(raw_frame(header, [row, broken_id, broken_date]).lazy()).collect()
    assert dict(out.schema) == CANONICAL
    assert out["problem"][0] is None
    assert out["problem"][1].startswith(id_col)
    assert out["problem"][2].startswith(date_col)
    assert out["best"][0] == 2 and out["country"][0] == "PAK"
    assert out["_line"].to_list() == [2, 3, 4]


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_adapter_header_names_its_documentation(name):
    adapter = ADAPTERS[name]
    assert adapter.title and adapter.documentation.startswith("http")
    assert len(adapter.required) >= 5
