"""The store's dimension tables (kinds, places, sides) and the DuckDB settings of an ingest:
codes are shared and stable across ingests, a rolled-back ingest leaves no dimension row, the
``events`` view gives back the texts, and the connection's settings are as they were after."""

from __future__ import annotations

import pytest
from ingest_fixtures import GED_HEADER_49, ged_row, write_csv

from sarhad.ingest import ingest_file
from sarhad.ingest.write import INGEST_SETTINGS
from sarhad.store import DIMENSIONS


def settings(store):
    """The connection's value of each setting an ingest changes, as text ('1', 'false')."""
    return {k: str(store.con.execute(f"SELECT current_setting('{k}')").fetchone()[0]).lower()
            for k in INGEST_SETTINGS}


def table(store, name):
    cols = ", ".join(("code", *DIMENSIONS[name]))
    return store.con.execute(f"SELECT {cols} FROM {name} ORDER BY code").fetchall()


def test_a_second_ingest_reuses_the_codes_of_the_first(store, tmp_path):
    ingest_file(store, write_csv(tmp_path / "a.csv", GED_HEADER_49,
                                 [ged_row(1, "2020-01-01", 1), ged_row(2, "2020-01-02", 2)]))
    before = {t: table(store, t) for t in DIMENSIONS}
    # one kind, one place and two sides: the two events share every one of them
    assert [len(before[t]) for t in ("kinds", "places", "sides")] == [1, 1, 2]
    # the same place and sides again, plus one new district and one new side name
    ingest_file(store, write_csv(tmp_path / "b.csv", GED_HEADER_49, [
        ged_row(3, "2020-02-01", 3),
        ged_row(4, "2020-02-02", 4, adm_2="Bajaur", side_b="Jamaat-ul-Ahrar",
                side_b_new_id="1163")]))
    after = {t: table(store, t) for t in DIMENSIONS}
    for t in DIMENSIONS:     # what was coded keeps its code; new rows are numbered on
        assert after[t][:len(before[t])] == before[t]
        codes = [r[0] for r in after[t]]
        assert codes == list(range(len(codes)))
    assert len(after["kinds"]) == 1 and len(after["places"]) == 2 and len(after["sides"]) == 3
    assert store.con.execute("SELECT count(DISTINCT place), count(DISTINCT side_a) "
                             "FROM event_rows").fetchone() == (2, 1)


def test_the_events_view_gives_back_the_texts(store, tmp_path):
    ingest_file(store, write_csv(tmp_path / "a.csv", GED_HEADER_49, [
        ged_row(7, "2021-03-04", 5, adm_1="North-West Frontier Province",
                adm_2="Peshawar district", where_coordinates="Peshawar city",
                side_b="Jamaat-ul-Ahrar", side_b_new_id="1163", type_of_violence="3")]))
    row = store.con.execute(
        "SELECT uid, date_precision, country, province, former_fata, province_raw, district,"
        " location, side_a, side_a_id, side_a_actor, side_b, side_b_id, side_b_actor,"
        " type_of_violence, best, low, high FROM events").fetchone()
    assert row[:8] == ("ucdp:7", "day", "PAK", "Khyber Pakhtunkhwa", False,
                       "North-West Frontier Province", "Peshawar", "Peshawar city")
    assert row[8:10] == ("Government of Pakistan", 142)
    assert row[11:13] == ("Jamaat-ul-Ahrar", 1163)
    assert row[10] is not None and row[13] is not None     # both sides resolved
    assert row[14:] == (3, 5, 5, 7)


def test_a_rolled_back_ingest_leaves_no_dimension_row(store, tmp_path):
    ingest_file(store, write_csv(tmp_path / "a.csv", GED_HEADER_49,
                                 [ged_row(1, "2020-01-01", 1)]))
    before = {t: table(store, t) for t in DIMENSIONS}

    def boom():
        raise RuntimeError("disk full")

    novel = write_csv(tmp_path / "b.csv", GED_HEADER_49, [
        ged_row(2, "2020-02-01", 2, adm_1="Balochistan", adm_2="Quetta",
                side_b="An armed group never seen", side_b_new_id="99999",
                type_of_violence="2", date_prec="3")])
    with pytest.raises(RuntimeError):
        ingest_file(store, novel, on_before_commit=boom)
    assert {t: table(store, t) for t in DIMENSIONS} == before
    # the next ingest numbers its new rows on from what is stored, not from the lost ones
    ingest_file(store, novel)
    for t in DIMENSIONS:
        assert [r[0] for r in table(store, t)] == list(range(len(table(store, t))))
    assert store.con.execute("SELECT province, side_b FROM events WHERE event_id = '2'"
                             ).fetchone() == ("Balochistan", "An armed group never seen")


def test_the_ingest_settings_are_set_back_after_a_commit_and_after_a_rollback(store, tmp_path):
    store.con.execute("SET threads = 2")
    store.con.execute("SET preserve_insertion_order = true")
    before = settings(store)
    during = {k: v.strip("'") for k, v in INGEST_SETTINGS.items()}
    assert all(before[k] != during[k] for k in INGEST_SETTINGS)   # each one is changed
    ingest_file(store, write_csv(tmp_path / "a.csv", GED_HEADER_49,
                                 [ged_row(1, "2020-01-01", 1)]))
    assert settings(store) == before

    seen = {}

    def boom():
        seen.update(settings(store))
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        ingest_file(store, write_csv(tmp_path / "b.csv", GED_HEADER_49,
                                     [ged_row(2, "2020-02-01", 2)]), on_before_commit=boom)
    # inside the ingest its own settings held; after the rollback the caller's are back
    assert seen == during
    assert settings(store) == before
