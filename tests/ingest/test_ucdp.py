"""UCDP GED: the real HDX extract end to end, UCDP's own 49-column layout, the HXL row, BOM,
idempotence."""

from __future__ import annotations

import polars as pl
import pytest
from ingest_fixtures import GED_HEADER_49, ged_row, write_csv

from sarhad.ingest import ingest_file
from sarhad.panels import monthly_series

YEARLY = {2007: 1366, 2009: 7460, 2012: 3541, 2015: 2450, 2018: 483, 2019: 293, 2020: 409,
          2021: 448}


def yearly(store, **kw) -> dict[int, int]:
    s = monthly_series(store, **kw)
    return dict(s.group_by(pl.col("month").str.slice(0, 4).cast(pl.Int32)).agg(
        pl.col("value").sum()).iter_rows())


def test_real_extract_loads_completely(store, ged_csv):
    report = ingest_file(store, ged_csv)
    assert report.source == "ucdp" and report.rows == 6416
    assert report.loaded == 6416 and report.skipped == 0
    assert report.sha256 == "b15bad2a3df2278d4195dd3850a3c05f5a0c999d0c198eebd1e21fd6062fedcf"
    years = yearly(store)
    for y, total in YEARLY.items():
        assert years[y] == total
    # 'Civilians' is UCDP's side B of one-sided violence: no scenario actor, most frequent
    assert report.unresolved[0][0] == "Civilians"
    assert report.unresolved == sorted(report.unresolved, key=lambda x: -x[1])


def test_same_file_twice_changes_nothing(store, ged_csv):
    ingest_file(store, ged_csv)
    before = store.con.execute("SELECT count(*), sum(best), max(ingest_id) FROM events"
                               ).fetchall()
    again = ingest_file(store, ged_csv)
    assert again.already_loaded and again.loaded == 0
    assert store.con.execute("SELECT count(*), sum(best), max(ingest_id) FROM events"
                             ).fetchall() == before
    assert len(store.files()) == 1


def test_a_loaded_file_is_a_no_op_even_when_asked_as_another_source(store, ged_csv):
    ingest_file(store, ged_csv)
    again = ingest_file(store, ged_csv, source="acled")    # its columns are not ACLED's
    assert again.already_loaded and again.source == "ucdp" and store.count() == 6416


@pytest.mark.parametrize("chunk", [None, 64])
def test_hdx_hxl_row_is_skipped_and_lines_still_point_at_records(store, tmp_path, ged_bytes,
                                                                 chunk, monkeypatch):
    if chunk:   # the header alone in the first chunk: the HXL row starts the second
        import sarhad.ingest.reader as reader

        monkeypatch.setattr(reader, "CHUNK", chunk)
    header, rest = ged_bytes.split(b"\n", 1)
    hxl = b",".join(b"#x+" + c for c in header.split(b","))
    path = tmp_path / "hdx.csv"
    path.write_bytes(header + b"\n" + hxl + b"\n" + rest)
    report = ingest_file(store, path)
    assert report.loaded == 6416 and report.skipped == 0
    lines = store.con.execute("SELECT min(file_line), max(file_line) FROM events").fetchall()
    assert lines == [(3, 10689)]
    # the line of an event really is where its record starts in the file
    text = path.read_bytes().split(b"\n")
    eid, line = store.con.execute("SELECT event_id, file_line FROM events ORDER BY random() "
                                  "LIMIT 1").fetchall()[0]
    assert text[line - 1].startswith(eid.encode() + b",")


def test_small_read_chunks_and_blocks_change_nothing(store, ged_csv, ged_bytes, monkeypatch):
    # the file is read in chunks cut at record boundaries (quoted newlines straddle the
    # cuts here) and checked and written in blocks: with tiny ones, everything must agree
    # with the figures and the lines of the file
    import sarhad.ingest.pipeline as pipeline
    import sarhad.ingest.reader as reader

    monkeypatch.setattr(reader, "CHUNK", 4093)
    monkeypatch.setattr(pipeline, "BLOCK", 777)
    report = ingest_file(store, ged_csv)
    assert report.loaded == 6416 and report.skipped == 0 and report.rows == 6416
    assert report.sha256 == "b15bad2a3df2278d4195dd3850a3c05f5a0c999d0c198eebd1e21fd6062fedcf"
    assert yearly(store)[2021] == 448
    physical = ged_bytes.split(b"\n")
    rows = store.con.execute("SELECT event_id, file_line FROM events").fetchall()
    assert len({line for _, line in rows}) == 6416
    for eid, line in rows[::53]:
        assert physical[line - 1].startswith(eid.encode() + b",")


def test_record_lines_follow_quoted_newlines(store, ged_csv, ged_bytes):
    ingest_file(store, ged_csv)
    rows = store.con.execute("SELECT event_id, file_line FROM events").fetchall()
    physical = ged_bytes.split(b"\n")
    for eid, line in rows[::97]:
        assert physical[line - 1].startswith(eid.encode() + b",")


def test_ucdp_49_column_layout_uses_country_id(store, tmp_path):
    path = write_csv(tmp_path / "GEDEvent_v22_1.csv", GED_HEADER_49, [
        ged_row(1, "2021-03-04", 5),
        ged_row(2, "2021-03-20", 2, country="Afghanistan", country_id="700",
                adm_1="Nangarhar province", adm_2="Achin district"),
    ])
    report = ingest_file(store, path)
    assert report.source == "ucdp" and report.version == "22.1" and report.loaded == 2
    rows = dict(store.con.execute("SELECT event_id, country FROM events").fetchall())
    assert rows == {"1": "PAK", "2": "AFG"}
    prov = dict(store.con.execute("SELECT event_id, province FROM events").fetchall())
    assert prov == {"1": "Khyber Pakhtunkhwa", "2": "Nangarhar"}
    assert monthly_series(store, start="2021-03", end="2021-03")["value"].to_list() == [5]


def test_utf8_bom_is_accepted(store, tmp_path):
    path = write_csv(tmp_path / "bom.csv", GED_HEADER_49,
                     [ged_row(7, "2020-01-02", 3, where_coordinates="Bannu — town")], bom=True)
    report = ingest_file(store, path)
    assert report.encoding == "utf-8-sig" and report.loaded == 1
    assert store.con.execute("SELECT location FROM events").fetchall() == [("Bannu — town",)]


@pytest.mark.parametrize("prec, expected", [("1", "day"), ("2", "week"), ("3", "week"),
                                            ("4", "month"), ("5", "year")])
def test_date_precision_mapping(store, tmp_path, prec, expected):
    path = write_csv(tmp_path / "p.csv", GED_HEADER_49,
                     [ged_row(9, "2019-05-01", 1, date_prec=prec)])
    ingest_file(store, path)
    assert store.con.execute("SELECT date_precision FROM events").fetchall() == [(expected,)]
