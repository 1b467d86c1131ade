"""GTD's export: unknown month/day as 0, Latin-1 text in older downloads."""

from __future__ import annotations

import datetime as dt

from ingest_fixtures import GTD_HEADER, write_csv

from sarhad.ingest import ingest_file
from sarhad.panels import event_table


def gtd_row(eid: str, y: int, m: int, d: int, gname: str, nkill: str, **kw) -> dict:
    row = {"eventid": eid, "iyear": str(y), "imonth": str(m), "iday": str(d), "extended": "0",
           "country": "153", "country_txt": "Pakistan", "region": "6",
           "region_txt": "South Asia", "provstate": "North-West Frontier Province",
           "city": "Peshawar", "latitude": "34.0", "longitude": "71.5",
           "attacktype1": "3", "attacktype1_txt": "Bombing/Explosion", "targtype1": "14",
           "targtype1_txt": "Private Citizens & Property", "gname": gname, "nkill": nkill,
           "nwound": "2"}
    row.update(kw)
    return row


def test_gtd_dates_with_unknown_month_and_day(store, tmp_path):
    path = write_csv(tmp_path / "globalterrorismdb.csv", GTD_HEADER, [
        gtd_row("200901010001", 2009, 1, 1, "Tehrik-i-Taliban Pakistan (TTP)", "5"),
        gtd_row("200902000001", 2009, 2, 0, "Unknown", "", provstate="Federally "
                "Administered Tribal Areas", city="Wana"),
        gtd_row("200900000001", 2009, 0, 0, "Lashkar-e-Jhangvi", "1.0",
                provstate="Balochistan"),
    ])
    report = ingest_file(store, path)
    assert report.source == "gtd" and report.loaded == 3 and report.skipped == 0
    t = event_table(store, source="gtd").sort("event_id")
    by_id = {r["event_id"]: r for r in t.to_dicts()}
    y = by_id["200900000001"]
    assert (y["date_start"], y["date_end"], y["date_precision"]) == (
        dt.date(2009, 1, 1), dt.date(2009, 12, 31), "year")
    m = by_id["200902000001"]
    assert (m["date_start"], m["date_end"], m["date_precision"]) == (
        dt.date(2009, 2, 1), dt.date(2009, 2, 28), "month")
    assert m["best"] is None and m["former_fata"] and m["province"] == "Khyber Pakhtunkhwa"
    d = by_id["200901010001"]
    assert d["date_precision"] == "day" and d["side_a_actor"] == "ttp" and d["best"] == 5
    assert d["province"] == "Khyber Pakhtunkhwa" and not d["former_fata"]   # NWFP, settled


def test_latin1_gtd_file_is_read(store, tmp_path):
    path = write_csv(tmp_path / "gtd_old.csv", GTD_HEADER, [
        gtd_row("199001010001", 1990, 1, 1, "Unknown", "0", city="Muzaffarābād (Azad Kashmir)"
                .replace("ā", "a").replace("(Azad Kashmir)", "é"), provstate="Azad Kashmir"),
    ], encoding="latin-1")
    report = ingest_file(store, path)
    assert report.encoding in ("cp1252", "latin-1") and report.loaded == 1
    assert store.con.execute("SELECT location, province FROM events").fetchall() == [
        ("Muzaffarabad é", "Azad Kashmir")]


def test_latin1_text_far_into_a_file_read_in_chunks(store, tmp_path, monkeypatch):
    # only a later chunk holds a byte that is not UTF-8: that block is transcoded, the
    # file is reported as such, and the earlier (ASCII) blocks are unchanged
    import sarhad.ingest.reader as reader

    monkeypatch.setattr(reader, "CHUNK", 512)
    rows = [gtd_row(f"19900101{i:04d}", 1990, 1, 1, "Unknown", "0") for i in range(40)]
    rows.append(gtd_row("199001019999", 1990, 1, 1, "Unknown", "0", city="Peshawar \xe9"))
    path = write_csv(tmp_path / "gtd_old.csv", GTD_HEADER, rows, encoding="latin-1")
    report = ingest_file(store, path)
    assert report.encoding in ("cp1252", "latin-1") and report.loaded == 41
    assert store.con.execute("SELECT location FROM events WHERE event_id = '199001019999'"
                             ).fetchall() == [("Peshawar é",)]


def test_impossible_date_is_skipped_with_its_line(store, tmp_path):
    path = write_csv(tmp_path / "gtd.csv", GTD_HEADER, [
        gtd_row("1", 2010, 2, 30, "Unknown", "1"),
        gtd_row("2", 2010, 13, 1, "Unknown", "1"),
        gtd_row("3", 2010, 3, 3, "Unknown", "1"),
    ])
    report = ingest_file(store, path)
    assert report.loaded == 1 and report.skipped == 2
    assert [(p.line, p.field) for p in report.problems] == [(2, "iday"), (3, "imonth")]
