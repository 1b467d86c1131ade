"""The brief agrees with itself: stable JSON, readings that follow from the numbers, charts that
show what the data single out, and comparisons stated where two sections measure one quantity."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest

from sarhad.report.sections import bargain, record
from sarhad.report.sections import simulate as sim_section
from sarhad.simulate.results import _columns, fan_panels


@pytest.mark.slow
def test_brief_json_is_byte_identical_between_runs() -> None:
    outs = [subprocess.run([sys.executable, "-m", "sarhad", "brief", "--json", "--fast"],
                           capture_output=True, check=True).stdout for _ in range(2)]
    assert outs[0] and outs[0] == outs[1]


def test_year_table_columns_do_not_depend_on_row_order() -> None:
    rng = np.random.default_rng(0)
    n = 300
    ev = pl.DataFrame({
        "date_start": [dt.date(2015 + int(y), 1, 1) for y in rng.integers(0, 5, n)],
        "province": rng.choice(["Khyber Pakhtunkhwa", "Sindh", "Punjab", "Balochistan",
                                "Islamabad"], n).tolist(),
        "former_fata": rng.integers(0, 2, n).astype(bool).tolist(),
        "best": rng.integers(0, 20, n).tolist(),
    })
    cols = {tuple(record._year_table(ev.sample(fraction=1.0, shuffle=True, seed=s),
                                     ev.head(50)).columns) for s in range(8)}
    assert len(cols) == 1
    (c,) = cols
    assert c[0] == "year" and list(c[1:-2]) == sorted(c[1:-2])


def _summ(**medians: float) -> dict[str, dict[str, float]]:
    return {k: {"median": v} for k, v in medians.items()}


DIMS = {k: SimpleNamespace(name=n) for k, n in (
    ("amnesty", "Breadth of amnesty"), ("prisoners", "Prisoners released"),
    ("arms", "Arms kept"), ("ceasefire", "Length of the cease-fire"))}


def test_bargain_reading_follows_the_numbers() -> None:
    # the audit's case: amnesty half-way to blanket is not 'no broad amnesty'
    p = bargain._versus_source(_summ(amnesty=50, prisoners=68, arms=59, ceasefire=73), DIMS)
    assert "Breadth of amnesty, which settles at 50, more than 'no broad amnesty'" in p.text
    assert "agrees on Length of the cease-fire" in p.text and p.cites == ("P19",)
    # inputs that do give the source's piecemeal deal are read as agreeing on every issue
    q = bargain._versus_source(_summ(amnesty=12, prisoners=40, arms=30, ceasefire=80), DIMS)
    assert "does not" not in q.text and "departs" not in q.text
    assert all(n in q.text for n in ("amnesty", "Prisoners", "Arms kept", "cease-fire"))


def test_bargain_movement_line_cites_nothing_and_flags_weak_actors(bundled_scenario) -> None:
    from sarhad.bargain.talks import load_talks, run_talks

    res = run_talks(load_talks(bundled_scenario), draws=50, rng=np.random.default_rng(3),
                    seed=3)
    text = bargain._movement(res)
    talks, m = res.talks, res.modal
    moved = np.abs(m.positions_[-1] - m.positions_[0]).mean(axis=1)
    top = int(np.argmax(moved))
    assert f"{talks.actor_names[top]}'s" in text
    weak = talks.power[top, 1] < np.median(talks.power[:, 1])
    assert ("little power" in text) == bool(weak)
    assert "not a judgment of the source" in text


def _ens(policy: str, mean: float, runs: int = 40, months: int = 12) -> SimpleNamespace:
    total = np.full((runs, months), mean / months)
    return SimpleNamespace(policy=policy, total=total,
                           months=[f"2022-{i:02d}" for i in range(1, months + 1)])


def test_fan_panels_pick_the_most_different_and_fill_the_grid() -> None:
    ens = [_ens("status-quo", 300), _ens("a", 320), _ens("b", 120), _ens("c", 500),
           _ens("d", 290), _ens("e", 250), _ens("f", 800)]
    got = [e.policy for e in fan_panels(ens, "status-quo")]
    assert got == ["status-quo", "f", "c", "b", "e", "a"]       # 'd' closest: left out
    # five would leave a hole in any grid: the closest of the four others goes
    assert [e.policy for e in fan_panels(ens[:5], "status-quo")] == ["status-quo", "c", "b",
                                                                      "a"]
    for n in range(1, 13):
        k = len(fan_panels([_ens("s", 1)] + [_ens(str(i), i + 2) for i in range(n - 1)], "s"))
        assert k <= 6 and (k <= 3 or k % _columns(k) == 0), (n, k)


def test_status_quo_is_set_beside_the_forecast_of_the_same_months(bundled_scenario) -> None:
    from sarhad.report.brief import BriefContext

    ctx = BriefContext(scenario=bundled_scenario, as_of=bundled_scenario.knowledge_date)
    months = [f"2022-{i:02d}" for i in range(1, 13)]
    ctx.cache["forecast:ttp"] = SimpleNamespace(
        months=months, draws=np.full((100, 12), 30), history=np.full(24, 20),
        origin="2021-12")
    sq = SimpleNamespace(months=months + ["2023-01"], total=np.full((50, 13), 15))
    (p,) = sim_section._versus_forecast(ctx, sq)
    assert "next 12 months (2022-01 to 2022-12)" in p.text
    assert "median of 180" in p.text and "gives 360" in p.text
    assert "lower than it" in p.text and "240 in the 12 months to 2021-12" in p.text
    assert p.cites == ()
