"""Rolling-origin backtests: every forecaster refitted at every origin on the data up to it,
scored on the months after it, compared with the baselines per horizon.

Protocol (DESIGN.md §5, after ViEWS): one origin per month; at origin :math:`o` each forecaster
sees only :math:`y_{\\le o}` and draws ``draws`` paths of ``max_horizon(o)`` months; each
(origin, horizon) pair whose outcome month lies inside the data is one *case*, scored by
:func:`sarhad.forecast.scoring.score_cases`. The default plan is the issue's: origins every month
of 2012–2020 with horizons 1–12, and origins up to 2018-12 with horizons up to 36.

The CRPS-stacking ensemble (:mod:`sarhad.forecast.ensemble`) is scored in the same run: at
origin :math:`o` its weights use only cases :math:`(o', h)` with :math:`o' + h \\le o` (outcome
known at :math:`o`), :math:`h \\le 12`, from the last ``lookback`` origins; the component
forecasts for those cases come from ``warmup`` extra origins before the first scored one.

Score differences model − baseline are summarised per horizon by their mean over origins and a
moving-block bootstrap interval (:func:`sarhad.forecast.scoring.block_bootstrap_mean`) with
block length :math:`\\max(6, h)` months.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from sarhad.errors import SarhadError
from sarhad.forecast import scoring
from sarhad.forecast.base import Forecaster, check_series, clone
from sarhad.forecast.ensemble import crps_terms, mix_paths, stacking_weights
from sarhad.forecast.parallel import map_tasks, task_seed
from sarhad.months import add_months, month_index

ENSEMBLE = "ensemble"


@dataclass(frozen=True)
class Plan:
    """Which origins are scored and how far ahead: ``first``..``last`` every month with
    horizons ``1..horizon``; origins up to ``long_last`` also with horizons up to
    ``long_horizon``."""

    first: str = "2012-01"
    last: str = "2020-12"
    horizon: int = 12
    long_last: str | None = "2018-12"
    long_horizon: int = 36

    def origins(self) -> list[str]:
        n = month_index(self.last) - month_index(self.first) + 1
        if n < 1:
            raise SarhadError(f"origins: {self.first} comes after {self.last}")
        return [add_months(self.first, i) for i in range(n)]

    def max_horizon(self, origin: str) -> int:
        if self.long_last is not None and month_index(origin) <= month_index(self.long_last):
            return max(self.horizon, self.long_horizon)
        return self.horizon

    def check(self) -> None:
        if not 1 <= self.horizon <= 48 or not 1 <= self.long_horizon <= 48:
            raise SarhadError("horizons must be between 1 and 48 months")
        self.origins()


def component_forecasts(y: np.ndarray, start_month: str, forecasters: Sequence[Forecaster],
                        horizon: int, draws: int, seed: int, origin_key: int) -> np.ndarray:
    """Fit fresh copies of ``forecasters`` on ``y`` (the data up to the origin) and draw paths:
    int64 ``(K, draws, horizon)``. Each forecaster's generator is
    :func:`~sarhad.forecast.parallel.task_seed` ``(seed, origin_key, name)``."""
    out = np.empty((len(forecasters), draws, horizon), dtype=np.int64)
    for k, proto in enumerate(forecasters):
        f = clone(proto)
        rng = np.random.Generator(np.random.PCG64(task_seed(seed, origin_key, proto.name)))
        try:
            f.fit(y, start_month=start_month)
            out[k] = f.sample(horizon, draws=draws, rng=rng)
        except SarhadError as err:
            raise SarhadError(f"{proto.name} at origin {add_months(start_month, len(y) - 1)}: "
                              f"{err}") from None
    return out


def _origin_task(y_upto: np.ndarray, start_month: str, forecasters: Sequence[Forecaster],
                 horizon: int, draws: int, seed: int, origin_key: int,
                 pack: bool = False) -> np.ndarray | tuple[str, tuple[int, ...], bytes]:
    s = component_forecasts(y_upto, start_month, forecasters, horizon, draws, seed, origin_key)
    s = np.minimum(s, np.iinfo(np.int32).max).astype(np.int32)
    if not pack:
        return s
    # what travels back from a worker: the smallest integer type that holds the draws, zlib
    # level 1 (lossless; small counts compress about fivefold, and moving the draws is most
    # of the cost of a parallel run on a small machine)
    dtype = np.int16 if s.max(initial=0) <= np.iinfo(np.int16).max else np.int32
    return np.dtype(dtype).str, s.shape, zlib.compress(s.astype(dtype).tobytes(), 1)


def _unpack(item: np.ndarray | tuple[str, tuple[int, ...], bytes]) -> np.ndarray:
    if isinstance(item, np.ndarray):
        return item
    dtype, shape, blob = item
    return np.frombuffer(zlib.decompress(blob), dtype=dtype).reshape(shape).astype(np.int32)


@dataclass
class BacktestResult:
    """Cases (one row per forecaster × origin × horizon) with their scores, plus settings."""

    cases: pl.DataFrame
    forecasters: list[str]
    baselines: list[str]
    settings: dict[str, Any]
    weights: dict[str, list[float]] = field(default_factory=dict)
    components: list[str] = field(default_factory=list)

    # -- summaries --------------------------------------------------------------------------
    def summary(self) -> pl.DataFrame:
        """Mean of every score per forecaster and horizon."""
        return (self.cases.group_by("forecaster", "horizon")
                .agg([pl.len().alias("n"), *[pl.col(s).mean() for s in scoring.SCORE_NAMES]])
                .sort("forecaster", "horizon"))

    def mean_crps(self) -> dict[str, dict[int, float]]:
        out: dict[str, dict[int, float]] = {}
        for row in self.summary().iter_rows(named=True):
            out.setdefault(row["forecaster"], {})[row["horizon"]] = row["crps"]
        return out

    def best_model(self, *, horizons: Sequence[int] | None = None) -> str:
        """The non-baseline forecaster with the lowest mean CRPS over ``horizons``.

        This is an *in-sample* choice: it is picked on the very cases it is then scored on, so
        its scores overstate what the choice would achieve out of sample. The honest figure is
        that of a forecaster chosen without these outcomes: :meth:`out_of_sample_model`."""
        cases = self.cases.filter(~pl.col("forecaster").is_in(self.baselines))
        if horizons is not None:
            cases = cases.filter(pl.col("horizon").is_in(list(horizons)))
        if cases.height == 0:
            raise SarhadError("no model (non-baseline) forecaster in this backtest")
        by = cases.group_by("forecaster").agg(pl.col("crps").mean()).sort("crps")
        return str(by["forecaster"][0])

    def out_of_sample_model(self) -> str | None:
        """The forecaster whose choice used only outcomes known at each origin: the stacked
        ensemble, whose weights at origin O come from cases resolved by O (``None`` when the
        backtest has no ensemble). Its scores need no discount for having been chosen."""
        return ENSEMBLE if ENSEMBLE in self.forecasters else None

    def compare(self, model: str, *, score: str = "crps", reps: int = 2000, alpha: float = 0.1,
                seed: int = 0) -> pl.DataFrame:
        """``model`` minus each baseline, per horizon: mean difference of ``score`` over
        origins and its moving-block bootstrap interval (negative = the model is better)."""
        rows = []
        m = self.cases.filter(pl.col("forecaster") == model).select("origin", "horizon", score)
        for base in self.baselines:
            b = self.cases.filter(pl.col("forecaster") == base).select(
                "origin", "horizon", pl.col(score).alias("base"))
            joined = m.join(b, on=["origin", "horizon"]).sort("horizon", "origin")
            for h in sorted(set(joined["horizon"].to_list())):
                sub = joined.filter(pl.col("horizon") == h)
                d = (sub[score] - sub["base"]).to_numpy()
                rng = np.random.Generator(np.random.PCG64(task_seed(seed, "compare", base, h)))
                mean, lo, hi = scoring.block_bootstrap_mean(d, block=max(6, h), reps=reps,
                                                            alpha=alpha, rng=rng)
                rows.append({"model": model, "baseline": base, "horizon": h, "n": len(d),
                             "model_score": float(np.mean(sub[score].to_numpy())),
                             "baseline_score": float(np.mean(sub["base"].to_numpy())),
                             "diff": mean, "lower": lo, "upper": hi,
                             "better": hi < 0, "worse": lo > 0})
        return pl.DataFrame(rows)

    def pit(self, forecaster: str, *, bins: int = 10) -> list[dict[str, Any]]:
        sel = self.cases.filter(pl.col("forecaster") == forecaster)
        return scoring.pit_histogram(sel["pit"].to_numpy(), bins=bins)

    def reliability(self, forecaster: str, event: str = "gt0") -> list[dict[str, Any]]:
        sel = self.cases.filter(pl.col("forecaster") == forecaster)
        outcome = scoring.event_outcome(sel["y"].to_numpy(), "brier_" + event)
        return scoring.reliability(sel["p_" + event].to_numpy(), outcome)

    def verdict(self, model: str | None = None, *, horizons: Sequence[int] = range(1, 13),
                seed: int = 0) -> dict[str, Any]:
        """Does the best model beat every baseline on mean CRPS at each horizon, with the
        bootstrap interval of the difference below zero, and are its 80% intervals calibrated?"""
        model = model or self.best_model(horizons=horizons)
        cmp = self.compare(model, seed=seed).filter(pl.col("horizon").is_in(list(horizons)))
        beats_mean = cmp.group_by("horizon").agg((pl.col("diff") < 0).all().alias("ok"))
        sig = cmp.group_by("horizon").agg(pl.col("better").all().alias("ok"))
        sel = self.cases.filter((pl.col("forecaster") == model)
                                & pl.col("horizon").is_in(list(horizons)))
        return {
            "model": model,
            "horizons": [int(h) for h in horizons],
            "beats_every_baseline_on_mean_crps": int(beats_mean["ok"].sum()),
            "interval_excludes_zero_vs_every_baseline": int(sig["ok"].sum()),
            "n_horizons": beats_mean.height,
            **{f"coverage{lv}": float(np.mean(sel[f"cov{lv}"].to_numpy())) if sel.height
               else float("nan") for lv in (50, 80, 95)},
        }

    def to_json(self, *, model: str | None = None, seed: int = 0) -> dict[str, Any]:
        """Everything as plain JSON types; undefined numbers (no interval) become null."""
        model = model or self.best_model()
        honest = self.out_of_sample_model()
        return _no_nan({
            "settings": self.settings,
            "forecasters": self.forecasters,
            "baselines": self.baselines,
            "model": model,
            "scores": self.summary().to_dicts(),
            "comparison": self.compare(model, seed=seed).to_dicts(),
            "verdict": self.verdict(model, seed=seed),
            # the verdict of ``model`` is in-sample when it is the best on these origins; this
            # one is not (see out_of_sample_model)
            "out_of_sample_verdict": (self.verdict(honest, seed=seed) if honest is not None
                                      else None),
            "pit": {f: self.pit(f) for f in self.forecasters},
            "reliability": {f: {"gt0": self.reliability(f, "gt0"),
                                "ge25": self.reliability(f, "ge25")} for f in self.forecasters},
            "ensemble_weights": self.weights,
            "ensemble_components": self.components,
        })


def _no_nan(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _no_nan(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_no_nan(v) for v in obj]
    if isinstance(obj, float | np.floating) and not np.isfinite(obj):
        return None
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def run_backtest(y: np.ndarray, *, start_month: str, models: Sequence[Forecaster],
                 baselines: Sequence[Forecaster], plan: Plan | None = None, draws: int = 1000,
                 seed: int = 0, ensemble: Sequence[str] | None = None, lookback: int = 60,
                 warmup: int = 36, workers: int = 1, scheduler: str | None = None
                 ) -> BacktestResult:
    """Rolling-origin backtest of ``models`` and ``baselines`` on the monthly series ``y``.

    ``ensemble`` names the forecasters (models and/or baselines) to stack into the
    ``"ensemble"`` forecaster (``None`` or empty: no ensemble). Origins whose data would start
    before ``start_month`` + 24 months, or whose first outcome is past the data, are rejected.
    Results do not depend on ``workers``/``scheduler``: every (origin, forecaster) has its own
    seed.
    """
    y = check_series(y)
    plan = plan or Plan()
    plan.check()
    if draws < 2:
        raise SarhadError("draws must be at least 2")
    forecasters = [*models, *baselines]
    names = [f.name for f in forecasters]
    if len(set(names)) != len(names):
        raise SarhadError(f"forecaster names must be distinct, got {names}")
    if ENSEMBLE in names:
        raise SarhadError(f"{ENSEMBLE!r} is reserved for the stacked ensemble")
    ens = [n for n in (ensemble or [])]
    unknown = [n for n in ens if n not in names]
    if unknown:
        raise SarhadError(f"ensemble components not in the backtest: {', '.join(unknown)}")

    start = month_index(start_month)
    last = start + len(y) - 1
    scored = plan.origins()
    o_first = month_index(scored[0])
    if o_first - start < 24:
        raise SarhadError(f"first origin {scored[0]} leaves under 24 months of history "
                          f"(data start {start_month})")
    if o_first >= last:
        raise SarhadError(f"first origin {scored[0]} is at or after the last month of data "
                          f"({add_months(start_month, len(y) - 1)}): nothing to score")
    if month_index(scored[-1]) >= last:
        raise SarhadError(f"last origin {scored[-1]} is at or after the last month of data "
                          f"({add_months(start_month, len(y) - 1)}): its forecasts cannot be "
                          "scored")
    n_warm = min(warmup, o_first - start - 24) if ens else 0
    origins = [add_months(scored[0], -n_warm + i) for i in range(n_warm)] + scored
    horizon_of = {o: (min(12, plan.max_horizon(o)) if o < scored[0] else plan.max_horizon(o))
                  for o in origins}
    # the horizon drawn never passes the data's end, except to keep at least one month
    horizon_of = {o: max(1, min(h, last - month_index(o))) for o, h in horizon_of.items()}

    # scoringrules compiles its kernels when imported (seconds): do it while the forecasts run
    warm = threading.Thread(target=_import_scoringrules, daemon=True)
    warm.start()
    pack = scheduler is not None or workers > 1
    tasks = [(y[: month_index(o) - start + 1], start_month, forecasters, horizon_of[o], draws,
              seed, month_index(o), pack) for o in origins]
    samples = [_unpack(s) for s in map_tasks(_origin_task, tasks, workers=workers,
                                             scheduler=scheduler)]
    warm.join()

    frames = []
    weights: dict[str, list[float]] = {}
    idx_ens = [names.index(n) for n in ens]
    if ens:
        ens_samples = _ensemble_paths(y, start, origins, scored, samples, idx_ens, lookback,
                                      seed, weights)
    for k, name in enumerate([*names, *([ENSEMBLE] if ens else [])]):
        rows_o, rows_h, chunks, obs = [], [], [], []
        for i, o in enumerate(origins):
            if o < scored[0]:
                continue
            s = ens_samples[o] if name == ENSEMBLE else samples[i][k]
            oi = month_index(o)
            hmax = min(plan.max_horizon(o), last - oi, s.shape[1])
            if hmax < 1:
                continue
            chunks.append(s[:, :hmax].T)
            obs.append(y[oi - start + 1: oi - start + 1 + hmax])
            rows_o += [o] * hmax
            rows_h += list(range(1, hmax + 1))
        if not chunks:
            continue
        S = np.concatenate(chunks)
        Y = np.concatenate(obs)
        rng = np.random.Generator(np.random.PCG64(task_seed(seed, "pit", name)))
        sc = scoring.score_cases(S, Y, rng=rng)
        frames.append(pl.DataFrame({
            "forecaster": [name] * len(Y), "origin": rows_o, "horizon": rows_h,
            "month": [add_months(o, h) for o, h in zip(rows_o, rows_h, strict=True)],
            "y": Y, "median": np.quantile(S, 0.5, axis=1, method="inverted_cdf"),
            **{key: v for key, v in sc.items()}}))
    cases = pl.concat(frames)
    settings = {"start_month": start_month, "data_end": add_months(start_month, len(y) - 1),
                "first_origin": plan.first, "last_origin": plan.last, "horizon": plan.horizon,
                "long_last": plan.long_last, "long_horizon": plan.long_horizon, "draws": draws,
                "seed": seed, "lookback": lookback, "warmup": n_warm}
    model_names = [f.name for f in models] + ([ENSEMBLE] if ens else [])
    return BacktestResult(cases=cases, forecasters=model_names + [b.name for b in baselines],
                          baselines=[b.name for b in baselines], settings=settings,
                          weights=weights, components=ens)


def _import_scoringrules() -> None:
    import scoringrules  # noqa: F401


def _ensemble_paths(y: np.ndarray, start: int, origins: list[str], scored: list[str],
                    samples: list[np.ndarray], idx: list[int], lookback: int, seed: int,
                    weights_out: dict[str, list[float]]) -> dict[str, np.ndarray]:
    """Stacked-ensemble paths at every scored origin, weights from past resolved cases only."""
    last = start + len(y) - 1
    # stacking terms for every case with h <= 12 whose outcome is in the data
    case_origin, case_res, a_parts, B_parts = [], [], [], []
    for i, o in enumerate(origins):
        oi = month_index(o)
        hmax = min(12, samples[i].shape[2], last - oi)
        if hmax < 1:
            continue
        comp = samples[i][idx][:, :, :hmax].transpose(0, 2, 1).astype(float)  # (K, h, draws)
        a, B = crps_terms(comp, y[oi - start + 1: oi - start + 1 + hmax])
        a_parts.append(a)
        B_parts.append(B)
        case_origin += [oi] * hmax
        case_res += [oi + h for h in range(1, hmax + 1)]
    a_all = np.concatenate(a_parts)
    B_all = np.concatenate(B_parts)
    c_origin = np.array(case_origin)
    c_res = np.array(case_res)
    K = len(idx)
    out = {}
    for i, o in enumerate(origins):
        if o < scored[0]:
            continue
        oi = month_index(o)
        use = (c_res <= oi) & (c_origin >= oi - lookback)
        w = (stacking_weights(a_all[use].mean(axis=0), B_all[use].mean(axis=0))
             if use.sum() >= 12 else np.full(K, 1.0 / K))
        weights_out[o] = [float(x) for x in w]
        rng = np.random.Generator(np.random.PCG64(task_seed(seed, oi, ENSEMBLE)))
        out[o] = mix_paths(samples[i][idx], w, rng)
    return out
