"""Goodness of fit of a point-process model by the time-rescaling theorem.

If ``Lambda_k`` is the true compensator of stream ``k``, the rescaled gaps
``tau_i = Lambda_k(t_i) - Lambda_k(t_{i-1})`` are independent Exp(1) (Papangelou 1972; Brown,
Barbieri, Ventura, Kass & Frank 2002, "The time-rescaling theorem and its application to neural
spike train data analysis", Neural Computation 14:325-346). So ``z_i = 1 - exp(-tau_i)`` are
Uniform(0, 1), and the Kolmogorov-Smirnov distance between the empirical distribution of ``z`` and
the uniform measures misfit; Brown et al.'s KS plot shows it with the ``1.36 / sqrt(n)`` band of
the 95% test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sarhad.dynamics.hawkes import HawkesProcess, _compensator_at_events, merge_streams
from sarhad.errors import SarhadError


@dataclass(frozen=True)
class RescalingResult:
    stream: str
    n: int
    ks: float
    p_value: float
    z: np.ndarray  # sorted uniforms 1 - exp(-tau)

    def as_dict(self) -> dict:
        return {"stream": self.stream, "n": self.n, "ks": self.ks, "p_value": self.p_value}


def rescaled_gaps(model: HawkesProcess,
                  times_by_stream: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Per stream, the gaps ``tau`` of the compensator between successive events (first gap
    from time 0)."""
    model._check_fitted()
    K = model.excitation_.shape[0]
    if len(times_by_stream) != K:
        raise SarhadError(f"{len(times_by_stream)} streams given; the model has {K}")
    times, marks = merge_streams([np.asarray(t, dtype=float) for t in times_by_stream])
    regs = np.searchsorted(model.breaks_, times, side="right").astype(np.int64)
    lam = _compensator_at_events(times, marks, regs, np.ascontiguousarray(model.background_),
                                 np.ascontiguousarray(model.adjacency_), model.decays_,
                                 np.asarray(model.breaks_, dtype=float))
    return [np.diff(np.concatenate([[0.0], lam[marks == k]])) for k in range(K)]


def time_rescaling(model: HawkesProcess,
                   times_by_stream: Sequence[np.ndarray]) -> list[RescalingResult]:
    """KS test of the rescaled gaps against Exp(1), one result per stream."""
    out = []
    for name, tau in zip(model.stream_names_, rescaled_gaps(model, times_by_stream),
                         strict=True):
        if tau.size == 0:
            out.append(RescalingResult(name, 0, float("nan"), float("nan"), np.zeros(0)))
            continue
        res = stats.kstest(tau, "expon")
        out.append(RescalingResult(name, int(tau.size), float(res.statistic), float(res.pvalue),
                                   np.sort(1.0 - np.exp(-tau))))
    return out


def ks_plot(results: Sequence[RescalingResult]):
    """Brown et al.'s KS plot: model quantiles of the rescaled times against uniform quantiles,
    with the 95% band; one line per stream. Returns an altair chart."""
    import altair as alt

    from sarhad.report import plots

    rows, band = [], []
    for r in results:
        if r.n == 0:
            continue
        q = (np.arange(1, r.n + 1) - 0.5) / r.n
        step = max(1, r.n // 400)  # keep the SVG small: at most ~400 points per stream
        rows += [{"stream": r.stream, "uniform": float(a), "rescaled": float(b)}
                 for a, b in zip(q[::step], r.z[::step], strict=True)]
        w = 1.36 / np.sqrt(r.n)
        band += [{"stream": r.stream, "uniform": float(a), "lo": float(max(a - w, 0)),
                  "hi": float(min(a + w, 1))} for a in np.linspace(0.0, 1.0, 21)]
    base = alt.Chart(plots.data(rows))
    lines = base.mark_line().encode(
        x=alt.X("uniform:Q", title="uniform quantile"),
        y=alt.Y("rescaled:Q", title="rescaled event time (model quantile)"),
        color=alt.Color("stream:N", title="stream", scale=alt.Scale(range=plots.PALETTE)))
    bands = alt.Chart(plots.data(band)).mark_area(opacity=0.12).encode(
        x="uniform:Q", y="lo:Q", y2="hi:Q",
        color=alt.Color("stream:N", scale=alt.Scale(range=plots.PALETTE)))
    diag = alt.Chart(plots.data([{"a": 0.0}, {"a": 1.0}])).mark_line(
        strokeDash=[4, 4], color="#888").encode(x="a:Q", y="a:Q")
    return (bands + diag + lines).properties(width=320, height=280,
                                             title="Time-rescaling KS plot")
