"""CLI contracts of simulate, compare, calibrate, explain and discover."""

from __future__ import annotations

import json
import subprocess
import sys

import polars as pl
import pytest
from typer.testing import CliRunner

from sarhad.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_simulate_json_is_byte_identical_for_a_seed():
    a = run("simulate", "--policy", "talks", "--runs", "60", "--months", "6", "--seed", "3",
            "--json")
    b = run("simulate", "--policy", "talks", "--runs", "60", "--months", "6", "--seed", "3",
            "--json")
    assert a.exit_code == 0, a.output
    assert a.stdout == b.stdout
    rows = json.loads(a.stdout)
    assert {r["outcome"] for r in rows} >= {"ttp_fatalities", "ceasefire_episodes",
                                            "cohesion_end", "relations_end"}
    c = run("simulate", "--policy", "talks", "--runs", "60", "--months", "6", "--seed", "4",
            "--json")
    assert c.stdout != a.stdout


def test_simulate_writes_tidy_tables_and_plot(tmp_path):
    res = run("simulate", "--policy", "divide", "--runs", "20", "--months", "4", "--seed", "1",
              "--out", str(tmp_path), "--format", "csv", "--plot", str(tmp_path / "fan.svg"))
    assert res.exit_code == 0, res.output
    v = pl.read_csv(tmp_path / "divide-violence.csv")
    assert v.columns == ["policy", "run", "month", "actor", "province", "fatalities"]
    assert v.height == 20 * 4 * 5 + 20 * 4
    assert v["fatalities"].min() >= 0
    s = pl.read_csv(tmp_path / "divide-state.csv")
    assert {"cohesion", "relations", "us_coop", "ceasefire"} <= set(s.columns)
    assert (tmp_path / "fan.svg").read_text().startswith("<svg")


def test_compare_reports_differences_on_common_draws():
    res = run("compare", "--policy", "status-quo", "--policy", "status-quo", "--runs", "40",
              "--months", "6", "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert all(r["diff_mean"] == 0 and r["p_other_higher"] == 0 for r in rows)
    res = run("compare", "--policy", "status-quo", "--policy", "strikes", "--runs", "40",
              "--months", "6", "--json")
    rows = {r["outcome"]: r for r in json.loads(res.stdout)}
    assert rows["ceasefire_months"]["other_mean"] == 0


def test_calibrate_explain_discover_json(tmp_path):
    out = tmp_path / "post.json"
    res = run("calibrate", "--sims", "600", "--accept", "0.05", "--seed", "1", "--out", str(out),
              "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert {r["parameter"] for r in rows} >= {"level", "ar", "sanctuary_effect"}
    post = json.loads(out.read_text())
    assert set(post["parameters"]) == {"sanctuary_effect", "ceasefire_effect"}
    res = run("simulate", "--runs", "10", "--months", "3", "--posterior", str(out), "--json")
    assert res.exit_code == 0, res.output
    res = run("explain", "--policy", "talks", "--versus", "status-quo", "--runs", "60",
              "--months", "6", "--json")
    assert res.exit_code == 0, res.output
    assert "NaN" not in res.stdout and "Infinity" not in res.stdout  # strict JSON
    names = [r["mechanism"] for r in json.loads(res.stdout)]
    assert "deal-dividend" in names and names[-1] == "(interactions)"
    res = run("discover", "--policy", "talks", "--runs", "200", "--months", "6", "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert 0 <= d["coverage"] <= 1 and 0 <= d["density"] <= 1


@pytest.mark.parametrize("args,needle", [
    (["simulate", "--policy", "nope"], "unknown policy 'nope'"),
    (["compare", "--policy", "talks"], "at least two policies"),
    (["explain", "--outcome", "joy", "--runs", "10", "--months", "2"], "unknown outcome"),
])
def test_bad_input_is_one_line_exit_2(args, needle):
    proc = subprocess.run([sys.executable, "-m", "sarhad", *args], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_bad_posterior_file(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text("{}")
    proc = subprocess.run([sys.executable, "-m", "sarhad", "simulate", "--runs", "5",
                           "--posterior", str(bad)], capture_output=True, text=True)
    assert proc.returncode == 2 and "not a posterior file" in proc.stderr


def test_sweep_json_matches_chunked_api(sim):
    from sarhad.simulate.sweep import sweep

    res = run("sweep", "--policy", "status-quo", "--runs", "90", "--months", "4", "--chunks",
              "3", "--seed", "5", "--json")
    assert res.exit_code == 0, res.output
    rows = {(r["policy"], r["outcome"]): r for r in json.loads(res.stdout)}
    ref = sweep(sim, ["status-quo"], runs=90, months=4, seed=5, chunks=3)
    assert rows[("status-quo", "ttp_fatalities")]["mean"] == pytest.approx(
        ref["status-quo"]["ttp_fatalities"].mean())


@pytest.mark.parametrize("cmd", ["simulate", "compare", "calibrate", "explain", "discover",
                                 "sweep"])
def test_help_teaches_with_an_example(cmd):
    res = run(cmd, "--help")
    assert res.exit_code == 0 and "Example: sarhad " + cmd in res.stdout


def test_tables_are_byte_identical_for_a_seed(tmp_path):
    for d in ("a", "b"):
        res = run("simulate", "--policy", "talks", "--runs", "15", "--months", "5", "--seed",
                  "9", "--out", str(tmp_path / d))
        assert res.exit_code == 0, res.output
    for name in ("violence", "state", "summary", "fan"):
        f = f"talks-{name}.parquet"
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), name
