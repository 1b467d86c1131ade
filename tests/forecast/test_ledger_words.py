"""The bundled ledger's stated probabilities follow the source's own words, and the thresholds'
stated reasons match the 2007-2021 record they cite."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sarhad.forecast import ledger as L

ARTICLE = Path("/work/shared/source/article_numbered.txt")


def _paragraphs() -> dict[str, str]:
    if not ARTICLE.exists():
        pytest.skip("the source article is not on this machine")
    out = {}
    for line in ARTICLE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^(P\d\d)\t(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def test_scale_holds_only_words_of_likelihood() -> None:
    assert "not willing" not in L.WORDS
    assert all(0 < p < 1 for p in L.WORDS.values())


def test_a_stance_word_is_refused() -> None:
    q = L.load_questions()[0].record()
    q["stated"] = {"words": "not willing", "probability": 0.2, "ref": "P26"}
    with pytest.raises(ValueError, match="not a word of likelihood"):
        L.Question.model_validate(q)


def test_stated_words_are_the_source_words_in_the_cited_paragraph() -> None:
    paras = _paragraphs()
    stated = [q for q in L.load_questions() if q.stated]
    assert len(stated) >= 4
    for q in stated:
        assert q.stated is not None
        text = paras[q.stated.ref].lower()
        # the word itself, not a longer word containing it ('likely' inside 'unlikely')
        assert re.search(rf"(?<![a-z]){re.escape(q.stated.words)}(?![a-z])", text), q.id
        assert q.stated.ref in {s.ref for s in q.sources}, q.id


def test_conditional_judgments_are_marked_and_asked_conditionally() -> None:
    qs = {q.id: q for q in L.load_questions()}
    # P18's 'most likely' is about who helps revive the talks, so it holds only if they are
    haq = qs["haqqani-mediates-2022"]
    assert haq.stated is not None and haq.stated.given and "talks-revived-2022" in haq.stated.given
    assert haq.text.startswith("If ")
    for q in qs.values():
        if q.stated is not None and q.stated.given:
            assert "Conditional" in q.text, q.id


def test_record_stated_labels_a_conditional_answer(tmp_path: Path) -> None:
    qs = [q for q in L.load_questions() if q.stated and q.stated.given]
    led = L.Ledger(tmp_path / "l.jsonl")
    out = L.record_stated(led, qs)
    assert len(out) == len(qs) and all("given:" in e["by"] for e in out)


def test_no_stated_probability_where_the_source_gives_none() -> None:
    qs = {q.id: q for q in L.load_questions()}
    # 'remain a major challenge' is not a judgment about 2021's death count
    assert qs["ttp-fatalities-not-lower-2022"].stated is None
    # 'may be open to' releasing is not a judgment that a release happens
    assert qs["prisoners-released-2022"].stated is None
    assert qs["pakistan-presses-taliban-2022"].stated is None


def test_threshold_reasons_match_the_record() -> None:
    from sarhad.panels import monthly_series
    from sarhad.store import open_store

    qs = {q.id: q for q in L.load_questions()}
    store = open_store(None, read_only=True)
    fat = monthly_series(store, actor="ttp", start="2007-01", end="2021-12")
    v = np.asarray(fat["value"].to_list())
    years = np.asarray([int(m[:4]) for m in fat["month"].to_list()])
    total = {y: int(v[years == y].sum()) for y in range(2007, 2022)}
    rose = [y for y in range(2008, 2022) if total[y] > 1.5 * total[y - 1]]
    up = qs["ttp-fatalities-up-half-2022"]
    assert up.rule.factor == 1.5 and up.basis
    assert rose == [2008, 2009] and "2008 and 2009" in up.basis
    assert f"{total[2021] / total[2020]:.2f}-fold" in up.basis

    mass = qs["ttp-mass-casualty-month-2022"]
    big = v >= mass.rule.threshold
    years_big = sorted(set(years[big].tolist()))
    assert mass.basis and f"{int(big.sum())} of the {len(v)} months" in mass.basis
    assert f"from {years_big[0]} to {years_big[-1]}" in mass.basis
    assert f"2021 had {int(v[years == 2021].max())}" in mass.basis

    ev = monthly_series(store, measure="events", actor="ttp", start="2007-01", end="2021-12")
    e = np.asarray(ev["value"].to_list())
    peak = qs["ttp-events-peak-month-2022"]
    hit = np.nonzero(e >= peak.rule.threshold)[0]
    assert peak.basis and f"2021 had {int(e[-12:].max())}" in peak.basis
    assert ev["month"][int(hit[-1])] in peak.basis
    assert f"{len(hit)} of the {len(e)} months" in peak.basis
