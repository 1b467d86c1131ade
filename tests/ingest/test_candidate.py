"""UCDP Candidate events: monthly releases in GED's columns; the later release wins."""

from __future__ import annotations

from ingest_fixtures import GED_HEADER_49, ged_row, write_csv

from sarhad.ingest import ingest_file
from sarhad.panels import monthly_series


def best_of(store, eid: str) -> tuple[int, str]:
    return store.con.execute("SELECT best, source_version FROM event_records WHERE event_id = ?",
                             [eid]).fetchall()[0]


def test_later_release_replaces_an_event_seen_earlier(store, tmp_path):
    first = write_csv(tmp_path / "GEDEvent_v21_0_1.csv", GED_HEADER_49, [
        ged_row(500, "2021-12-28", 3), ged_row(501, "2021-12-29", 1)])
    second = write_csv(tmp_path / "GEDEvent_v21_0_2.csv", GED_HEADER_49, [
        ged_row(500, "2021-12-28", 6), ged_row(502, "2021-12-30", 2)])
    r1 = ingest_file(store, first)
    assert r1.source == "ucdp-candidate" and r1.version == "21.0.1" and r1.loaded == 2
    r2 = ingest_file(store, second)
    assert r2.loaded == 2 and r2.replaced == 1
    assert best_of(store, "500") == (6, "21.0.2")
    assert store.count() == 3


def test_an_older_release_never_overwrites_a_newer_one(store, tmp_path):
    newer = write_csv(tmp_path / "GEDEvent_v21_0_3.csv", GED_HEADER_49,
                      [ged_row(600, "2021-11-02", 9)])
    older = write_csv(tmp_path / "GEDEvent_v21_0_2.csv", GED_HEADER_49,
                      [ged_row(600, "2021-11-02", 4), ged_row(601, "2021-11-05", 1)])
    ingest_file(store, newer)
    r = ingest_file(store, older)
    assert r.loaded == 1 and r.unchanged == 1
    assert best_of(store, "600") == (9, "21.0.3")


def test_candidate_extends_ged_only_after_its_last_event(store, tmp_path):
    ged = write_csv(tmp_path / "GEDEvent_v21_1.csv", GED_HEADER_49, [
        ged_row(1, "2021-10-10", 10), ged_row(2, "2021-11-15", 20)])
    cand = write_csv(tmp_path / "candidate_events.csv", GED_HEADER_49, [
        ged_row(90, "2021-11-10", 7),      # inside GED's period: GED is the record there
        ged_row(91, "2021-12-05", 4)])     # after it: the candidate event extends the series
    ingest_file(store, ged)
    r = ingest_file(store, cand)
    assert r.source == "ucdp-candidate"
    s = monthly_series(store)
    assert s["month"].to_list() == ["2021-10", "2021-11", "2021-12"]
    assert s["value"].to_list() == [10, 20, 4]


def test_source_option_forces_candidate(store, tmp_path):
    path = write_csv(tmp_path / "export.csv", GED_HEADER_49, [ged_row(3, "2021-01-01", 1)])
    assert ingest_file(store, path, source="ucdp-candidate").source == "ucdp-candidate"


def test_release_order_is_numeric_not_alphabetical(store, tmp_path):
    # 21.0.10 is later than 21.0.9, although '10' < '9' as text
    ingest_file(store, write_csv(tmp_path / "GEDEvent_v21_0_10.csv", GED_HEADER_49,
                                 [ged_row(700, "2021-10-01", 5)]))
    r = ingest_file(store, write_csv(tmp_path / "GEDEvent_v21_0_9.csv", GED_HEADER_49,
                                     [ged_row(700, "2021-10-01", 1)]))
    assert r.replaced == 0 and r.unchanged == 1
    assert best_of(store, "700") == (5, "21.0.10")
