"""Charts of the negotiation model (altair specs, rendered by :mod:`sarhad.report.plots`)."""

from __future__ import annotations

import altair as alt
import numpy as np

from sarhad.bargain.model import SpatialModel
from sarhad.bargain.talks import TalksResult
from sarhad.report import plots


def trajectory_chart(model: SpatialModel, *, title: str | None = None) -> alt.FacetChart:
    """Every actor's position on every dimension, state by state (one panel per dimension)."""
    d = model.input_
    rows = [{"state": t, "actor": a, "dimension": dim,
             "position": round(float(model.positions_[t, i, k]), 3)}
            for t in range(model.n_states_) for i, a in enumerate(d.actors)
            for k, dim in enumerate(d.dimensions)]
    line = alt.Chart(plots.data(rows)).mark_line(point=alt.OverlayMarkDef(size=12)).encode(
        x=alt.X("state:Q", title="state (0 = initial positions)"),
        y=alt.Y("position:Q", scale=alt.Scale(domain=[0, 100]), title="position (0-100)"),
        color=alt.Color("actor:N", sort=d.actors, legend=alt.Legend(columns=2),
                        scale=alt.Scale(scheme="category20")),
        tooltip=["actor:N", "state:Q", "position:Q"],
    ).properties(width=260, height=180)
    return line.facet(facet=alt.Facet("dimension:N", sort=d.dimensions), columns=3).properties(
        title=title or f"{d.name}: positions by state ({model.n_states_} states)")


def outcome_chart(result: TalksResult) -> alt.LayerChart:
    """Median and 10-90 % band of the predicted outcome on every dimension."""
    rows = [{"dimension": s["name"], "p10": round(s["p10"], 2), "median": round(s["median"], 2),
             "p90": round(s["p90"], 2)} for s in result.summary()]
    base = alt.Chart(plots.data(rows)).encode(
        y=alt.Y("dimension:N", sort=[r["dimension"] for r in rows], title=None))
    band = base.mark_rule(strokeWidth=6, color=plots.PALETTE[0], opacity=0.45).encode(
        x=alt.X("p10:Q", scale=alt.Scale(domain=[0, 100]),
                title="predicted outcome on the issue scale (0 = low end, 100 = high end)"),
        x2="p90:Q")
    mid = base.mark_point(filled=True, size=70, color=plots.PALETTE[3]).encode(
        x="median:Q", tooltip=["dimension:N", "p10:Q", "median:Q", "p90:Q"])
    return (band + mid).properties(
        width=420, height=30 * len(rows),
        title=f"{result.talks.title}: outcome over {result.draws} draws (median, 10-90%)")


def outcome_samples(result: TalksResult) -> np.ndarray:
    """The drawn outcomes (N, d), for callers that want their own charts."""
    return result.outcomes
