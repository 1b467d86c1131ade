"""ACLED's standard export, on a small file written with the codebook's columns."""

from __future__ import annotations

import datetime as dt

from ingest_fixtures import ACLED_HEADER, write_csv

from sarhad.ingest import ingest_file
from sarhad.panels import event_table, monthly_series


def acled_row(eid: str, date: str, a1: str, a2: str, fat: int, **kw) -> dict:
    row = {"event_id_cnty": eid, "event_date": date, "year": date[-4:], "time_precision": "1",
           "disorder_type": "Political violence", "event_type": "Battles",
           "sub_event_type": "Armed clash", "actor1": a1, "actor2": a2, "iso": "586",
           "region": "South Asia", "country": "Pakistan", "admin1": "Khyber Pakhtunkhwa",
           "admin2": "North Waziristan", "location": "Miran Shah", "latitude": "33.0",
           "longitude": "70.07", "fatalities": str(fat), "timestamp": "1640000000"}
    row.update(kw)
    return row


def test_acled_export_loads_with_actors_and_places(store, tmp_path):
    path = write_csv(tmp_path / "acled_pakistan.csv", ACLED_HEADER, [
        acled_row("PAK1", "15 January 2021", "Military Forces of Pakistan (2018-)",
                  "TTP: Tehreek-i-Taliban Pakistan", 4),
        acled_row("PAK2", "2021-02-03", "Unidentified Armed Group (Pakistan)",
                  "Civilians (Pakistan)", 1, admin1="Balochistan", admin2="Quetta",
                  time_precision="2", event_type="Violence against civilians",
                  sub_event_type="Attack"),
        acled_row("PAK3", "20 February 2021", "Islamic State (Khorasan)", "", 0,
                  admin1="Sindh", admin2="Karachi", iso=""),
    ])
    report = ingest_file(store, path)
    assert report.source == "acled" and report.loaded == 3 and report.skipped == 0
    t = event_table(store, source="acled").sort("event_id")
    assert t["date_start"].to_list() == [dt.date(2021, 1, 15), dt.date(2021, 2, 3),
                                         dt.date(2021, 2, 20)]
    assert t["date_precision"].to_list() == ["day", "week", "day"]
    assert t["side_a_actor"].to_list() == ["pak-military", None, "is-k"]
    assert t["side_b_actor"].to_list() == ["ttp", None, None]
    assert t["former_fata"].to_list() == [True, False, False]   # N. Waziristan: merged district
    assert t["province"].to_list() == ["Khyber Pakhtunkhwa", "Balochistan", "Sindh"]
    assert t["country"].to_list() == ["PAK"] * 3                # from iso, else from the name
    assert t["best"].to_list() == [4, 1, 0] and t["low"].null_count() == 3
    names = dict(report.unresolved)
    assert names == {"Unidentified Armed Group (Pakistan)": 1, "Civilians (Pakistan)": 1}
    ttp = monthly_series(store, source="acled", actor="ttp")
    assert ttp["value"].to_list() == [4, 0]
    # ACLED events do not enter the UCDP target series
    assert monthly_series(store)["value"].sum() == 0
