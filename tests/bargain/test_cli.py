"""``sarhad bargain``: the JSON contract, plots, determinism, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.bargain.conftest import EXPECTED, KTAB
from typer.testing import CliRunner

from sarhad.cli import app

runner = CliRunner()


def test_csv_json_contract() -> None:
    res = runner.invoke(app, ["bargain", str(KTAB / "inputs" / "dummyData_3Dim.csv"), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    ref = EXPECTED["dummyData_3Dim"]
    assert out["states"] == ref["states_in_history"]
    assert set(out["final"]) == set(ref["final"])
    for a, dims in ref["final"].items():
        assert set(out["final"][a]) == set(dims)
        for k, v in dims.items():
            assert abs(out["final"][a][k] - v) <= 0.1
    assert len(out["history"]) == out["states"]
    assert set(out["history"][0]["win_prob"]) == set(ref["final"])


def test_csv_plot_and_table(tmp_path: Path) -> None:
    svg = tmp_path / "t.svg"
    res = runner.invoke(app, ["bargain", str(KTAB / "inputs" / "SOE-Pol-Comp.csv"),
                              "--plot", str(svg)])
    assert res.exit_code == 0, res.output
    assert "28 states" in res.stdout and "WY" in res.stdout
    assert svg.read_text().lstrip().startswith("<svg")


def test_scenario_json_is_byte_identical_for_a_seed() -> None:
    args = ["bargain", "--scenario", "pakistan_ttp_2021", "--draws", "30", "--seed", "4",
            "--json"]
    a, b = runner.invoke(app, args), runner.invoke(app, args)
    assert a.exit_code == 0, a.output
    assert a.stdout == b.stdout
    c = runner.invoke(app, args[:-3] + ["5", "--json"])
    assert c.stdout != a.stdout
    out = json.loads(a.stdout)
    assert [o["dimension"] for o in out["outcomes"]] == out["dimensions"]
    assert {"p10", "median", "p90"} <= set(out["outcomes"][0])
    assert out["sensitivity"] and {"dimension", "input", "rho"} <= set(out["sensitivity"][0])


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sarhad", *args], capture_output=True,
                          text=True)


def test_bad_inputs_exit_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("X,y,2,1,\nActor,Description,Power,P Position,P Salience,\n"
                   "A,a,10,20,30,\nB,b,10,20,\n", encoding="utf-8")
    for args, needle in [
        ((str(bad),), f"{bad}:4: [P Salience] missing value for actor 'B'"),
        ((str(tmp_path / "none.csv"),), "no such file"),
        ((str(KTAB / "inputs" / "SOE-Policy.csv"), "--pce", "Majority"), "pce: 'Majority'"),
        (("--draws", "1"), "--draws must be at least 2"),
    ]:
        proc = _cli("bargain", *args)
        assert proc.returncode == 2, proc.stderr
        assert needle in proc.stderr
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_help_teaches() -> None:
    res = runner.invoke(app, ["bargain", "--help"])
    assert res.exit_code == 0
    assert "Example" in res.stdout and "--draws" in res.stdout and "--voting-rule" in res.stdout
