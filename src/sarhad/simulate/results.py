"""Outcomes of an ensemble: per-run summaries, distribution tables, tidy tables and fan charts.

Outcomes (one number per run) are what analysts compare across strategies: fatalities, cease-fire
episodes and their lengths, TTP cohesion and defections, and the relation indices at the end of
the horizon. Distributions are reported as mean and 5/25/50/75/95% quantiles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sarhad.errors import SarhadError
from sarhad.simulate.engine import Ensemble

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

OUTCOMES: dict[str, str] = {
    "ttp_fatalities": "TTP fatalities over the horizon",
    "urban_fatalities": "TTP fatalities in urban provinces",
    "isk_fatalities": "IS-K fatalities over the horizon",
    "ceasefire_episodes": "cease-fires agreed",
    "ceasefire_months": "months under a cease-fire",
    "longest_ceasefire": "longest cease-fire (months)",
    "cohesion_end": "TTP cohesion at the end (0-1)",
    "factions_to_isk": "factions gone to IS-K",
    "factions_split": "factions split off",
    "sanctuary_end": "Taliban sanctuary at the end (0-1)",
    "relations_end": "Pakistan-Taliban relations at the end (0-1)",
    "us_cooperation_end": "US-Pakistan cooperation at the end (0-1)",
    "aq_room_end": "al-Qaeda's room at the end (0-1)",
    "leadership_end": "TTP leadership intact at the end (0-1)",
}


def longest_run(flags: np.ndarray) -> np.ndarray:
    """Longest stretch of consecutive ``True`` per row of a ``(runs, months)`` array."""
    R, M = flags.shape
    cur = np.zeros(R, dtype=np.int64)
    best = np.zeros(R, dtype=np.int64)
    for t in range(M):  # over months, vectorised over runs
        cur = np.where(flags[:, t], cur + 1, 0)
        best = np.maximum(best, cur)
    return best


def outcomes(ens: Ensemble, spec_urban: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """One value per run for every outcome in :data:`OUTCOMES`."""
    total = ens.total
    urban = np.zeros(ens.runs) if spec_urban is None else \
        ens.ttp[:, :, np.asarray(spec_urban, bool)].sum(axis=(1, 2))
    s = ens.series
    return {
        "ttp_fatalities": total.sum(axis=1).astype(float),
        "urban_fatalities": np.asarray(urban, float),
        "isk_fatalities": ens.isk_fatalities.sum(axis=1).astype(float),
        "ceasefire_episodes": ens.episodes.astype(float),
        "ceasefire_months": ens.ceasefire.sum(axis=1).astype(float),
        "longest_ceasefire": longest_run(ens.ceasefire).astype(float),
        "cohesion_end": s["cohesion"][:, -1],
        "factions_to_isk": s["to_isk"][:, -1],
        "factions_split": s["split"][:, -1],
        "sanctuary_end": s["sanctuary"][:, -1],
        "relations_end": s["relations"][:, -1],
        "us_cooperation_end": s["us_coop"][:, -1],
        "aq_room_end": s["aq_room"][:, -1],
        "leadership_end": s["leadership"][:, -1],
    }


def episodes(ens: Ensemble) -> dict[str, np.ndarray]:
    """Every cease-fire episode of every run: ``run``, ``start`` (month index), ``length``
    (months) and ``censored`` (still in force at the end of the horizon, so its length is a
    lower bound)."""
    cf = np.asarray(ens.ceasefire, dtype=np.int8)
    R, M = cf.shape
    padded = np.zeros((R, M + 2), dtype=np.int8)
    padded[:, 1:-1] = cf
    d = np.diff(padded, axis=1)
    sr, sc = np.nonzero(d == 1)      # starts, row-major: runs in order, months in order
    er, ec = np.nonzero(d == -1)     # ends (exclusive), paired with starts in the same order
    return {"run": sr, "start": sc, "length": ec - sc, "censored": ec == M}


def distribution(x: np.ndarray) -> dict[str, float]:
    q = np.quantile(x, QUANTILES)
    return {"mean": float(np.mean(x)), "q05": float(q[0]), "q25": float(q[1]),
            "median": float(q[2]), "q75": float(q[3]), "q95": float(q[4])}


def summary_rows(ens: Ensemble, urban: np.ndarray) -> list[dict[str, Any]]:
    """One row per outcome: its distribution over runs; then, if any cease-fire was agreed,
    the distribution of episode lengths over episodes (censored ones included)."""
    out = outcomes(ens, urban)
    rows = [{"policy": ens.policy, "outcome": k, "label": OUTCOMES[k], **distribution(v)}
            for k, v in out.items()]
    ep = episodes(ens)
    if ep["length"].size:
        rows.append({"policy": ens.policy, "outcome": "ceasefire_episode_length",
                     "label": "length of a cease-fire (months, over episodes)",
                     **distribution(ep["length"].astype(float))})
    return rows


def compare_rows(base: Ensemble, other: Ensemble, urban: np.ndarray) -> list[dict[str, Any]]:
    """Per-run differences ``other - base`` (common random numbers: run ``r`` of both saw the
    same draws), with the share of runs where ``other`` is higher."""
    a, b = outcomes(base, urban), outcomes(other, urban)
    rows = []
    for k in OUTCOMES:
        d = b[k] - a[k]
        rows.append({"outcome": k, "label": OUTCOMES[k], "base": base.policy,
                     "other": other.policy, "base_mean": float(a[k].mean()),
                     "other_mean": float(b[k].mean()), **{f"diff_{kk}": vv for kk, vv in
                                                          distribution(d).items()},
                     "p_other_higher": float(np.mean(d > 0)),
                     "p_other_lower": float(np.mean(d < 0))})
    return rows


def fan_rows(ens: Ensemble, variable: str = "ttp_fatalities") -> list[dict[str, Any]]:
    """Monthly quantiles of a variable (``ttp_fatalities``, ``isk_fatalities`` or a state series
    such as ``cohesion``) for fan charts."""
    if variable == "ttp_fatalities":
        x = ens.total.astype(float)
    elif variable == "isk_fatalities":
        x = ens.isk_fatalities.astype(float)
    elif variable in ens.series:
        x = ens.series[variable]
    else:
        raise SarhadError(f"unknown variable {variable!r}; use ttp_fatalities, isk_fatalities "
                          f"or one of {', '.join(sorted(ens.series))}")
    q = np.quantile(x, QUANTILES, axis=0)
    return [{"policy": ens.policy, "month": m, "variable": variable, "mean": float(x[:, t].mean()),
             "q05": float(q[0, t]), "q25": float(q[1, t]), "median": float(q[2, t]),
             "q75": float(q[3, t]), "q95": float(q[4, t])} for t, m in enumerate(ens.months)]


def violence_table(ens: Ensemble) -> Any:
    """Tidy polars table: ``policy, run, month, actor, province, fatalities`` (TTP by province;
    IS-K with province ``all``)."""
    import polars as pl

    R, M, P = ens.ttp.shape
    run = np.repeat(np.arange(R), M * P)
    month = np.tile(np.repeat(np.array(ens.months), P), R)
    prov = np.tile(np.array(ens.provinces), R * M)
    ttp = pl.DataFrame({"policy": [ens.policy] * (R * M * P), "run": run, "month": month,
                        "actor": ["ttp"] * (R * M * P), "province": prov,
                        "fatalities": ens.ttp.reshape(-1)})
    isk = pl.DataFrame({"policy": [ens.policy] * (R * M), "run": np.repeat(np.arange(R), M),
                        "month": np.tile(np.array(ens.months), R), "actor": ["is-k"] * (R * M),
                        "province": ["all"] * (R * M),
                        "fatalities": ens.isk_fatalities.reshape(-1)})
    return pl.concat([ttp, isk])


def state_table(ens: Ensemble) -> Any:
    """Tidy polars table: ``policy, run, month, ceasefire`` and every state index."""
    import polars as pl

    R, M = ens.ceasefire.shape
    cols: dict[str, Any] = {"policy": [ens.policy] * (R * M), "run": np.repeat(np.arange(R), M),
                            "month": np.tile(np.array(ens.months), R),
                            "ceasefire": ens.ceasefire.reshape(-1)}
    for k in sorted(ens.series):
        cols[k] = ens.series[k].reshape(-1)
    return pl.DataFrame(cols)


def write_tables(ens: Ensemble, urban: np.ndarray, out: Path, *,
                 fmt: str = "parquet") -> list[Path]:
    """Write ``violence``, ``state``, ``ceasefires`` (one row per episode), ``summary`` and
    ``fan`` tables to directory ``out``."""
    import polars as pl

    if fmt not in ("parquet", "csv"):
        raise SarhadError(f"format must be parquet or csv, got {fmt!r}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise SarhadError(f"{out}: cannot create directory ({err.strerror})") from None
    ep = episodes(ens)
    tables = {"violence": violence_table(ens), "state": state_table(ens),
              "ceasefires": pl.DataFrame({
                  "policy": [ens.policy] * ep["run"].size, "run": ep["run"],
                  "start": [ens.months[i] for i in ep["start"]], "length": ep["length"],
                  "censored": ep["censored"]}),
              "summary": pl.DataFrame(summary_rows(ens, urban)),
              "fan": pl.DataFrame(fan_rows(ens))}
    paths = []
    for name, df in tables.items():
        p = out / f"{ens.policy}-{name}.{fmt}"
        if fmt == "parquet":
            df.write_parquet(p)
        else:
            df.write_csv(p)
        paths.append(p)
    return paths


def fan_panels(ensembles: list[Ensemble], base: str, *, max_panels: int = 6) -> list[Ensemble]:
    """The ensembles worth a fan-chart panel: ``base`` first, then the others by how far their
    mean TTP deaths move from ``base``'s on the same draws, largest first. As many as fill a
    grid of 2 or 3 columns (at most ``max_panels``), so no panel is left empty."""
    by = {e.policy: e for e in ensembles}
    if base not in by:
        raise SarhadError(f"no ensemble for {base!r}")
    ref = by[base].total.sum(axis=1).astype(float)
    others = sorted((e for e in ensembles if e.policy != base),
                    key=lambda e: -abs(float((e.total.sum(axis=1) - ref).mean())))
    n = min(len(ensembles), max(max_panels, 1))
    if n > 3 and n % 2 and n % 3:   # 5 or 7 panels leave holes in any 2- or 3-column grid
        n -= 1
    return [by[base], *others[: n - 1]]


def _columns(n: int) -> int:
    return n if n <= 3 else 3 if n % 3 == 0 else 2


def fan_chart(ensembles: list[Ensemble], variable: str = "ttp_fatalities",
              title: str | None = None) -> Any:
    """Altair fan chart: median line with 50% and 90% bands, one panel per policy (shared
    axes) so the bands do not hide each other; 2 or 3 columns, whichever the panels fill
    (choose them with :func:`fan_panels`)."""
    import altair as alt

    from sarhad.report import plots

    rows = [r for e in ensembles for r in fan_rows(e, variable)]
    order = [e.policy for e in ensembles]
    color = alt.Color("policy:N", scale=alt.Scale(domain=order, range=plots.PALETTE),
                      legend=None)
    x = alt.X("month:O", title=None, axis=alt.Axis(labelAngle=-45, labelOverlap=True))
    base = alt.Chart().encode(x=x, color=color)
    label = VARIABLE_LABELS.get(variable, variable.replace("_", " "))
    outer = base.mark_area(opacity=0.18).encode(
        y=alt.Y("q05:Q", title=label), y2="q95:Q")
    inner = base.mark_area(opacity=0.35).encode(y="q25:Q", y2="q75:Q")
    line = base.mark_line().encode(y="median:Q")
    layered = alt.layer(outer, inner, line, data=plots.data(rows)).properties(
        width=260 if len(order) > 1 else 560, height=170 if len(order) > 1 else 240)
    head = title or f"{label}: median, 50% and 90% bands, by strategy"
    if len(order) == 1:
        return layered.properties(title=f"{order[0]} - {head}")
    return layered.facet(facet=alt.Facet("policy:N", sort=order, title=None),
                         columns=_columns(len(order))).properties(title=head)


VARIABLE_LABELS = {"ttp_fatalities": "TTP-linked deaths per month",
                   "isk_fatalities": "IS-K-linked deaths per month"}
