"""Monthly series and event tables, checked against the figures published with the real
UCDP GED 22.1 Pakistan extract (../shared/data/README.md)."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import polars as pl
import pytest

from sarhad.errors import SarhadError
from sarhad.panels import event_table, monthly_series
from sarhad.store import open_store

YEARLY = {2007: 1366, 2009: 7460, 2012: 3541, 2015: 2450, 2018: 483, 2019: 293, 2020: 409,
          2021: 448}
DYAD_857 = {2019: 148, 2020: 186, 2021: 259}


GED_GZ = Path(__file__).parent / "data" / "ucdp" / "ged_22.1_pakistan.csv.gz"


@pytest.fixture(scope="module")
def store():
    return open_store(None)


def by_year(series: pl.DataFrame) -> dict[int, int]:
    out = series.group_by(pl.col("month").str.slice(0, 4).cast(pl.Int32).alias("y")).agg(
        pl.col("value").sum())
    return dict(out.iter_rows())


def test_yearly_fatalities_match_the_published_totals(store):
    series = monthly_series(store)
    years = by_year(series)
    for year, total in YEARLY.items():
        assert years[year] == total


def test_series_is_zero_filled_and_contiguous(store):
    series = monthly_series(store)
    assert series.schema == pl.Schema({"month": pl.String, "value": pl.Int64})
    assert series["month"][0] == "1989-01"          # first event: 1989-01-25
    assert series["month"][-1] == "2021-12"         # the store's latest date_start
    assert series.height == (2021 - 1989 + 1) * 12
    assert series["month"].is_sorted() and series["month"].n_unique() == series.height
    assert (series["value"] == 0).sum() > 0        # quiet months exist and are rows of zero


def test_events_measure_counts_every_event(store):
    assert monthly_series(store, measure="events")["value"].sum() == 6416


def test_series_agrees_with_a_direct_scan_of_the_csv(store):
    raw = pl.read_csv(gzip.decompress(GED_GZ.read_bytes()), infer_schema_length=0)
    direct = (raw.with_columns(pl.col("date_start").str.slice(0, 7).alias("month"),
                               pl.col("best").cast(pl.Int64))
              .group_by("month").agg(pl.col("best").sum()))
    ours = monthly_series(store).join(direct, on="month", how="left").fill_null(0)
    assert (ours["value"] == ours["best"]).all()


def test_actor_series_counts_the_actor_and_its_factions(store):
    ttp = monthly_series(store, actor="ttp")
    table = event_table(store, actor="ttp")
    # every TTP event has TTP or one of its factions on a side; the dyad 857 is a subset
    assert table.filter((pl.col("side_a_actor") != "ttp") & (pl.col("side_b_actor") != "ttp")
                        ).height > 0  # factions count too (e.g. Jamaat-ul-Ahrar)
    years = by_year(ttp)
    dyad = event_table(store).filter(pl.col("dyad_id") == 857)
    dyad_years = dict(dyad.group_by(pl.col("date_start").dt.year()).agg(pl.col("best").sum())
                      .iter_rows())
    for year, total in DYAD_857.items():
        assert dyad_years[year] == total
        assert years[year] >= total
    assert ttp["value"].sum() == table["best"].sum()
    # same months as the country series: panels line up
    assert ttp["month"].to_list() == monthly_series(store)["month"].to_list()


def test_faction_ids_resolve_to_their_group(store):
    table = event_table(store, actor="ttp")
    lei = table.filter(pl.col("side_a_id") == 399)   # Lashkar-e-Islam, ActorIdGroup 356
    assert lei.height > 0 and (lei["side_a_actor"] == "ttp").all()
    jua = table.filter((pl.col("side_a_id") == 5928) | (pl.col("side_b_id") == 5928))
    assert jua.height > 0
    assert set(jua["side_a_actor"].to_list() + jua["side_b_actor"].to_list()) >= {
        "jamaat-ul-ahrar"}


def test_province_filter_normalises_names(store):
    kp = monthly_series(store, province="Khyber Pakhtunkhwa")["value"].sum()
    nwfp = monthly_series(store, province="NWFP")["value"].sum()
    fata = monthly_series(store, province="FATA")["value"].sum()
    assert kp == nwfp
    table = event_table(store)
    assert fata == table.filter(pl.col("former_fata"))["best"].sum()
    assert 0 < fata < kp


def test_start_and_end_bound_the_series(store):
    s = monthly_series(store, start="2021-01", end="2021-06")
    assert s["month"].to_list() == [f"2021-{m:02d}" for m in range(1, 7)]
    full = monthly_series(store)
    assert s["value"].to_list() == full.filter(
        pl.col("month").is_between(pl.lit("2021-01"), pl.lit("2021-06")))["value"].to_list()
    later = monthly_series(store, start="2021-06", end="2022-02")
    assert later["month"][-1] == "2022-02" and later["value"][-2:].to_list() == [0, 0]


def test_event_table_columns_and_precision(store):
    t = event_table(store)
    assert t.height == 6416
    assert t.columns[:16] == [
        "event_id", "date_start", "date_end", "date_precision", "side_a", "side_b",
        "side_a_actor", "side_b_actor", "type_of_violence", "best", "low", "high", "province",
        "former_fata", "latitude", "longitude"]
    assert t.schema["date_start"] == pl.Date and t.schema["former_fata"] == pl.Boolean
    assert set(t["date_precision"].unique()) == {"day", "week", "month", "year"}
    assert t["date_start"].min() == dt.date(1989, 1, 25)
    assert t["date_start"].max() <= dt.date(2021, 12, 31)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"actor": "no-such-actor"}, "no actor"),
    ({"country": "Pakistan"}, "alpha-3"),
    ({"start": "2021-13"}, "YYYY-MM"),
    ({"measure": "deaths"}, "fatalities or events"),
    ({"start": "2021-06", "end": "2021-01"}, "after end"),
])
def test_bad_requests_are_clear_errors(store, kwargs, fragment):
    with pytest.raises(SarhadError, match=fragment):
        monthly_series(store, **kwargs)


def test_other_country_is_empty_not_wrong(store):
    s = monthly_series(store, country="AFG", start="2021-01", end="2021-03")
    assert s["value"].to_list() == [0, 0, 0]
