"""The forecasting API the CLI, the brief and scripts call: which series, which forecaster,
forecast from an origin, backtest, plots.

The series is DESIGN.md §4's: monthly fatalities (sum of UCDP ``best``) or events located in a
country, optionally restricted to an actor and its factions or to a province, from
:func:`sarhad.panels.monthly_series`. A forecast from origin ``O`` reads the store only up to the
end of ``O`` (``monthly_series(..., end=O)``), so data added after ``O`` cannot change it.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from sarhad.errors import SarhadError
from sarhad.forecast.backtest import BacktestResult, Plan, run_backtest
from sarhad.forecast.base import Forecaster
from sarhad.forecast.baselines import default_baselines
from sarhad.forecast.ensemble import StackingEnsemble
from sarhad.forecast.models import CountModel, RegimeShift, scenario_regimes
from sarhad.months import add_months, first_day, last_day, month_index, month_of, month_range

Target = Literal["fatalities", "events"]
def _model_version() -> str:
    from sarhad import __version__

    return f"sarhad {__version__} (forecast models 2)"


#: Recorded with every ledger answer: the package version and the revision of the forecast
#: models (bumped whenever a default forecaster or its settings change).
MODEL_VERSION = _model_version()
MIN_DRAWS = 1000
MAX_HORIZON = 48
#: upper bound on draws x months in one forecast: 5 million int64 values is 40 MB, far more
#: than stable quantiles need, and keeps a mistyped --draws from exhausting memory
MAX_DRAW_MONTHS = 5_000_000
#: the formats :func:`sarhad.report.plots.save` writes
PLOT_SUFFIXES = (".png", ".svg", ".html", ".htm")


@dataclass(frozen=True)
class SeriesSpec:
    """Which monthly series: target, country (ISO3), optional actor id and province."""

    target: Target = "fatalities"
    country: str = "PAK"
    actor: str | None = None
    province: str | None = None

    def label(self) -> str:
        parts = [f"{self.target} in {self.country}"]
        if self.actor:
            parts.append(f"actor {self.actor} and its factions")
        if self.province:
            parts.append(f"province {self.province}")
        return ", ".join(parts)

    def title(self) -> str:
        """A chart title a newcomer can read: 'Deaths per month involving TTP or its factions
        (PAK)'."""
        what = "Deaths" if self.target == "fatalities" else "Events"
        who = ""
        if self.actor:
            name = self.actor.upper() if len(self.actor) <= 4 else self.actor
            who = f" involving {name} or its factions"
        where = f"{self.province}, {self.country}" if self.province else self.country
        return f"{what} per month{who} ({where})"

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "country": self.country, "actor": self.actor,
                "province": self.province}


@dataclass
class Series:
    spec: SeriesSpec
    y: np.ndarray
    start_month: str
    data_latest: dt.date | None

    @property
    def end_month(self) -> str:
        return add_months(self.start_month, len(self.y) - 1)


def check_spec(spec: SeriesSpec, scenario: Any = None) -> None:
    if spec.target not in ("fatalities", "events"):
        raise SarhadError(f"--target: expected fatalities or events, got {spec.target!r}")
    if spec.actor is not None and scenario is not None:
        ids = {a.id for a in scenario.actors}
        if spec.actor not in ids:
            raise SarhadError(f"--actor: unknown actor {spec.actor!r}; see 'sarhad actors' for "
                              "the ids")


def last_complete_month(day: dt.date) -> str:
    """The month of ``day`` if ``day`` is that month's last day, else the month before: a store
    whose latest event is mid-month has not seen the whole month."""
    month = month_of(day)
    return month if day == last_day(month) else add_months(month, -1)


def load_series(spec: SeriesSpec, *, db: Path | None = None, end: str | None = None,
                scenario: Any = None) -> Series:
    """The monthly series from the event store, up to ``end`` (a month; default: the last
    complete month of the data)."""
    from sarhad.panels import monthly_series
    from sarhad.store import open_store

    check_spec(spec, scenario)
    store = open_store(db, read_only=db is not None)
    try:
        latest = store.latest_date()
        if latest is None:
            raise SarhadError(f"{store.label}: the event store holds no events")
        if end is None:
            end = last_complete_month(latest)
        month_index(end)
        frame = monthly_series(store, measure=spec.target, country=spec.country,
                               actor=spec.actor, province=spec.province, end=end,
                               scenario=scenario)
    finally:
        store.close()
    if frame.height == 0:
        raise SarhadError(f"no data for {spec.label()} up to {end}")
    y = frame["value"].to_numpy().astype(np.int64)
    return Series(spec, y, str(frame["month"][0]), latest)


# ---------------------------------------------------------------- forecasters --------------------

def count_components(scenario: Any = None) -> list[Forecaster]:
    """The count-model forecasters the ensemble stacks (chosen by backtest, docs/forecasting.md):
    NB2 count autoregressions with trend fitted on the last 4, 5 and 10 years, and one without
    trend, each with level shifts inside the forecast window (:class:`RegimeShift`, one shift
    per year on average, log-size sd 0.5). ``scenario`` adds its regime dates as indicators."""
    regimes = scenario_regimes(scenario) if scenario is not None else []
    out: list[Forecaster] = []
    for w, trend in ((48, True), (60, True), (120, True), (60, False)):
        base = CountModel(name=f"nb-w{w}{'' if trend else '-flat'}", window=w, trend=trend,
                          regimes=regimes)
        out.append(RegimeShift(base, hazard=1 / 12, sigma=0.5, name=f"{base.name}+shift"))
    return out


#: The default forecaster, chosen by the rolling backtests of 2012-2020 origins on the national
#: and the TTP series (docs/forecasting.md): the lowest mean CRPS at horizons 1-12 on both.
DEFAULT_MODEL = "nb-w48+shift"


def ensemble_forecaster(scenario: Any = None, *, seed: int = 0) -> StackingEnsemble:
    """The CRPS-stacked ensemble of :func:`count_components` and the two distributional
    baselines (bootstrap of 12 months, NB of 36 months)."""
    base = [b for b in default_baselines() if b.name in ("bootstrap12", "negbin36")]
    return StackingEnsemble([*count_components(scenario), *base], lookback=60,
                            weight_draws=300, seed=seed)


def hawkes_forecaster(spec: SeriesSpec, *, db: Path | None = None, end: str | None = None,
                      scenario: Any = None, seed: int = 0) -> Forecaster:
    """The Hawkes forecaster of :mod:`sarhad.forecast.models` on the events of ``spec``'s
    series up to ``end`` (a month; default all)."""
    from sarhad.forecast.models import HawkesForecaster
    from sarhad.panels import event_table
    from sarhad.store import open_store

    store = open_store(db, read_only=db is not None)
    try:
        ev = event_table(store, country=spec.country, actor=spec.actor,
                         province=spec.province, end=end, scenario=scenario)
    finally:
        store.close()
    return HawkesForecaster(ev["date_start"].to_numpy(), ev["best"].fill_null(0).to_numpy(),
                            target=spec.target, seed=seed)


def simulator_forecaster(spec: SeriesSpec, *, db: Path | None = None, end: str | None = None,
                         scenario: Any = None, policy: str = "status-quo") -> Forecaster:
    """The scenario simulator as a forecaster (:class:`sarhad.simulate.SimulatorForecaster`)
    under ``policy``, with the province record of the same store up to ``end`` (a month). At
    each origin it reads that record, the knowledge base and the regime dates only up to the
    origin. It forecasts what the simulator models: the fatalities of the scenario's violence
    actor (``--actor ttp`` for the bundled scenario) in Pakistan, all provinces."""
    from sarhad.kb import load_scenario
    from sarhad.simulate.baseline import record_from_store
    from sarhad.simulate.forecaster import SimulatorForecaster
    from sarhad.simulate.priors import load_spec
    from sarhad.store import open_store

    scn = scenario if scenario is not None else load_scenario()
    sim = load_spec(scn)
    actor = sim.violence.actor
    if spec.target != "fatalities" or spec.actor != actor or spec.province is not None \
            or spec.country != "PAK":
        raise SarhadError(f"--model simulator forecasts the simulated actor's fatalities in "
                          f"Pakistan, all provinces: use --target fatalities --country PAK "
                          f"--actor {actor} without --province")
    store = open_store(db, read_only=db is not None)
    try:
        record = record_from_store(store, sim, scn, end=end)
    finally:
        store.close()
    return SimulatorForecaster(scenario=scn, policy=policy, record=record)


def model_names() -> list[str]:
    return ([c.name for c in count_components()] + ["ensemble", "hawkes", "simulator"]
            + [b.name for b in default_baselines()])


def forecaster_by_name(name: str | None = None, scenario: Any = None, *,
                       seed: int = 0) -> Forecaster:
    """A forecaster by name (:func:`model_names`); ``None`` is :data:`DEFAULT_MODEL`."""
    name = name or DEFAULT_MODEL
    if name == "ensemble":
        return ensemble_forecaster(scenario, seed=seed)
    for f in [*count_components(scenario), *default_baselines()]:
        if f.name == name:
            return f
    if name == "hawkes":
        raise SarhadError("the Hawkes forecaster needs the event table: use "
                          "hawkes_forecaster(spec, ...)")
    if name == "simulator":
        raise SarhadError("the simulator forecaster needs the province record: use "
                          "simulator_forecaster(spec, ...)")
    raise SarhadError(f"--model: unknown forecaster {name!r}; choose from "
                      f"{', '.join(model_names())}")


# ---------------------------------------------------------------- forecasts ----------------------

@dataclass
class Forecast:
    spec: SeriesSpec
    origin: str
    draws: np.ndarray          # (D, H) int64
    history_months: list[str]
    history: np.ndarray
    model: str
    seed: int
    data_latest: dt.date | None
    weights: list[dict[str, Any]] = field(default_factory=list)

    @property
    def months(self) -> list[str]:
        return [add_months(self.origin, h) for h in range(1, self.draws.shape[1] + 1)]

    def long_frame(self) -> pl.DataFrame:
        D, H = self.draws.shape
        return pl.DataFrame({
            "month": np.repeat(np.array(self.months), D),
            "draw": np.tile(np.arange(1, D + 1), H),
            "value": self.draws.T.ravel(),
        })

    def to_csv(self, path: Path | None = None) -> str:
        """Long-format draws, header ``month,draw,value`` (draws numbered from 1). Written whole
        to a temporary file and renamed, so a failed write leaves no half file."""
        buf = io.StringIO()
        self.long_frame().write_csv(buf)
        text = buf.getvalue()
        if path is not None:
            path = Path(path)
            tmp = path.with_name(path.name + ".tmp")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp.write_text(text, encoding="utf-8", newline="\n")
                tmp.replace(path)
            except OSError as err:
                raise SarhadError(f"{path}: cannot write ({err.strerror})") from None
        return text

    def summary(self) -> list[dict[str, Any]]:
        """Per month: median, mean, 50/80/95% central intervals, P(y > 0), P(y >= 25)."""
        rows = []
        q = [0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975]
        qs = np.quantile(self.draws, q, axis=0, method="inverted_cdf")
        for h, m in enumerate(self.months):
            col = self.draws[:, h]
            rows.append({"month": m, "median": int(qs[3, h]), "mean": float(col.mean()),
                         "lo50": int(qs[2, h]), "hi50": int(qs[4, h]),
                         "lo80": int(qs[1, h]), "hi80": int(qs[5, h]),
                         "lo95": int(qs[0, h]), "hi95": int(qs[6, h]),
                         "p_gt0": float((col > 0).mean()), "p_ge25": float((col >= 25).mean())})
        return rows

    def fan_chart(self, *, history_months: int = 48, title: str | None = None) -> Any:
        return fan_chart(self, history_months=history_months, title=title)


def check_forecast_args(horizon: int, draws: int) -> None:
    if not 1 <= horizon <= MAX_HORIZON:
        raise SarhadError(f"--horizon: expected 1 to {MAX_HORIZON} months, got {horizon}")
    if draws < MIN_DRAWS:
        raise SarhadError(f"--draws: at least {MIN_DRAWS} draws per month, got {draws}")
    if draws * horizon > MAX_DRAW_MONTHS:
        raise SarhadError(f"--draws: {draws:,} draws x {horizon} months is more than "
                          f"{MAX_DRAW_MONTHS:,} values; use at most "
                          f"{MAX_DRAW_MONTHS // horizon:,} draws for this horizon")


def check_output(path: Path | None, *, option: str, suffixes: tuple[str, ...]) -> None:
    """Check an output path before any work, so a bad one cannot leave half the outputs
    written: the format (by extension), and that the path is not a directory and its nearest
    existing parent is a writable directory. Missing parent directories are created when the
    file is written."""
    if path is None:
        return
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise SarhadError(f"{option} {path}: unknown format {path.suffix or '(none)'!r}; use "
                          + ", ".join(suffixes))
    if path.is_dir():
        raise SarhadError(f"{option} {path}: is a directory; give a file name")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise SarhadError(f"{option} {path}: {parent} is not a directory")
    if not os.access(parent, os.W_OK):
        raise SarhadError(f"{option} {path}: cannot write in {parent}")


def score_means(result: BacktestResult, *, horizon: int,
                columns: Sequence[str]) -> dict[str, dict[str, float]]:
    """Per forecaster, the mean of each score column over the backtest's cases at horizons
    1..``horizon`` (every origin weighted alike)."""
    short = result.cases.filter(pl.col("horizon") <= horizon)
    means = short.group_by("forecaster").agg([pl.col(c).mean() for c in columns])
    return {r["forecaster"]: {c: float(r[c]) for c in columns} for r in means.to_dicts()}


def make_forecast(spec: SeriesSpec, *, origin: str | None = None, horizon: int = 12,
                  draws: int = 1000, seed: int = 0, db: Path | None = None, scenario: Any = None,
                  forecaster: Forecaster | None = None, model: str | None = None
                  ) -> Forecast:
    """Forecast ``horizon`` months after ``origin`` (default: the last complete month of data)
    from the data up to the origin only, with ``forecaster`` or the one named ``model``
    (default :data:`DEFAULT_MODEL`)."""
    check_forecast_args(horizon, draws)
    if origin is not None:
        month_index(origin)
    series = load_series(spec, db=db, end=origin, scenario=scenario)
    if origin is not None and series.data_latest is not None and \
            month_index(origin) > month_index(last_complete_month(series.data_latest)):
        raise SarhadError(f"--origin {origin}: the data end before it (last complete month "
                          f"{last_complete_month(series.data_latest)})")
    if not series.y.any():
        raise SarhadError(f"no events recorded for {spec.label()} up to {series.end_month}; "
                          "check the actor id or the province's name (see 'sarhad series')")
    if len(series.y) < 36:
        raise SarhadError(f"only {len(series.y)} months of data up to {series.end_month}; a "
                          "forecast needs at least 36")
    if forecaster is not None:
        f = forecaster
    elif model == "hawkes":
        f = hawkes_forecaster(spec, db=db, end=series.end_month, scenario=scenario, seed=seed)
    elif model == "simulator":
        f = simulator_forecaster(spec, db=db, end=series.end_month, scenario=scenario)
    else:
        f = forecaster_by_name(model, scenario, seed=seed)
    f.fit(series.y, start_month=series.start_month)
    paths = f.sample(horizon, draws=draws, rng=np.random.default_rng(seed))
    weights = f.weights_table() if isinstance(f, StackingEnsemble) else []
    keep = min(len(series.y), 120)
    return Forecast(spec=spec, origin=series.end_month, draws=paths,
                    history_months=month_range(add_months(series.end_month, -keep + 1),
                                               series.end_month),
                    history=series.y[-keep:], model=f.name, seed=seed,
                    data_latest=series.data_latest, weights=weights)


# ---------------------------------------------------------------- backtests ----------------------

def backtest(spec: SeriesSpec, *, plan: Plan | None = None, draws: int = 1000, seed: int = 0,
             db: Path | None = None, scenario: Any = None, workers: int = 1,
             scheduler: str | None = None, with_models: bool = True,
             end: str | None = None, hawkes: bool = False,
             simulator: bool = False) -> BacktestResult:
    """The rolling backtest of the default forecasters (each count component, the stacked
    ensemble; with ``hawkes`` also the Hawkes forecaster, slower; with ``simulator`` the
    scenario simulator under the status quo at each origin) against the five baselines on one
    series (data up to ``end``, default all)."""
    series = load_series(spec, db=db, end=end, scenario=scenario)
    models = count_components(scenario) if with_models else []
    if hawkes:
        models.append(hawkes_forecaster(spec, db=db, end=series.end_month, scenario=scenario,
                                        seed=seed))
    if simulator:
        models.append(simulator_forecaster(spec, db=db, end=series.end_month,
                                           scenario=scenario))
    baselines = default_baselines()
    ens = [m.name for m in models] + ["bootstrap12", "negbin36"] if models else None
    result = run_backtest(series.y, start_month=series.start_month, models=models,
                          baselines=baselines, plan=plan, draws=draws, seed=seed, ensemble=ens,
                          workers=workers, scheduler=scheduler)
    result.settings["series"] = spec.as_dict()
    return result


# ---------------------------------------------------------------- plots --------------------------

def fan_chart(fc: Forecast, *, history_months: int = 48, title: str | None = None) -> Any:
    """History (line) and the forecast's median with 50/80/95% bands."""
    import altair as alt

    from sarhad.report import plots

    hist = [{"month": m + "-15", "value": int(v)}
            for m, v in zip(fc.history_months[-history_months:], fc.history[-history_months:],
                            strict=True)]
    bands = []
    for r in fc.summary():
        for level in (95, 80, 50):
            bands.append({"month": r["month"] + "-15", "level": f"{level}%",
                          "lo": r[f"lo{level}"], "hi": r[f"hi{level}"], "median": r["median"]})
    base_x = alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0))
    what = f"{fc.spec.target} per month"
    band = alt.Chart(plots.data(bands)).mark_area().encode(
        x=base_x, y=alt.Y("lo:Q", title=what), y2="hi:Q",
        opacity=alt.Opacity("level:N", scale=alt.Scale(domain=["95%", "80%", "50%"],
                                                       range=[0.18, 0.3, 0.45]),
                            legend=alt.Legend(title="forecast interval", orient="bottom")),
        color=alt.value(plots.PALETTE[0]))
    # one colour legend for the two lines, so a reader can tell the record from the forecast
    names = ["recorded", "forecast median"]
    color = alt.Color("series:N", scale=alt.Scale(domain=names,
                                                  range=[plots.PALETTE[6], plots.PALETTE[0]]),
                      legend=alt.Legend(title=None, orient="bottom"))
    med = alt.Chart(plots.data([{**b, "series": names[1]} for b in bands
                                if b["level"] == "50%"])).mark_line(
        strokeDash=[4, 3]).encode(x=base_x, y="median:Q", color=color)
    line = alt.Chart(plots.data([{**h, "series": names[0]} for h in hist])).mark_line().encode(
        x=base_x, y="value:Q", color=color)
    start = first_day(add_months(fc.origin, 1))
    return (band + med + line).properties(
        width=560, height=220,
        title=title or f"{fc.spec.title()}: record and forecast from {start:%B %Y}")


def backtest_charts(result: BacktestResult, *, model: str | None = None) -> Any:
    """Three panels: mean CRPS by horizon for every forecaster, the PIT histogram of the model,
    and its reliability diagram for P(y > 0) and P(y >= 25)."""
    import altair as alt

    from sarhad.report import plots

    model = model or result.best_model()
    rows = [{"forecaster": r["forecaster"], "horizon": r["horizon"], "crps": r["crps"]}
            for r in result.summary().to_dicts() if r["forecaster"] != "zero"]
    score = alt.Chart(plots.data(rows)).mark_line(point=True).encode(
        x=alt.X("horizon:Q", title="horizon (months)", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("crps:Q", title="mean CRPS"),
        color=alt.Color("forecaster:N")).properties(width=320, height=220,
                                                   title="Score by horizon (lower is better)")
    pit = alt.Chart(plots.data([{"bin": f"{p['lo']:.1f}", "share": p["share"]}
                                for p in result.pit(model)])).mark_bar().encode(
        x=alt.X("bin:O", title="PIT"), y=alt.Y("share:Q", title="share"),
        color=alt.value(plots.PALETTE[0])).properties(width=220, height=220,
                                                     title=f"PIT, {model} (flat = calibrated)")
    rel_rows = [{**r, "event": label} for ev, label in (("gt0", "y > 0"), ("ge25", "y ≥ 25"))
                for r in result.reliability(model, ev)]
    diag = alt.Chart(plots.data([{"x": 0, "y": 0}, {"x": 1, "y": 1}])).mark_line(
        color="#bbbbbb").encode(x="x:Q", y="y:Q")
    rel = alt.Chart(plots.data(rel_rows)).mark_line(point=True).encode(
        x=alt.X("forecast:Q", title="forecast probability", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("observed:Q", title="observed frequency", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("event:N", scale=alt.Scale(range=plots.PALETTE[2:4]),
                        legend=alt.Legend(title=f"{model}: event")))
    return alt.hconcat(score, pit, (diag + rel).properties(
        width=220, height=220, title="Reliability")).resolve_scale(color="independent")
