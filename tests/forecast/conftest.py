"""Fixtures: an event store holding the real UCDP record only up to 2019-12, to check that a
forecast from an origin ignores data after it and that questions resolve once data arrive."""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl
import pytest

GED_GZ = Path(__file__).parents[1] / "data" / "ucdp" / "ged_22.1_pakistan.csv.gz"


@pytest.fixture(scope="session")
def store_to_2019(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sarhad.ingest import ingest_file
    from sarhad.kb import load_scenario
    from sarhad.store import open_store

    tmp = tmp_path_factory.mktemp("store2019")
    raw = tmp / "ged_full.csv"
    raw.write_bytes(gzip.decompress(GED_GZ.read_bytes()))
    frame = pl.read_csv(raw, infer_schema_length=0)
    cut = frame.filter(pl.col("date_start").str.slice(0, 10) < "2020-01-01")
    assert 0 < cut.height < frame.height
    part = tmp / "ged_22.1_pakistan_to2019.csv"
    cut.write_csv(part)
    db = tmp / "events.duckdb"
    with open_store(db) as store:
        ingest_file(store, part, source="ucdp", version="22.1", scenario=load_scenario())
    return db
