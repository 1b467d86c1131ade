"""The question ledger: forecasting questions written down in advance, answered with
probabilities, resolved when data arrive, and scored — an append-only record that cannot be
edited without it showing.

**Questions** are YAML records (see ``docs/forecasting.md``)::

    questions:
      - id: ttp-fatalities-up-2022
        text: TTP-linked fatalities in Pakistan in 2022 exceed those of 2021.
        quantity: {target: fatalities, country: PAK, actor: ttp, start: 2022-01, end: 2022-12}
        rule: {aggregate: sum, op: ">", factor: 1.0, reference: {start: 2021-01, end: 2021-12}}
        close: 2023-06-30
        sources: [{ref: P18, note: the source expects TTP violence to stay a major problem}]
        basis: 2021's total is the bar (no stated probability: the source names no level)

``stated: {words, probability, ref[, given]}`` is recorded only when the question is the source's
own proposition and ``words`` are its own likelihood words (``given``: the condition, if the
source states the judgment under one).

A data rule compares an aggregate of the monthly series over the window (``sum``, ``mean``,
``max``, ``min``; ``any-month`` means ``max``) with a threshold or with ``factor`` times the same
aggregate over a reference window. ``rule: {aggregate: human}`` needs a recorded human
resolution (``sarhad resolve --set ID yes|no --source TEXT``). ``stated`` is the source's own
probability, read from its wording on a fixed scale (:data:`WORDS`), so the source's judgments
are scored like any forecaster's.

**Answers and resolutions** are lines of a JSON-lines file. Each line carries the SHA-256 of the
question record it refers to, and the hash of the previous line: rewriting any line breaks the
chain, and every read checks it. Model probabilities from ``D`` draws are
:math:`(k + 1/2)/(D + 1)` for ``k`` draws satisfying the rule, which keeps them off 0 and 1 so
the log score stays finite.

**Scores**: Brier :math:`(p - o)^2` and log score :math:`-\\log(p\\,o + (1-p)(1-o))`, both
lower-is-better.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sarhad.errors import Problem, SarhadError, ValidationFailed
from sarhad.months import month_index, month_range

#: Words of estimative probability (after Kent 1964, "Words of Estimative Probability",
#: *Studies in Intelligence* 8(4)); the value used for the source's wording. Only words of
#: likelihood: a word describing a present stance ("not willing") is not a probability.
WORDS: dict[str, float] = {
    "will": 0.9, "almost certainly": 0.93, "most likely": 0.8, "likely": 0.7, "probably": 0.7,
    "may": 0.5, "could": 0.4, "might": 0.4, "unlikely": 0.25, "almost certainly not": 0.07,
}

Aggregate = Literal["sum", "mean", "max", "min", "any-month", "human"]
Op = Literal[">", ">=", "<", "<="]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(_Model):
    start: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    end: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")

    @model_validator(mode="after")
    def _order(self) -> Window:
        if self.end < self.start:
            raise ValueError(f"window ends ({self.end}) before it starts ({self.start})")
        return self

    def months(self) -> list[str]:
        return month_range(self.start, self.end)


class Quantity(Window):
    target: Literal["fatalities", "events"] = "fatalities"
    country: str = "PAK"
    actor: str | None = None
    province: str | None = None


class Rule(_Model):
    aggregate: Aggregate
    op: Op | None = None
    threshold: float | None = None
    factor: float | None = None
    reference: Window | None = None

    @model_validator(mode="after")
    def _complete(self) -> Rule:
        if self.aggregate == "human":
            if any(v is not None for v in (self.op, self.threshold, self.factor,
                                           self.reference)):
                raise ValueError("a human rule takes no op, threshold, factor or reference")
            return self
        if self.op is None:
            raise ValueError("a data rule needs op: one of >, >=, <, <=")
        if (self.threshold is None) == (self.factor is None):
            raise ValueError("a data rule needs either threshold, or factor with reference")
        if (self.factor is None) != (self.reference is None):
            raise ValueError("factor and reference go together")
        return self

    def describe(self) -> str:
        if self.aggregate == "human":
            return "resolved by a recorded human judgment"
        agg = "max" if self.aggregate == "any-month" else self.aggregate
        rhs = (f"{self.threshold:g}" if self.threshold is not None else
               f"{self.factor:g} × {agg} over {self.reference.start}..{self.reference.end}")  # type: ignore[union-attr]
        what = "any month" if self.aggregate == "any-month" else agg
        return f"{what} {self.op} {rhs}"


class Stated(_Model):
    """The source's own likelihood for the question's proposition. ``given`` names the
    condition when the source states the judgment under one (e.g. "if talks are revived"):
    such a question is asked under that condition and scored only if it holds."""
    words: str
    probability: float = Field(ge=0.0, le=1.0)
    ref: str
    given: str | None = None


class SourceNote(_Model):
    ref: str = Field(min_length=1)
    note: str = Field(min_length=1)


class Question(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    text: str = Field(min_length=1)
    quantity: Quantity | None = None
    rule: Rule
    close: dt.date
    sources: list[SourceNote] = Field(min_length=1)
    stated: Stated | None = None
    #: why the threshold or factor is what it is (e.g. from the 2007-2021 record)
    basis: str | None = None

    @model_validator(mode="after")
    def _needs_quantity(self) -> Question:
        if self.rule.aggregate != "human" and self.quantity is None:
            raise ValueError("a data rule needs a quantity (target, country, actor, window)")
        if self.stated is not None and self.stated.words not in WORDS:
            raise ValueError(f"stated.words {self.stated.words!r} is not a word of likelihood "
                             f"on the fixed scale ({', '.join(WORDS)})")
        if self.stated is not None and \
                abs(WORDS[self.stated.words] - self.stated.probability) > 1e-9:
            raise ValueError(f"stated.probability for {self.stated.words!r} must be "
                             f"{WORDS[self.stated.words]} (the fixed scale)")
        return self

    @property
    def data_rule(self) -> bool:
        return self.rule.aggregate != "human"

    def record(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def hash(self) -> str:
        """SHA-256 of the canonical JSON of the record (sorted keys, no spaces)."""
        return hashlib.sha256(_canonical(self.record()).encode()).hexdigest()

    def needed_months(self) -> list[str]:
        assert self.quantity is not None
        months = set(self.quantity.months())
        if self.rule.reference is not None:
            months |= set(self.rule.reference.months())
        return sorted(months)


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# ---------------------------------------------------------------- reading questions --------------

def bundled_questions_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("sarhad.ledger").joinpath("source-2022.yaml")))


def load_questions(path: Path | None = None) -> list[Question]:
    """Questions from a YAML file (default: the bundled source judgments for 2022); every
    problem reported at once with its line."""
    from sarhad.kb.yamlio import YamlRefused, load_yaml_file

    path = Path(path) if path is not None else bundled_questions_path()
    if not path.exists():
        raise SarhadError(f"{path}: no such file")
    try:
        data, lines = load_yaml_file(path)
    except YamlRefused as err:
        raise ValidationFailed([err.problem]) from None
    items = data.get("questions") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValidationFailed([Problem(str(path), 1, "questions",
                                        "expected a list of questions (or a 'questions:' key)")])
    key = ("questions",) if isinstance(data, dict) else ()
    out, problems, seen = [], [], set()
    for i, item in enumerate(items):
        line = lines.get((*key, i))
        try:
            q = Question.model_validate(item)
        except ValidationError as err:
            for e in err.errors():
                loc = ".".join(str(x) for x in e["loc"])
                where = lines.get((*key, i, *e["loc"]), line)
                problems.append(Problem(str(path), where, loc or "question",
                                        e["msg"].removeprefix("Value error, ")))
            continue
        if q.id in seen:
            problems.append(Problem(str(path), line, "id", f"duplicate question id {q.id!r}"))
        seen.add(q.id)
        out.append(q)
    if problems:
        raise ValidationFailed(problems)
    return out


# ---------------------------------------------------------------- rules --------------------------

_OPS = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}


def _aggregate(values: np.ndarray, how: str) -> np.ndarray:
    """``values`` (draws, months) -> (draws,)"""
    if how == "sum":
        return values.sum(axis=1)
    if how == "mean":
        return values.mean(axis=1)
    if how in ("max", "any-month"):
        return values.max(axis=1)
    if how == "min":
        return values.min(axis=1)
    raise ValueError(how)


def evaluate_rule(rule: Rule, quantity: Window, paths: np.ndarray,
                  months: Sequence[str]) -> np.ndarray:
    """For each row of ``paths`` (draws, len(months)), whether the rule holds. ``months`` must
    include the window and the reference window."""
    col = {m: i for i, m in enumerate(months)}
    try:
        win = [col[m] for m in quantity.months()]
        lhs = _aggregate(paths[:, win], rule.aggregate)
        if rule.threshold is not None:
            rhs = np.full(len(lhs), rule.threshold)
        else:
            assert rule.reference is not None and rule.factor is not None
            ref = [col[m] for m in rule.reference.months()]
            rhs = rule.factor * _aggregate(paths[:, ref], rule.aggregate)
    except KeyError as err:
        raise SarhadError(f"month {err.args[0]} is not covered by the data or the forecast") \
            from None
    return _OPS[rule.op](lhs, rhs)  # type: ignore[index]


def draws_probability(hits: np.ndarray) -> float:
    """:math:`(k + 1/2)/(D + 1)`: the share of draws, kept off 0 and 1."""
    return (float(np.sum(hits)) + 0.5) / (len(hits) + 1.0)


def brier(p: float, outcome: bool) -> float:
    return (p - float(outcome)) ** 2


def log_score(p: float, outcome: bool) -> float:
    q = p if outcome else 1.0 - p
    return float(-np.log(max(q, 1e-12)))


# ---------------------------------------------------------------- the ledger file ----------------

def default_ledger_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("sarhad")) / "ledger.jsonl"


class Ledger:
    """An append-only, hash-chained JSON-lines file of answers and resolutions."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else default_ledger_path()

    # -- reading ------------------------------------------------------------------------------
    def entries(self) -> list[dict[str, Any]]:
        """Every entry, after checking the chain: a changed, removed or reordered line is an
        error naming the line."""
        if not self.path.exists():
            return []
        out: list[dict[str, Any]] = []
        prev = ""
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as err:
            raise SarhadError(f"{self.path}: cannot read the ledger ({err.strerror})") from None
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                raise SarhadError(f"{self.path}:{n}: not a ledger entry (invalid JSON); the "
                                  "ledger has been damaged") from None
            body = {k: v for k, v in entry.items() if k != "hash"}
            if entry.get("prev") != prev or \
                    hashlib.sha256(_canonical(body).encode()).hexdigest() != entry.get("hash"):
                raise SarhadError(f"{self.path}:{n}: hash chain broken: the ledger was edited "
                                  "after it was written; entries can only be appended")
            prev = entry["hash"]
            out.append(entry)
        return out

    # -- writing ------------------------------------------------------------------------------
    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Append one entry, chained to the last. An exclusive lock on the file is held from
        reading the chain to writing the line, so two processes appending at once cannot
        both chain to the same predecessor; the line is written whole and fsynced."""
        import fcntl

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
                try:
                    entries = self.entries()
                    body = {**entry, "seq": len(entries) + 1,
                            "prev": entries[-1]["hash"] if entries else ""}
                    full = {**body,
                            "hash": hashlib.sha256(_canonical(body).encode()).hexdigest()}
                    fh.write(_canonical(full) + "\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        except OSError as err:
            raise SarhadError(f"{self.path}: cannot write the ledger ({err.strerror})") from None
        return full

    # -- views --------------------------------------------------------------------------------
    def questions(self) -> dict[str, Question]:
        """The latest version of each question id found in the ledger's entries."""
        out: dict[str, Question] = {}
        for e in self.entries():
            if "question" in e:
                out[e["question_id"]] = Question.model_validate(e["question"])
        return out

    def resolutions(self) -> dict[str, dict[str, Any]]:
        """The first resolution of each question hash (later ones cannot overwrite it)."""
        out: dict[str, dict[str, Any]] = {}
        for e in self.entries():
            if e["kind"] == "resolution" and e["question_hash"] not in out:
                out[e["question_hash"]] = e
        return out


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def record_stated(ledger: Ledger, questions: Sequence[Question]) -> list[dict[str, Any]]:
    """Store the source's stated probability once per question version."""
    have = {(e["question_hash"], e["by"]) for e in ledger.entries() if e["kind"] == "answer"}
    out = []
    for q in questions:
        if q.stated is None:
            continue
        by = f"source {q.stated.ref} ('{q.stated.words}'" + \
            (f", given: {q.stated.given})" if q.stated.given else ")")
        if (q.hash(), by) in have:
            continue
        out.append(ledger.append({
            "kind": "answer", "question_id": q.id, "question_hash": q.hash(),
            "question": q.record(), "probability": q.stated.probability, "by": by,
            "model_version": "words of estimative probability (Kent 1964)",
            "data_latest": None, "made_at": _now()}))
    return out


def _spec_of(q: Question) -> Any:
    from sarhad.forecast.api import SeriesSpec

    qt = q.quantity
    assert qt is not None
    return SeriesSpec(target=qt.target, country=qt.country, actor=qt.actor, province=qt.province)


def answer_with_forecast(ledger: Ledger, question: Question, *, db: Path | None = None,
                         scenario: Any = None, draws: int = 1000, seed: int = 0,
                         forecaster: Any = None, horizon: int | None = None,
                         cache: dict[Any, Any] | None = None) -> dict[str, Any]:
    """Answer a data question from forecast draws and append the answer.

    The forecast starts at the last complete month of the data and reaches the end of the
    window (or ``horizon`` months, if longer). ``cache`` (a dict) lets questions on the same
    series share one forecast; a path's months before the origin come from the data.
    """
    from sarhad.forecast.api import MODEL_VERSION, load_series, make_forecast

    if not question.data_rule:
        raise SarhadError(f"{question.id}: a human-resolved question has no model answer")
    qt = question.quantity
    assert qt is not None
    spec = _spec_of(question)
    series = load_series(spec, db=db, scenario=scenario)
    origin = series.end_month
    needed = question.needed_months()
    if needed[-1] <= origin:
        raise SarhadError(f"{question.id}: the data already cover the window (to {origin}); "
                          "use 'sarhad resolve'")
    need_h = month_index(needed[-1]) - month_index(origin)
    if need_h > 48:
        raise SarhadError(f"{question.id}: the window ends {need_h} months after the data "
                          f"({origin}); forecasts reach 48 months")
    if needed[0] < series.start_month:
        raise SarhadError(f"{question.id}: the reference window starts before the data "
                          f"({series.start_month})")
    key = (spec, origin, draws, seed)
    fc = cache.get(key) if cache is not None else None
    if fc is None or fc.draws.shape[1] < need_h:
        fc = make_forecast(spec, origin=origin, horizon=max(need_h, horizon or 0), draws=draws,
                           seed=seed, db=db, scenario=scenario, forecaster=forecaster)
        if cache is not None:
            cache[key] = fc
    fc_months = fc.months[:need_h]
    # months of the window or reference already observed come from the data, the rest from
    # each draw's path, so a rule over a window straddling the origin uses both
    first = needed[0]
    if first <= origin:
        observed = series.y[month_index(first) - month_index(series.start_month):]
        obs_months = month_range(first, origin)
    else:
        observed, obs_months = series.y[:0], []
    months = obs_months + fc_months
    paths = np.concatenate([np.broadcast_to(observed, (draws, len(observed))),
                            fc.draws[:, :need_h]], axis=1)
    p = draws_probability(evaluate_rule(question.rule, qt, paths, months))
    return ledger.append({
        "kind": "answer", "question_id": question.id, "question_hash": question.hash(),
        "question": question.record(), "probability": p, "by": f"sarhad {fc.model}",
        "model_version": MODEL_VERSION, "origin": origin,
        "data_latest": str(series.data_latest), "draws": draws, "seed": seed,
        "made_at": _now()})


def ask_questions(ledger: Ledger, questions: Sequence[Question], *, db: Path | None = None,
                  scenario: Any = None, draws: int = 1000, seed: int = 0
                  ) -> list[dict[str, Any]]:
    """Store the source's stated probabilities (once per question version) and a model answer
    for every data question, one forecast per series reaching the furthest window."""
    from sarhad.forecast.api import load_series

    entries = record_stated(ledger, questions)
    origin: dict[Any, int] = {}
    reach: dict[Any, int] = {}
    for q in questions:
        if q.data_rule:
            spec = _spec_of(q)
            if spec not in origin:
                end = load_series(spec, db=db, scenario=scenario).end_month
                origin[spec] = month_index(end)
            h = month_index(q.needed_months()[-1]) - origin[spec]
            reach[spec] = max(reach.get(spec, 0), h)
    cache: dict[Any, Any] = {}
    for q in questions:
        if q.data_rule:
            entries.append(answer_with_forecast(
                ledger, q, db=db, scenario=scenario, draws=draws, seed=seed, cache=cache,
                horizon=min(48, reach[_spec_of(q)])))
    return entries


def resolve_from_data(ledger: Ledger, *, db: Path | None = None,
                      scenario: Any = None) -> list[dict[str, Any]]:
    """Resolve every answered data question whose window (and reference) the data now cover,
    once per question version."""
    from sarhad.forecast.api import SeriesSpec, load_series

    done = ledger.resolutions()
    out = []
    for q in ledger.questions().values():
        if not q.data_rule or q.hash() in done:
            continue
        qt = q.quantity
        assert qt is not None
        spec = SeriesSpec(target=qt.target, country=qt.country, actor=qt.actor,
                          province=qt.province)
        series = load_series(spec, db=db, scenario=scenario)
        needed = q.needed_months()
        if needed[-1] > series.end_month or needed[0] < series.start_month:
            continue
        months = month_range(series.start_month, series.end_month)
        hit = evaluate_rule(q.rule, qt, series.y[None, :], months)[0]
        out.append(ledger.append({
            "kind": "resolution", "question_id": q.id, "question_hash": q.hash(),
            "outcome": bool(hit), "method": "data", "source": "event store",
            "data_latest": str(series.data_latest), "made_at": _now()}))
    return out


def resolve_by_hand(ledger: Ledger, question_id: str, outcome: bool, source: str,
                    questions: Sequence[Question] = ()) -> dict[str, Any]:
    """Record a human resolution of a ``human`` question, with the evidence it rests on."""
    known = {**{q.id: q for q in questions}, **ledger.questions()}
    if question_id not in known:
        raise SarhadError(f"--set: no question {question_id!r} in the ledger (ask it first)")
    q = known[question_id]
    if q.data_rule:
        raise SarhadError(f"--set: {question_id} is resolved from data, not by hand")
    if not source.strip():
        raise SarhadError("--source: say what the resolution rests on (a report, a date)")
    if q.hash() in ledger.resolutions():
        raise SarhadError(f"--set: {question_id} is already resolved; the ledger cannot be "
                          "edited")
    return ledger.append({
        "kind": "resolution", "question_id": q.id, "question_hash": q.hash(),
        "question": q.record(), "outcome": outcome, "method": "human",
        "source": source.strip(), "data_latest": None, "made_at": _now()})


def record(ledger: Ledger) -> dict[str, Any]:
    """The running record: every answer with its resolution and scores, and per forecaster
    (``by``) the mean Brier and log scores over resolved answers."""
    res = ledger.resolutions()
    rows = []
    for e in ledger.entries():
        if e["kind"] != "answer":
            continue
        r = res.get(e["question_hash"])
        row = {"question_id": e["question_id"], "by": e["by"], "probability": e["probability"],
               "made_at": e["made_at"], "data_latest": e.get("data_latest"),
               "outcome": None if r is None else r["outcome"], "brier": None, "log": None}
        if r is not None:
            row["brier"] = brier(e["probability"], r["outcome"])
            row["log"] = log_score(e["probability"], r["outcome"])
        rows.append(row)
    by: dict[str, dict[str, Any]] = {}
    for row in rows:
        s = by.setdefault(row["by"], {"by": row["by"], "answers": 0, "resolved": 0,
                                      "brier": 0.0, "log": 0.0})
        s["answers"] += 1
        if row["outcome"] is not None:
            s["resolved"] += 1
            s["brier"] += row["brier"]
            s["log"] += row["log"]
    summary = []
    for s in by.values():
        n = s["resolved"]
        summary.append({**s, "brier": s["brier"] / n if n else None,
                        "log": s["log"] / n if n else None})
    return {"answers": rows, "by_forecaster": summary}
