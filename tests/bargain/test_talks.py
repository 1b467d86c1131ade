"""The bundled 2021-22 talks case: its inputs, their validation, and the draws + sensitivity."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from sarhad.bargain import Options
from sarhad.bargain.talks import Talks, load_talks, outcome, run_talks, spearman
from sarhad.errors import ValidationFailed
from sarhad.kb import load_scenario

SCN = Path(__file__).resolve().parents[2] / "src" / "sarhad" / "scenarios" / "pakistan_ttp_2021"
TALKS_ACTORS = {"pak-civilian-gov", "pak-military", "ttp", "ttp-hardliners", "afghan-taliban",
                "siraj-haqqani", "tribal-elders"}


@pytest.fixture(scope="module")
def talks() -> Talks:
    return load_talks(load_scenario())


def test_bundled_case_is_complete_and_sourced(talks: Talks) -> None:
    assert set(talks.actors) >= TALKS_ACTORS
    assert {"is-k", "al-qaeda"} <= set(talks.actors)          # spoilers outside the table
    assert len(talks.dimensions) >= 5
    assert talks.as_of <= dt.date(2021, 12, 31)
    spec = talks.spec
    for a in spec.actors.values():
        items = [a.power, *a.position.values(), *a.salience.values()]
        assert len(items) == 1 + 2 * len(talks.dimensions)
        for t in items:
            lo, mode, hi = t.tri
            assert lo < hi and lo <= mode <= hi                 # a distribution, not a point
            assert t.refs and all(1 <= int(r[1:]) <= 27 for r in t.refs)
            assert len(t.why.split()) >= 3
    # every actor's attention totals at most 100 in any draw
    assert np.all(talks.salience[:, :, 2].sum(axis=1) <= 100)


def test_no_text_copied_from_the_source(talks: Talks) -> None:
    """Every reason is a paraphrase: no run of six words of the source (checked against the
    hashed word runs in tests/data, so the check never needs the article itself)."""
    from tests.test_no_copied_text import copied_runs

    whys = [t.why for a in talks.spec.actors.values()
            for t in [a.power, *a.position.values(), *a.salience.values()]]
    assert whys and all(copied_runs(why) == [] for why in whys)


def _write(tmp_path: Path, negotiation: dict) -> Path:
    p = tmp_path / "talks.yaml"
    p.write_text(yaml.safe_dump({"negotiation": negotiation}, sort_keys=False), encoding="utf-8")
    return p


def _base() -> dict:
    return yaml.safe_load((SCN / "10-talks.yaml").read_text(encoding="utf-8"))["negotiation"]


def _problems(tmp_path: Path, neg: dict) -> tuple[list, str, Path]:
    path = _write(tmp_path, neg)
    scn = load_scenario([str(SCN / "00-system.yaml"), str(path)])
    with pytest.raises(ValidationFailed) as err:
        load_talks(scn)
    return err.value.problems, path.read_text(encoding="utf-8"), path


def _line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_yaml_errors_name_file_line_and_field(tmp_path: Path) -> None:
    neg = _base()
    neg["actors"]["ttp"]["position"]["arms"]["tri"] = [90, 80, 100]
    neg["actors"]["ttp-mystery"] = neg["actors"].pop("is-k")
    del neg["actors"]["al-qaeda"]["salience"]["ceasefire"]
    neg["actors"]["tribal-elders"]["salience"]["ceasefire"]["tri"] = [25, 32, 60]
    neg["actors"]["pak-military"]["power"]["refs"] = []
    probs, text, path = _problems(tmp_path, neg)
    got = {p.field: p for p in probs}
    assert "negotiation.actors.ttp.position.arms" in got
    p = got["negotiation.actors.ttp.position.arms"]
    assert p.file == str(path) and "low <= mode <= high" in p.message
    lines = text.splitlines()
    # the line of the entry (the kb's line map points at the mapping's first line)
    assert "arms:" in lines[p.line - 1] or "arms:" in lines[p.line - 2]
    assert lines[p.line - 1].strip().startswith(("arms:", "tri:"))
    assert got["negotiation.actors.pak-military.power.refs"].line is not None
    assert "too_short" in got["negotiation.actors.pak-military.power.refs"].message or \
        "at least 1" in got["negotiation.actors.pak-military.power.refs"].message


def test_cross_checks_with_lines(tmp_path: Path) -> None:
    neg = _base()
    neg["actors"]["ttp-mystery"] = neg["actors"].pop("is-k")
    del neg["actors"]["al-qaeda"]["salience"]["ceasefire"]
    neg["actors"]["tribal-elders"]["salience"]["ceasefire"]["tri"] = [25, 32, 60]
    neg["as_of"] = "2022-03-01"
    probs, text, path = _problems(tmp_path, neg)
    by = {p.field: p for p in probs}
    # a block mapping is located at its key's line or the first line of its body
    assert by["negotiation.actors.ttp-mystery"].line - _line_of(text, "ttp-mystery:") in (0, 1)
    assert "not an actor id" in by["negotiation.actors.ttp-mystery"].message
    assert "missing dimension 'ceasefire'" in by["negotiation.actors.al-qaeda.salience"].message
    assert "add up to 120" in by["negotiation.actors.tribal-elders.salience"].message
    assert "after the scenario's knowledge date" in by["negotiation.as_of"].message
    assert by["negotiation.as_of"].line == _line_of(text, "as_of:")
    assert all(p.file == str(path) for p in probs)


def test_same_seed_same_bytes_and_seeds_differ(talks: Talks) -> None:
    a = run_talks(talks, draws=40, rng=np.random.default_rng(9), seed=9)
    b = run_talks(talks, draws=40, rng=np.random.default_rng(9), seed=9)
    c = run_talks(talks, draws=40, rng=np.random.default_rng(10), seed=10)
    assert json.dumps(a.to_json()) == json.dumps(b.to_json())
    assert not np.allclose(a.outcomes, c.outcomes)
    s = run_talks(talks, draws=40, rng=np.random.default_rng(9), seed=9,
                  options=Options(state_transitions="Stochastic"))
    assert not np.allclose(s.outcomes, a.outcomes)


def test_outcomes_stay_within_inputs(talks: Talks) -> None:
    r = run_talks(talks, draws=60, rng=np.random.default_rng(1))
    assert r.outcomes.shape == (60, len(talks.dimensions))
    lo = r.inputs[:, len(talks.actors):len(talks.actors) * (1 + len(talks.dimensions))]
    lo = lo.reshape(60, len(talks.actors), len(talks.dimensions))
    # bargains interpolate, so positions never leave the hull of the initial ones (up to
    # KTAB's rounding of bargains to 1e-4 on the 0-1 scale)
    assert np.all(r.final >= lo.min(axis=1, keepdims=True) - 0.005)
    assert np.all(r.final <= lo.max(axis=1, keepdims=True) + 0.005)
    for row in r.summary():
        assert row["p10"] <= row["median"] <= row["p90"]


def test_weighted_outcome_formula() -> None:
    pw = np.array([[1.0, 3.0]])
    pos = np.array([[[0.0, 10.0], [100.0, 50.0]]])
    sal = np.array([[[10.0, 30.0], [10.0, 10.0]]])
    np.testing.assert_allclose(outcome(pw, pos, sal),
                               [[75.0, (30 * 10 + 30 * 50) / 60]])


def test_spearman_agrees_with_scipy() -> None:
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 4))
    y = np.c_[x[:, 0] ** 3 + rng.normal(size=50) * 0.1, rng.normal(size=50)]
    got = spearman(x, y)
    for m in range(4):
        for j in range(2):
            assert got[m, j] == pytest.approx(spearmanr(x[:, m], y[:, j])[0], abs=1e-12)


def test_sensitivity_finds_the_input_that_matters(talks: Talks) -> None:
    # make one actor's position on one issue very uncertain and everything else nearly fixed:
    # the screen must put that input first for that issue, with a strong positive sign
    t = Talks(**{**talks.__dict__})
    t.power = np.c_[talks.power[:, 1] - 0.01, talks.power[:, 1], talks.power[:, 1] + 0.01]
    mid = talks.position[..., 1]
    t.position = np.stack([mid - 0.01, mid, mid + 0.01], axis=-1).clip(0, 100)
    t.position[..., 0] = np.minimum(t.position[..., 0], mid)
    sm = talks.salience[..., 1]
    t.salience = np.stack([sm - 0.01, sm, sm + 0.01], axis=-1)
    i, k = t.actors.index("pak-military"), t.dimensions.index("ceasefire")
    t.position[i, k] = [0.0, 50.0, 100.0]
    r = run_talks(t, draws=80, rng=np.random.default_rng(2))
    top = [row for row in r.sensitivity(top=1) if row["dimension"] == "ceasefire"][0]
    assert top["input"] == "pak-military position ceasefire"
    assert top["rho"] > 0.8
