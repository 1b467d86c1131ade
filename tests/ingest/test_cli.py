"""The data commands: ingest, data, series (JSON contracts, files written, one-line errors)."""

from __future__ import annotations

import json
import subprocess
import sys

import polars as pl
from ingest_fixtures import GED_HEADER_49, ged_row, write_csv
from typer.testing import CliRunner

from sarhad.cli import app

runner = CliRunner()


def run_ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def run_main(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from sarhad.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120)


def test_ingest_then_series_and_data_on_that_store(tmp_path):
    db = tmp_path / "e.duckdb"
    f = write_csv(tmp_path / "GEDEvent_v22_1.csv", GED_HEADER_49, [
        ged_row(1, "2021-01-05", 3), ged_row(2, "2021-03-09", 4, best="x")])
    out = json.loads(run_ok("ingest", str(f), "--db", str(db), "--json"))
    assert out[0]["loaded"] == 1 and out[0]["skipped"] == 1
    assert out[0]["problems"][0]["field"] == "best" and out[0]["problems"][0]["line"] == 4
    again = json.loads(run_ok("ingest", str(f), "--db", str(db), "--json"))
    assert again[0]["already_loaded"] is True
    series = json.loads(run_ok("series", "--db", str(db), "--json"))
    assert series == [{"month": "2021-01", "value": 3}]
    info = json.loads(run_ok("data", "--db", str(db), "--json"))
    assert info["files"][0]["rows"] == 2 and info["summary"][0]["events"] == 1
    assert "Sundberg" in info["files"][0]["citation"]     # each source's citation is kept


def test_series_csv_and_plot_from_the_bundled_data(tmp_path):
    csv_path, png = tmp_path / "s.csv", tmp_path / "s.png"
    run_ok("series", "--actor", "ttp", "--start", "2021-01", "--end", "2021-12",
           "--out", str(csv_path), "--plot", str(png))
    s = pl.read_csv(csv_path)
    assert s.columns == ["month", "value"] and s.height == 12 and s["value"].sum() == 264
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_data_shows_the_bundled_extract_and_its_citation():
    info = json.loads(run_ok("data", "--json"))
    assert info["bundled"] and info["summary"][0]["events"] == 6416
    assert "Sundberg" in info["citation"]


def test_errors_are_one_line_with_exit_code_2(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    r = run_main("ingest", str(bad), "--db", str(tmp_path / "x.duckdb"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "unknown format" in r.stderr
    r = run_main("series", "--province", "Atlantis", "--country", "pakistan")
    assert r.returncode == 2 and "alpha-3" in r.stderr and r.stderr.count("\n") == 1
    r = run_main("series", "--db", str(tmp_path / "none.duckdb"))
    assert r.returncode == 2 and "no event store there" in r.stderr


def test_help_teaches_with_an_example():
    for cmd in ("ingest", "data", "series"):
        out = run_ok(cmd, "--help")
        assert "Example" in out
