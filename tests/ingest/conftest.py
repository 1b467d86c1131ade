"""Fixtures for the ingest tests: the real GED extract written out as a CSV, small files in
each publisher's documented columns, and a fresh store."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from sarhad.store import open_store

GED_GZ = Path(__file__).parents[1] / "data" / "ucdp" / "ged_22.1_pakistan.csv.gz"


@pytest.fixture(scope="session")
def ged_bytes() -> bytes:
    return gzip.decompress(GED_GZ.read_bytes())


@pytest.fixture
def ged_csv(tmp_path, ged_bytes) -> Path:
    path = tmp_path / "ged_22.1_pakistan.csv"
    path.write_bytes(ged_bytes)
    return path


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "events.duckdb")
    yield s
    s.close()
