"""The forecast, backtest, ask and resolve commands: the DESIGN.md §4 forecast contract (CSV
format, draws, horizons, byte-identical seeds, no data after the origin), help, one-line errors,
--json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from sarhad.cli import app

runner = CliRunner()


def run(*args: str):
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def sarhad(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sarhad", *args], capture_output=True,
                          text=True)


@pytest.mark.parametrize("cmd", ["forecast", "backtest", "ask", "resolve"])
def test_help_teaches(cmd: str) -> None:
    out = run(cmd, "--help").output
    assert "Example" in out and "--json" in out


@pytest.mark.parametrize("args, needle", [
    (["forecast", "--horizon", "49"], "--horizon"),
    (["forecast", "--draws", "999"], "--draws"),
    (["forecast", "--origin", "2021-13"], "YYYY-MM"),
    (["forecast", "--actor", "nobody"], "--actor"),
    (["forecast", "--model", "oracle"], "--model"),
    (["forecast", "--origin", "2023-01"], "data end before"),
    (["forecast", "--province", "Atlantis"], "no events recorded"),
    (["backtest", "--origins", "2012-01"], "--origins"),
    (["backtest", "--origins", "2019-01:2019-02", "--horizon", "1", "--long-until", "none",
      "--draws", "100", "--model", "oracle"], "--model"),
    (["resolve", "--set", "talks-revived-2022", "maybe"], "yes or no"),
    (["ask", "/nonexistent/q.yaml"], "no such file"),
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], needle: str) -> None:
    proc = sarhad(*args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in proc.stderr


def test_forecast_csv_contract_and_byte_identical_seed(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    args = ["forecast", "--target", "fatalities", "--country", "PAK", "--actor", "ttp",
            "--origin", "2021-12", "--horizon", "3", "--draws", "1000", "--seed", "7"]
    run(*args, "--out", str(a))
    run(*args, "--out", str(b))
    assert a.read_bytes() == b.read_bytes()
    assert a.read_text().splitlines()[0] == "month,draw,value"
    df = pl.read_csv(a)
    assert df.height == 3 * 1000
    assert sorted(set(df["month"])) == ["2022-01", "2022-02", "2022-03"]
    assert df["value"].dtype == pl.Int64 and df["value"].min() >= 0
    assert df["draw"].n_unique() == 1000
    c = tmp_path / "c.csv"
    run(*args[:-1], "8", "--out", str(c))
    assert c.read_bytes() != a.read_bytes()


def test_data_after_the_origin_do_not_change_the_forecast(tmp_path: Path,
                                                          store_to_2019: Path) -> None:
    """A store that ends in 2019 and the full record (to 2021) give the same bytes for a
    forecast from 2019-10."""
    a, b = tmp_path / "short.csv", tmp_path / "full.csv"
    args = ["forecast", "--actor", "ttp", "--origin", "2019-10", "--horizon", "6", "--seed", "3"]
    run(*args, "--db", str(store_to_2019), "--out", str(a))
    run(*args, "--out", str(b))
    assert a.read_bytes() == b.read_bytes()


def test_forecast_summary_json_and_plot(tmp_path: Path) -> None:
    out = run("forecast", "--horizon", "4", "--format", "summary").output
    assert "median" in out and "80%" in out
    rows = json.loads(run("forecast", "--horizon", "4", "--json").stdout)
    assert [r["month"] for r in rows] == ["2022-01", "2022-02", "2022-03", "2022-04"]
    for r in rows:
        assert r["lo95"] <= r["lo80"] <= r["lo50"] <= r["median"] <= r["hi50"] <= r["hi80"] \
            <= r["hi95"]
    png = tmp_path / "fan.png"
    run("forecast", "--horizon", "4", "--format", "summary", "--plot", str(png))
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_backtest_json_and_plot(tmp_path: Path) -> None:
    png = tmp_path / "bt.png"
    res = run("backtest", "--actor", "ttp", "--origins", "2019-01:2019-04", "--horizon", "3",
              "--long-until", "none", "--draws", "200", "--json", "--plot", str(png))
    js = json.loads(res.stdout, parse_constant=lambda c: pytest.fail(f"non-JSON {c}"))
    assert set(js["baselines"]) == {"zero", "last", "poisson12", "bootstrap12", "negbin36"}
    assert {r["horizon"] for r in js["comparison"]} == {1, 2, 3}
    # four origins are too few for a bootstrap interval: null, not NaN
    assert all(r["lower"] is None for r in js["comparison"])
    assert js["verdict"]["n_horizons"] == 3
    assert png.exists()
    table = run("backtest", "--actor", "ttp", "--origins", "2019-01:2019-04", "--horizon", "3",
                "--long-until", "none", "--draws", "200").output
    assert "Verdict" in table and "bootstrap12" in table
    js = json.loads(run("backtest", "--actor", "ttp", "--origins", "2019-01:2019-04",
                        "--horizon", "2", "--long-until", "none", "--draws", "200",
                        "--model", "ensemble", "--json").stdout)
    assert js["model"] == "ensemble" and js["comparison"][0]["model"] == "ensemble"


def test_ask_and_resolve_with_a_ledger(tmp_path: Path) -> None:
    led = tmp_path / "ledger.jsonl"
    rows = json.loads(run("ask", "--ledger", str(led), "--only", "ttp-mass-casualty-month-2022",
                          "--only", "talks-revived-2022", "--json").stdout)
    by = {(r["question_id"], r["by"].split()[0]) for r in rows}
    assert by == {("talks-revived-2022", "source"), ("ttp-mass-casualty-month-2022", "sarhad")}
    assert all(0 < r["probability"] < 1 and r["question_hash"] for r in rows)
    rec = json.loads(run("resolve", "--ledger", str(led), "--json").stdout)
    assert all(r["outcome"] is None for r in rec)  # data end in 2021: nothing resolves
    run("resolve", "--ledger", str(led), "--set", "talks-revived-2022", "yes", "--source",
        "test record")
    rec = json.loads(run("resolve", "--ledger", str(led), "--json").stdout)
    talks = next(r for r in rec if r["question_id"] == "talks-revived-2022")
    assert talks["outcome"] is True and talks["brier"] == pytest.approx(0.01)
    proc = sarhad("resolve", "--ledger", str(led), "--set", "talks-revived-2022", "no",
                  "--source", "again")
    assert proc.returncode == 2 and "already resolved" in proc.stderr


def test_forecast_by_province_and_events() -> None:
    rows = json.loads(run("forecast", "--province", "NWFP", "--target", "events", "--horizon",
                          "2", "--json").stdout)
    assert [r["month"] for r in rows] == ["2022-01", "2022-02"]
    assert rows[0]["median"] > 0  # Khyber Pakhtunkhwa records events every month of 2021


# ---- the scenario simulator as a forecaster (issue 7) -----------------------------------------

SIM = ["forecast", "--actor", "ttp", "--model", "simulator", "--horizon", "3", "--draws", "1000"]


def test_simulator_forecast_csv_contract_and_byte_identical_seed(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    run(*SIM, "--origin", "2016-06", "--seed", "5", "--out", str(a))
    run(*SIM, "--origin", "2016-06", "--seed", "5", "--out", str(b))
    run(*SIM, "--origin", "2016-06", "--seed", "6", "--out", str(c))
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    assert a.read_text().splitlines()[0] == "month,draw,value"
    df = pl.read_csv(a)
    assert df.height == 3000 and sorted(set(df["month"])) == ["2016-07", "2016-08", "2016-09"]
    assert df["value"].dtype == pl.Int64 and df["value"].min() >= 0
    rows = json.loads(run(*SIM, "--origin", "2016-06", "--json").stdout)
    assert [r["month"] for r in rows] == ["2016-07", "2016-08", "2016-09"]


def test_simulator_ignores_data_after_the_origin(tmp_path: Path, store_to_2019: Path) -> None:
    a, b = tmp_path / "short.csv", tmp_path / "full.csv"
    args = [*SIM, "--origin", "2019-10", "--seed", "3"]
    run(*args, "--db", str(store_to_2019), "--out", str(a))
    run(*args, "--out", str(b))
    assert a.read_bytes() == b.read_bytes()


def test_simulator_refuses_a_series_it_does_not_model() -> None:
    for extra in (["--actor", "is-k"], ["--target", "events"], ["--province", "Sindh"]):
        proc = sarhad("forecast", "--actor", "ttp", "--model", "simulator", *extra)
        assert proc.returncode == 2 and "--model simulator" in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_backtest_with_the_simulator() -> None:
    js = json.loads(run("backtest", "--actor", "ttp", "--origins", "2019-01:2019-03",
                        "--horizon", "2", "--long-until", "none", "--draws", "200",
                        "--model", "simulator", "--json").stdout)
    assert js["model"] == "simulator"
    assert {r["baseline"] for r in js["comparison"]} == {"zero", "last", "poisson12",
                                                         "bootstrap12", "negbin36"}
    assert {r["horizon"] for r in js["comparison"] if r["model"] == "simulator"} == {1, 2}


@pytest.mark.parametrize("args, needle", [
    (["forecast", "--draws", "1000000000"], "at most"),
    (["forecast", "--format", "csv", "--plot", "PLOT.bmp", "--out", "OUT.csv"], ".bmp"),
    (["forecast", "--out", "OUT.txt"], "use .csv"),
    (["backtest", "--plot", "PLOT.gif"], ".gif"),
    (["simulate", "--runs", "1000000", "--months", "24"], "run-months"),
    (["calibrate", "--out", "OUT.txt"], "use .json"),
    (["effects", "--ks-plot", "PLOT.png", "--no-hawkes"], "--no-hawkes"),
])
def test_bad_outputs_and_sizes_refused_before_any_work(tmp_path: Path, args: list[str],
                                                       needle: str) -> None:
    """A bad output path or an outsized request fails at once, and nothing is written (the
    audit found --out x.csv written before --plot p.bmp failed)."""
    args = [a.replace("PLOT", str(tmp_path / "sub" / "p")).replace(
        "OUT", str(tmp_path / "sub" / "o")) for a in args]
    proc = sarhad(*args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr
    assert not (tmp_path / "sub").exists()


def test_output_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    from sarhad.errors import SarhadError
    from sarhad.forecast.api import check_output

    d = tmp_path / "d.csv"
    d.mkdir()
    with pytest.raises(SarhadError, match="is a directory"):
        check_output(d, option="--out", suffixes=(".csv",))
    check_output(tmp_path / "new" / "deeper" / "f.csv", option="--out", suffixes=(".csv",))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SarhadError, match="not a directory"):
        check_output(blocker / "f.csv", option="--out", suffixes=(".csv",))


def test_score_means_agree_with_a_direct_mean() -> None:
    from types import SimpleNamespace

    from sarhad.forecast.api import score_means

    cases = pl.DataFrame({"forecaster": ["a", "a", "a", "b", "b"],
                          "horizon": [1, 2, 13, 1, 2],
                          "crps": [1.0, 3.0, 100.0, 2.0, 2.0]})
    got = score_means(SimpleNamespace(cases=cases), horizon=12, columns=("crps",))
    assert got == {"a": {"crps": 2.0}, "b": {"crps": 2.0}}
