"""The mechanisms of the source analysis that the event record can test, each an estimate with a
90% interval (``sarhad effects`` and the brief's effects section).

Rows, and the model behind each:

* **Takeover -> TTP level** (P04, P05): NB2 count model of TTP-linked monthly fatalities (and
  events) from ``since`` (default 2018-01) to 2021-12 with a linear trend, one seasonal harmonic,
  a step at the Kabul takeover and an indicator for the cease-fire month; ``exp(step)`` is the
  post-takeover level relative to what the pre-takeover trend and season predict. No AR terms
  here, so the multiplier is a level shift, not a one-month impulse. Profile-likelihood interval.
* **Cease-fire month** (P09, P11): the cease-fire indicator of the same model (one month, so
  the interval is wide; a month with zero events has no lower end).
* **IS-K -> TTP excitation** (P12, P24) and **US strikes -> TTP** (P24): a two-stream
  exponential Hawkes process on day-dated events, background rate free in each calendar year (so
  slow trends are not read as excitation) and split at the takeover when it falls inside the
  window, kernel half-life kept between 0.1 and 30 days. The estimate is ``G[ttp, source]``, the
  expected number of TTP events directly triggered by one source event, with a profile-
  likelihood interval. Unknown times of day are imputed by the seeded jitter of
  :mod:`sarhad.dynamics.events`; the fit is repeated over ``imputations`` jitter draws, the
  estimate is their mean and the interval the envelope of their intervals (so imputation noise
  widens, never narrows, the interval). Coarse-dated events are excluded (counted in the notes)
  unless ``coarse="spread"``.

Monthly regime dates come from the scenario's ``regime-change`` and ``window`` events
(``kb.query.regime_months``, the rule shared by every model) by the half-month rule: a month
is in a regime when the regime covers at least half of its days, using the midpoint of each
fuzzy date. So the takeover (15 Aug 2021) starts in 2021-08 and the cease-fire (early Nov to
early Dec 2021) is 2021-11.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from sarhad.dynamics.count import NegBinCountModel, Regime
from sarhad.dynamics.events import stream_times
from sarhad.dynamics.hawkes import HawkesProcess
from sarhad.errors import SarhadError
from sarhad.kb.query import descendants, regime_dates, regime_months
from sarhad.kb.schema import Scenario
from sarhad.months import first_day, last_day, month_index, month_label, month_of

DATA_END = dt.date(2021, 12, 31)  # no knowledge after this day enters the project
MIN_PRE_MONTHS = 24
MIN_POST_MONTHS = 3
MIN_STREAM_EVENTS = 30
# excitation is read at the scale of hours to weeks: kernel half-lives from 0.1 to 30 days
DECAY_BOUNDS = (math.log(2) / 30.0, math.log(2) / 0.1)

Measure = Literal["fatalities", "events"]


@dataclass
class Effect:
    """One tested mechanism: the claim, the estimate with its interval, and how to read it.
    ``speaks`` is False when the data cannot answer; then ``reason`` says why and the numbers
    are None."""

    key: str
    mechanism: str
    claim: str
    cites: tuple[str, ...]
    estimate: float | None
    lower: float | None
    upper: float | None
    unit: str
    window: str
    method: str
    reading: str
    speaks: bool = True
    reason: str = ""
    #: what the number does not measure, when the claim and the record differ (shown in the brief)
    caveat: str = ""
    level: float = 0.9
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # model diagnostics, for --json

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["cites"] = list(self.cites)
        for k in ("estimate", "lower", "upper"):
            v = d[k]
            d[k] = None if v is None or (isinstance(v, float) and math.isinf(v)) else v
        return d


@dataclass
class EffectsResult:
    effects: list[Effect]
    count_models: dict[str, NegBinCountModel] = field(default_factory=dict)
    series: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict)  # start month, y
    hawkes: dict[str, list[HawkesProcess]] = field(default_factory=dict)
    goodness: dict[str, list[Any]] = field(default_factory=dict)  # time-rescaling results


# ---------------------------------------------------------------------------------------------
# regime dates
# ---------------------------------------------------------------------------------------------


def scenario_regimes(scenario: Scenario) -> list[Regime]:
    """Monthly regimes from the scenario's ``regime-change`` and ``window`` events, by the one
    rule every model uses (:func:`sarhad.kb.query.regime_months`), as known at the data end."""
    return list(regime_months(scenario, known_by=DATA_END))


def parse_regime(text: str) -> Regime:
    """``NAME:YYYY-MM`` (a step) or ``NAME:YYYY-MM:YYYY-MM`` (a window), months to 2021-12."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0]:
        raise SarhadError(f"--regime {text!r}: expected NAME:YYYY-MM or NAME:YYYY-MM:YYYY-MM")
    name, lo = parts[0], parts[1]
    hi = parts[2] if len(parts) == 3 else None
    last = month_index(month_of(DATA_END))
    for m in (lo, hi):
        if m is not None and month_index(m) > last:
            raise SarhadError(f"--regime {text!r}: {m} is after the data end "
                              f"({DATA_END:%Y-%m}); regime dates must be known by then")
    if hi is not None and month_index(hi) < month_index(lo):
        raise SarhadError(f"--regime {text!r}: ends before it starts")
    return (name, lo, hi)


# ---------------------------------------------------------------------------------------------
# count-model effects
# ---------------------------------------------------------------------------------------------

_MEASURE_WORD = {"fatalities": "fatalities", "events": "events"}


def _fmt(x: float, digits: int = 2) -> str:
    if x is None or not math.isfinite(x):
        return "unbounded"
    return f"{x:.{digits}f}"


def level_effects(series: np.ndarray, *, start_month: str, measure: Measure,
                  regimes: Sequence[Regime], alpha: float = 0.1,
                  actor_label: str = "TTP") -> tuple[list[Effect], NegBinCountModel | None]:
    """Regime multipliers from the NB2 level model on one monthly series (see module doc)."""
    y = np.asarray(series, dtype=float)
    n = len(y)
    first = month_index(start_month)
    end_month = month_label(first + n - 1)
    window = f"{start_month} to {end_month}"
    level = 1 - alpha
    word = _MEASURE_WORD[measure]
    effects: list[Effect] = []
    usable = []
    for name, lo, hi in regimes:
        a = month_index(lo) - first
        b = n - 1 if hi is None else month_index(hi) - first
        inside = max(0, min(b, n - 1) - max(a, 0) + 1)
        if hi is None and a < MIN_PRE_MONTHS:
            effects.append(_silent(name, measure, window, f"only {max(a, 0)} months before "
                                   f"{lo} in the window; need {MIN_PRE_MONTHS} to set a "
                                   "pre-regime trend"))
            continue
        if inside == 0:
            continue
        if hi is None and inside < MIN_POST_MONTHS:
            effects.append(_silent(name, measure, window, f"only {inside} month(s) from {lo} "
                                   f"to {end_month}; need {MIN_POST_MONTHS}"))
            continue
        usable.append((name, lo, hi))
    if not usable:
        return effects, None
    try:
        model = NegBinCountModel(trend=True, seasonality=True, harmonics=1, ar_lags=(),
                                 regimes=usable).fit(y, start_month=start_month)
    except SarhadError as err:
        return effects + [_silent(r[0], measure, window, str(err)) for r in usable], None
    for name, lo, hi in usable:
        if name not in model.param_names_:
            continue
        eff = model.effect(name, alpha=alpha, method="profile")
        est, lo_, hi_ = eff["estimate"], eff["lower"], eff["upper"]
        months = (f"from {_month_name(lo)}" if hi is None else
                  f"in {_month_name(lo)}" if hi == lo else
                  f"from {_month_name(lo)} to {_month_name(hi)}")
        others = [r[0] for r in usable if r[0] != name]
        base = ("the level the trend and season before it predict" if hi is None else
                "the level expected for that month from the trend, season and the other "
                "regimes")
        reading = (f"{actor_label}-linked monthly {word} {months} were {_fmt(est)} times "
                   f"{base} ({level:.0%} interval {_fmt(lo_)} to {_fmt(hi_)}).")
        if lo_ <= 1.0 <= hi_:
            reading += " The interval includes 1: the record cannot rule out no change."
        elif lo_ > 1:
            reading += " The record shows a rise."
        else:
            reading += " The record shows a fall."
        if lo_ == 0.0:
            reading += " There is no lower end: no events in the window."
        extra = []
        if hi is not None and month_index(hi) == month_index(lo):
            extra.append("a single month: the interval reflects one observation")
        if others:
            extra.append("modelled alongside " + ", ".join(others))
        extra += model.notes_
        meaning = _CLAIMS.get(name, (f"user regime {name}", f"The regime {name!r} changed the "
                                     f"level of {actor_label} violence.", ()))
        effects.append(Effect(
            key=f"{name}-{measure}", mechanism=f"{meaning[0]} -> {actor_label} {word}",
            claim=meaning[1], cites=meaning[2], estimate=est, lower=lo_, upper=hi_,
            unit=f"multiplier of expected monthly {word}", window=window,
            method=("NB2 regression of monthly counts on trend, season and regime indicators; "
                    "profile-likelihood interval"),
            reading=reading, level=level, notes=extra,
            details={"coef": eff["coef"], "se": eff["se"], "alpha_nb2": model.alpha_,
                     "months": model.nobs_, "terms": list(model.param_names_)}))
    return effects, model


def share_effects(y_actor: np.ndarray, y_all: np.ndarray, *, start_month: str,
                  regimes: Sequence[Regime], alpha: float = 0.1,
                  actor_label: str = "TTP") -> list[Effect]:
    """Did a step regime change the actor's *share* of all deaths? NB2 rate model of the actor's
    monthly deaths with all deaths in the country as exposure (``log mu_t = log all_t + b0 +
    b1 t/12 + g 1[step] + ...``): ``exp(g)`` multiplies the share. Windows are kept in the model
    as covariates but only step regimes get a row."""
    y = np.asarray(y_actor, dtype=float)
    total = np.asarray(y_all, dtype=float)
    first = month_index(start_month)
    n = len(y)
    window = f"{start_month} to {month_label(first + n - 1)}"
    level = 1 - alpha
    steps = [r for r in regimes if r[2] is None]
    if not steps:
        return []
    if np.any(total <= 0):
        zero = month_label(first + int(np.argmax(total <= 0)))
        return [_silent_share(r[0], window, f"no deaths at all in {zero}: the share is undefined")
                for r in steps]
    usable = [r for r in regimes if month_index(r[1]) - first >= MIN_PRE_MONTHS or r[2] is not None]
    usable = [r for r in usable
              if (n - (month_index(r[1]) - first) >= MIN_POST_MONTHS) or r[2] is not None]
    out = []
    try:
        model = NegBinCountModel(trend=True, seasonality=False, ar_lags=(),
                                 regimes=usable).fit(y, start_month=start_month, exposure=total)
    except SarhadError as err:
        return [_silent_share(r[0], window, str(err)) for r in steps]
    for name, lo, _ in steps:
        if name not in model.param_names_:
            out.append(_silent_share(name, window, f"too few months before or after {lo} in the "
                                     "window"))
            continue
        eff = model.effect(name, alpha=alpha, method="profile")
        est, lo_, hi_ = eff["estimate"], eff["lower"], eff["upper"]
        pre = float(y[: month_index(lo) - first].sum() / total[: month_index(lo) - first].sum())
        reading = (f"From {_month_name(lo)} the {actor_label} share of all deaths in the record "
                   f"was {_fmt(est)} times what its earlier trend predicts ({level:.0%} interval "
                   f"{_fmt(lo_)} to {_fmt(hi_)}; {pre:.0%} of deaths before).")
        if lo_ <= 1.0 <= hi_:
            reading += (f" The interval includes 1: the rise after the takeover is not shown to "
                        f"be specific to the {actor_label}.")
        elif lo_ > 1:
            reading += f" The {actor_label} took a larger part of the violence."
        else:
            reading += f" The {actor_label} took a smaller part of the violence."
        meaning = _CLAIMS.get(name, (f"user regime {name}", "", ()))
        out.append(Effect(
            key=f"{name}-share", mechanism=f"{meaning[0]} -> {actor_label} share of deaths",
            claim=(f"It was the {actor_label} in particular, not violence in Pakistan at large, "
                   "that grew stronger after the takeover."),
            cites=("P03", "P05"), estimate=est, lower=lo_, upper=hi_,
            unit=f"multiplier of the {actor_label} share of monthly deaths", window=window,
            method=("NB2 rate model of TTP-linked deaths with all deaths as exposure, trend and "
                    "regime indicators; profile-likelihood interval"),
            reading=reading, level=level, notes=list(model.notes_),
            details={"coef": eff["coef"], "se": eff["se"], "alpha_nb2": model.alpha_,
                     "share_before": pre, "terms": list(model.param_names_)}))
    return out


def _silent_share(name: str, window: str, reason: str) -> Effect:
    meaning = _CLAIMS.get(name, (f"user regime {name}", "", ()))
    return Effect(key=f"{name}-share", mechanism=f"{meaning[0]} -> TTP share of deaths",
                  claim="It was the TTP in particular, not violence in Pakistan at large, that "
                        "grew stronger after the takeover.", cites=("P03", "P05"),
                  estimate=None, lower=None, upper=None, unit="", window=window,
                  method="NB2 rate model", speaks=False, reason=reason,
                  reading=f"The data cannot speak: {reason}.")


_CLAIMS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "kabul-takeover": ("Taliban takeover",
                       "The Taliban's return to power strengthened the TTP and lifted its "
                       "violence in Pakistan.", ("P03", "P04", "P05")),
    "ceasefire-2021": ("Cease-fire month",
                       "The TTP may have used the short cease-fire to regroup; its violence "
                       "should have dropped while the truce held.", ("P09", "P11")),
}


def _month_name(month: str) -> str:
    return f"{first_day(month):%b %Y}"


def _silent(name: str, measure: str, window: str, reason: str) -> Effect:
    meaning = _CLAIMS.get(name, (f"user regime {name}", f"The regime {name!r} changed the "
                                 "level of violence.", ()))
    return Effect(key=f"{name}-{measure}", mechanism=f"{meaning[0]} -> TTP {measure}",
                  claim=meaning[1], cites=meaning[2], estimate=None, lower=None, upper=None,
                  unit="", window=window, method="NB2 count model", speaks=False,
                  reason=reason, reading=f"The data cannot speak: {reason}.")


# ---------------------------------------------------------------------------------------------
# Hawkes effects
# ---------------------------------------------------------------------------------------------


def excitation_effect(table, scenario: Scenario, *, key: str, source: str, target: str,
                      start: dt.date, end: dt.date, mechanism: str, claim: str,
                      cites: tuple[str, ...], source_label: str, target_label: str,
                      seed: int, imputations: int = 3, alpha: float = 0.1,
                      coarse: Literal["exclude", "spread"] = "exclude",
                      breaks_at: Sequence[dt.date] = ()
                      ) -> tuple[Effect, list[HawkesProcess], list[Any]]:
    """``G[target, source]`` of a two-stream Hawkes model over ``[start, end]`` (module doc)."""
    window = f"{start} to {end}"
    level = 1 - alpha
    # source first: an event between the two (a US strike on the TTP) belongs to the source
    streams = {source: descendants(scenario, source), target: descendants(scenario, target)}
    method = (f"two-stream exponential Hawkes process on day-dated events, yearly background; "
              f"profile-likelihood interval, {imputations} jitter imputation(s)")
    seeds = np.random.SeedSequence(seed).spawn(imputations)
    fits, ests, los, his, notes = [], [], [], [], []
    first = None
    for ss in seeds:
        st = stream_times(table, streams, start=start, end=end,
                          rng=np.random.default_rng(ss), coarse=coarse)
        if first is None:
            first = st
            counts = st.counts()
            short = [f"{n} has {c}" for n, c in counts.items() if c < MIN_STREAM_EVENTS]
            if short:
                reason = (f"too few day-dated events in {window} ({'; '.join(short)}; need "
                          f"{MIN_STREAM_EVENTS} per stream)")
                return Effect(key=key, mechanism=mechanism, claim=claim, cites=cites,
                              estimate=None, lower=None, upper=None, unit="", window=window,
                              method=method, reading=f"The data cannot speak: {reason}.",
                              speaks=False, reason=reason, level=level), [], []
        years = [dt.date(y, 1, 1) for y in range(start.year + 1, end.year + 1)]
        cuts = sorted({st.day_of(d) for d in [*years, *breaks_at] if start < d <= end})
        h = HawkesProcess("exp", breaks=cuts, decay_bounds=DECAY_BOUNDS).fit(
            st.times, T=st.T, stream_names=st.names)
        lo, hi = h.profile_excitation_ci(1, 0, alpha=alpha)
        fits.append(h)
        ests.append(float(h.excitation_[1, 0]))
        los.append(lo)
        his.append(hi)
    assert first is not None
    est, lo, hi = float(np.mean(ests)), float(min(los)), float(max(his))
    h0 = fits[0]
    from sarhad.dynamics.goodness import time_rescaling

    ks = time_rescaling(h0, first.times)
    counts = first.counts()
    notes.append("events used: " + ", ".join(f"{n} {c}" for n, c in counts.items()))
    excl = {n: c for n, c in first.excluded.items() if c}
    if excl:
        notes.append("coarse-dated events excluded: "
                     + ", ".join(f"{n} {c}" for n, c in excl.items()))
    spread = {n: c for n, c in first.spread.items() if c}
    if spread:
        notes.append("coarse-dated events spread over their window: "
                     + ", ".join(f"{n} {c}" for n, c in spread.items()))
    if first.shared:
        notes.append(f"{first.shared} event(s) between the two counted as {source_label}")
    notes.append(f"reverse direction ({target_label} -> {source_label}): "
                 f"{np.mean([f.excitation_[0, 1] for f in fits]):.3f}")
    notes.append(f"{target_label} self-excitation "
                 f"{np.mean([f.excitation_[1, 1] for f in fits]):.2f}; half-life of the "
                 f"kernel {np.mean([f.half_lives_[0] for f in fits]):.1f} days")
    notes.append("time-rescaling KS: " + ", ".join(
        f"{r.stream} D={r.ks:.3f} p={r.p_value:.3f}" for r in ks))
    misfit = [r.stream for r in ks if r.p_value < 0.01]
    if misfit:
        notes.append("the model misfits " + ", ".join(misfit) + " (KS p < 0.01): read the "
                     "estimate as indicative")
    for f in fits[:1]:
        notes.extend(f.notes_)
    brs = [f.branching_ratio_ for f in fits]
    br_ci = h0.branching_ratio_ci(alpha)
    notes.append(f"branching ratio {np.mean(brs):.2f} (first imputation {level:.0%} interval "
                 f"{br_ci[0]:.2f} to {br_ci[1]:.2f})")
    details = {
        "events": counts, "excluded_coarse": first.excluded, "spread_coarse": first.spread,
        "shared_events": first.shared, "imputations": [
            {"estimate": e_, "lower": lo_, "upper": None if math.isinf(hi_) else hi_}
            for e_, lo_, hi_ in zip(ests, los, his, strict=True)],
        "reverse_excitation": float(np.mean([f.excitation_[0, 1] for f in fits])),
        "self_excitation": float(np.mean([f.excitation_[1, 1] for f in fits])),
        "half_life_days": float(np.mean([f.half_lives_[0] for f in fits])),
        "branching_ratio": float(np.mean(brs)),
        "branching_ratio_interval_first_imputation": [float(br_ci[0]), float(br_ci[1])],
        "time_rescaling": [r.as_dict() for r in ks],
    }
    reading = (f"Each {source_label} event was followed by {est:.2f} more {target_label} "
               f"events than {target_label}'s own background and self-excitation explain "
               f"({level:.0%} interval {_fmt(lo)} to {_fmt(hi)}).")
    if lo <= 0.0 + 1e-9:
        reading += (f" No excitation is detectable; at most {_fmt(hi)} {target_label} events per "
                    f"{source_label} event. A linear Hawkes model cannot show suppression.")
    else:
        reading += f" {source_label} violence was followed by more {target_label} violence."
    return Effect(key=key, mechanism=mechanism, claim=claim, cites=cites, estimate=est,
                  lower=lo, upper=hi, unit=f"{target_label} events triggered per "
                  f"{source_label} event", window=window, method=method, reading=reading,
                  level=level, notes=notes, details=details), fits, ks


# ---------------------------------------------------------------------------------------------
# all mechanisms
# ---------------------------------------------------------------------------------------------


def mechanism_effects(store, scenario: Scenario, *, seed: int = 20211231, alpha: float = 0.1,
                      since: str = "2018-01", end: str = "2021-12",
                      measures: Sequence[Measure] = ("fatalities", "events"),
                      extra_regimes: Sequence[Regime] = (), imputations: int = 3,
                      coarse: Literal["exclude", "spread"] = "exclude",
                      hawkes: bool = True, province: str | None = None) -> EffectsResult:
    """Every mechanism row (module doc). ``store`` is a :func:`sarhad.store.open_store` store.
    ``province`` restricts the count-model rows (level and share) to events located there; the
    Hawkes rows always use the whole country."""
    from sarhad.panels import event_table, monthly_series

    if not 0 < alpha < 1:
        raise SarhadError(f"alpha must be in (0, 1), got {alpha}")
    if imputations < 1:
        raise SarhadError("imputations must be at least 1")
    end_i = month_index(end)
    if end_i > month_index(month_of(DATA_END)):
        raise SarhadError(f"--end {end} is after the data end ({DATA_END:%Y-%m})")
    if month_index(since) >= end_i:
        raise SarhadError(f"--since {since} must be before --end {end}")
    regimes = scenario_regimes(scenario) + list(extra_regimes)
    names = [r[0] for r in regimes]
    if len(set(names)) != len(names):
        raise SarhadError(f"regime names must be unique, got {names}")
    if province is not None:
        known = sorted(p for p in event_table(store, scenario=scenario)["province"].unique()
                       .to_list() if p)
        from sarhad.ingest.places import normalise_province

        name, _ = normalise_province(province)
        if name not in known:
            raise SarhadError(f"--province {province!r}: no events located there; provinces in "
                              f"the record: {', '.join(known)}")
    result = EffectsResult(effects=[])
    for measure in measures:
        y = monthly_series(store, measure=measure, actor="ttp", start=since, end=end,
                           scenario=scenario, province=province)["value"].to_numpy()
        effs, model = level_effects(y, start_month=since, measure=measure, regimes=regimes,
                                    alpha=alpha)
        if province is not None:
            for e in effs:
                e.window += f", {province} only"
        result.effects.extend(effs)
        result.series[measure] = (since, y)
        if model is not None:
            result.count_models[measure] = model
        if measure == "fatalities":
            total = monthly_series(store, measure=measure, start=since, end=end,
                                   scenario=scenario, province=province)["value"].to_numpy()
            shares = share_effects(y, total, start_month=since, regimes=regimes, alpha=alpha)
            if province is not None:
                for e in shares:
                    e.window += f", {province} only"
            result.effects.extend(shares)
    if not hawkes:
        return result
    takeover = [e.start.earliest for e in regime_dates(scenario)
                if e.kind == "regime-change" and e.start.earliest]
    end_day = min(DATA_END, last_day(end))
    table = event_table(store, start="2008-01", end=end, scenario=scenario)
    specs: list[dict[str, Any]] = [
        dict(key="isk-excites-ttp", source="is-k", target="ttp",
             start=dt.date(2015, 1, 1), end=end_day,
             mechanism="IS-K violence -> TTP violence (outbidding)",
             claim=("Competition with IS-K, a rival that outbids others with violence, pushes "
                    "the TTP toward more violence."),
             cites=("P12", "P24"), source_label="IS-K", target_label="TTP"),
        dict(key="us-strikes-ttp", source="united-states", target="ttp",
             start=dt.date(2008, 1, 1), end=min(end_day, dt.date(2017, 12, 31)),
             mechanism="US strikes in Pakistan -> later TTP violence",
             claim="US drone strikes (2008-2017) thinned the TTP's leadership.",
             cites=("P24",), source_label="US", target_label="TTP"),
    ]
    for spec in specs:
        if spec["end"] <= spec["start"]:
            continue
        eff, fits, ks = excitation_effect(table, scenario, seed=seed, imputations=imputations,
                                      alpha=alpha, coarse=coarse, breaks_at=takeover,
                                      **spec)
        if spec["key"] == "us-strikes-ttp":
            eff.caveat = ("The event record counts strikes and attacks, not leaders killed: "
                          "this row tests whether strikes were followed by TTP violence, not "
                          "whether they thinned the leadership, which the record cannot show.")
            eff.notes.append(eff.caveat)
        result.effects.append(eff)
        result.hawkes[spec["key"]] = fits
        result.goodness[spec["key"]] = ks
    return result


def counterfactual_rows(model: NegBinCountModel, start_month: str, y: np.ndarray,
                        regime: str) -> list[dict[str, Any]]:
    """Observed, fitted, and fitted-without-``regime`` monthly means, for the effects plot."""
    X = model._X
    j = model.param_names_.index(regime)
    no = X.copy()
    no[:, j] = 0.0
    fitted = np.exp(X @ model.params_)
    cf = np.exp(no @ model.params_)
    first = month_index(start_month)
    rows = []
    for i in range(len(y)):
        m = month_label(first + i)
        rows.append({"month": m, "series": "observed", "value": float(y[i])})
        rows.append({"month": m, "series": "model", "value": float(fitted[i])})
        rows.append({"month": m, "series": f"model without {regime}", "value": float(cf[i])})
    return rows


def level_chart(result: EffectsResult, measure: Measure = "fatalities",
                regime: str = "kabul-takeover"):
    """Altair chart: observed monthly counts, the fitted model, and the model with ``regime``
    switched off (the pre-regime trend carried forward). None if that model was not fitted."""
    import altair as alt

    from sarhad.report import plots

    model = result.count_models.get(measure)
    if model is None or regime not in model.param_names_:
        return None
    start, y = result.series[measure]
    rows = counterfactual_rows(model, start, y, regime)
    names = ["observed", "model", f"model without {regime}"]
    label = _CLAIMS.get(regime, (regime,))[0]
    shown = {"observed": "observed", "model": "fitted model",
             f"model without {regime}": f"model without the {label}"}
    rows = [{**r, "series": shown[r["series"]]} for r in rows]
    names = [shown[n] for n in names]
    return alt.Chart(plots.data(rows)).mark_line().encode(
        # UTC: the months are calendar months, not instants in the renderer's time zone
        x=alt.X("utcyearmonth(month):T", title=None, scale=alt.Scale(type="utc"),
                axis=alt.Axis(format="%b %Y", formatType="utc")),
        y=alt.Y("value:Q", title=f"TTP-linked {measure} per month"),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=names, range=["#9a9a9a", plots.PALETTE[0],
                                                             plots.PALETTE[1]])),
        strokeDash=alt.StrokeDash("series:N", legend=None,
                                  scale=alt.Scale(domain=names, range=[[1, 0], [1, 0], [6, 4]])),
    ).properties(width=560, height=220,
                 title=f"TTP-linked {measure} per month: observed, fitted, and without the "
                       f"{label}")
