"""The question ledger: the bundled source judgments, rules, the hash chain, answers from
forecast draws and resolution once data arrive."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sarhad.errors import SarhadError, ValidationFailed
from sarhad.forecast import ledger as L
from sarhad.forecast.baselines import PoissonMean


def test_bundled_questions_cover_the_sources_2022_judgments() -> None:
    qs = L.load_questions()
    refs = {s.ref for q in qs for s in q.sources}
    assert {"P18", "P19", "P20", "P21", "P23", "P24", "P25", "P26", "P27"} <= refs
    data = [q for q in qs if q.data_rule]
    human = [q for q in qs if not q.data_rule]
    assert len(data) >= 4 and len(human) >= 8
    for q in data:
        # windows lie in 2022; references (if any) in the data we have
        assert q.quantity.start >= "2022-01" and q.quantity.end <= "2022-12"
        if q.rule.reference:
            assert q.rule.reference.end <= "2021-12"
    for q in qs:
        assert q.close.year == 2023
        if q.stated:
            assert q.stated.probability == L.WORDS[q.stated.words]
    assert len({q.hash() for q in qs}) == len(qs)


def test_bad_question_file_lists_every_problem_with_lines(tmp_path: Path) -> None:
    f = tmp_path / "q.yaml"
    f.write_text("""questions:
  - id: a
    text: one
    rule: {aggregate: sum, op: ">"}
    quantity: {start: "2022-01", end: "2022-12"}
    close: 2023-01-01
    sources: [{ref: P18, note: x}]
  - id: b
    text: two
    rule: {aggregate: human}
    close: 2023-01-01
    sources: []
""")
    with pytest.raises(ValidationFailed) as err:
        L.load_questions(f)
    msg = str(err.value)
    assert "threshold" in msg and "q.yaml:4" in msg
    assert "sources" in msg and "2 problems" in msg


def test_rules_on_known_paths() -> None:
    months = ["2021-11", "2021-12", "2022-01", "2022-02"]
    paths = np.array([[10, 10, 15, 10],    # 2022 sum 25 > 1.2 * 20
                      [10, 10, 5, 5],      # 10
                      [0, 0, 100, 0]])     # max 100
    win = L.Window(start="2022-01", end="2022-02")
    up = L.Rule(aggregate="sum", op=">", factor=1.2,
                reference=L.Window(start="2021-11", end="2021-12"))
    assert L.evaluate_rule(up, win, paths, months).tolist() == [True, False, True]
    spike = L.Rule(aggregate="any-month", op=">=", threshold=100)
    assert L.evaluate_rule(spike, win, paths, months).tolist() == [False, False, True]
    low = L.Rule(aggregate="min", op="<", threshold=6)
    assert L.evaluate_rule(low, win, paths, months).tolist() == [False, True, True]
    with pytest.raises(SarhadError, match="2022-03"):
        L.evaluate_rule(spike, L.Window(start="2022-01", end="2022-03"), paths, months)
    assert L.draws_probability(np.array([True] * 3 + [False])) == pytest.approx(3.5 / 5)
    assert 0 < L.draws_probability(np.zeros(1000, bool)) < 0.001


def test_scores() -> None:
    assert L.brier(0.9, True) == pytest.approx(0.01)
    assert L.log_score(0.9, False) == pytest.approx(-np.log(0.1))


def test_ledger_is_append_only_and_detects_edits(tmp_path: Path) -> None:
    led = L.Ledger(tmp_path / "l.jsonl")
    q = L.load_questions()[5]  # a human question
    L.record_stated(led, [q])
    L.record_stated(led, [q])  # stated answers are stored once per question version
    assert len(led.entries()) == 1
    L.resolve_by_hand(led, q.id, True, "test report", questions=[q])
    with pytest.raises(SarhadError, match="already resolved"):
        L.resolve_by_hand(led, q.id, False, "other", questions=[q])
    rec = L.record(led)
    row = rec["answers"][0]
    assert row["outcome"] is True and row["brier"] == pytest.approx((1 - q.stated.probability) ** 2)
    # tamper with the first line: every later read refuses the ledger
    lines = led.path.read_text().splitlines()
    first = json.loads(lines[0])
    first["probability"] = 0.99
    led.path.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    with pytest.raises(SarhadError, match=r"l.jsonl:1: hash chain broken"):
        led.entries()


def test_human_resolution_rules(tmp_path: Path) -> None:
    led = L.Ledger(tmp_path / "l.jsonl")
    qs = L.load_questions()
    data_q = next(q for q in qs if q.data_rule)
    with pytest.raises(SarhadError, match="from data"):
        L.resolve_by_hand(led, data_q.id, True, "x", questions=qs)
    with pytest.raises(SarhadError, match="no question"):
        L.resolve_by_hand(led, "nope", True, "x", questions=qs)
    human = next(q for q in qs if not q.data_rule)
    with pytest.raises(SarhadError, match="--source"):
        L.resolve_by_hand(led, human.id, True, "  ", questions=qs)


def _question_2020(tmp_path: Path) -> L.Question:
    f = tmp_path / "q2020.yaml"
    f.write_text("""questions:
  - id: ttp-2020-above-2019
    text: TTP-linked fatalities in 2020 exceed those of 2019.
    quantity: {target: fatalities, actor: ttp, start: "2020-01", end: "2020-12"}
    rule: {aggregate: sum, op: ">", factor: 1.0, reference: {start: "2019-01", end: "2019-12"}}
    close: 2021-06-30
    sources: [{ref: P05, note: test question about a past year}]
""")
    return L.load_questions(f)[0]


def test_answer_from_draws_then_resolve_when_data_arrive(tmp_path: Path,
                                                         store_to_2019: Path) -> None:
    """Answer from a store that ends in 2019-12, then resolve from the full record: the
    answer's probability is the share of draws satisfying the rule; the outcome is the data's."""
    from sarhad.forecast.api import SeriesSpec, load_series, make_forecast

    q = _question_2020(tmp_path)
    led = L.Ledger(tmp_path / "l.jsonl")
    f = PoissonMean(window=12)
    e = L.answer_with_forecast(led, q, db=store_to_2019, draws=1000, seed=4, forecaster=f)
    # the last event of the cut store falls before 31 December: December is not complete,
    # so the forecast starts after November and December 2019 comes from the draws too
    assert e["origin"] == "2019-11" and e["data_latest"].startswith("2019-12")
    spec = SeriesSpec(actor="ttp")
    hist = load_series(spec, db=store_to_2019)
    assert hist.end_month == "2019-11"
    fc = make_forecast(spec, db=store_to_2019, horizon=13, draws=1000, seed=4,
                       forecaster=PoissonMean(window=12))
    ref = hist.y[-11:].sum() + fc.draws[:, 0]
    k = int((fc.draws[:, 1:].sum(axis=1) > ref).sum())
    assert e["probability"] == pytest.approx((k + 0.5) / 1001)
    # nothing to resolve with data to 2019; the full record covers 2020
    assert L.resolve_from_data(led, db=store_to_2019) == []
    res = L.resolve_from_data(led)
    full = load_series(spec, end="2020-12")
    assert res[0]["outcome"] == bool(full.y[-12:].sum() > full.y[-24:-12].sum())
    assert L.resolve_from_data(led) == []  # once only
    rec = L.record(led)
    assert rec["by_forecaster"][0]["resolved"] == 1
    with pytest.raises(SarhadError, match="already cover"):
        L.answer_with_forecast(led, q, draws=1000, forecaster=f)


def _append_many(path: str, n: int, tag: str) -> None:
    led = L.Ledger(Path(path))
    for i in range(n):
        led.append({"kind": "note", "question_id": f"{tag}-{i}", "question_hash": "x"})


def test_concurrent_appends_keep_the_chain(tmp_path: Path) -> None:
    """Two processes appending at once: the file lock keeps one valid chain."""
    import multiprocessing as mp

    path = str(tmp_path / "l.jsonl")
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_append_many, args=(path, 25, t)) for t in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    entries = L.Ledger(Path(path)).entries()  # raises if the chain were broken
    assert len(entries) == 50 and [e["seq"] for e in entries] == list(range(1, 51))
