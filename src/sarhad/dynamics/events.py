"""From an event table to Hawkes input: streams of event times in days, with ties broken by a
documented, seeded jitter and coarse dates handled explicitly.

Rules (all reported in :class:`StreamTimes`):

* **Time axis**: days since ``start`` (a date); the window is ``[start, end]`` inclusive, so
  ``T = (end - start).days + 1``.
* **Ties**: UCDP dates events to the day, and several events often share a day. An event dated
  day ``d`` is placed at ``d + U``, ``U ~ Uniform(0, 1)`` drawn from the caller's seeded
  generator: its true hour is unknown, and the uniform places it anywhere in that day. Ties then
  have probability zero. Same seed, same times.
* **Coarse dates** (``date_precision`` other than ``day``: UCDP ``date_prec`` 2-5): with
  ``coarse="exclude"`` (default) the event is left out and counted in ``excluded``; with
  ``coarse="spread"`` it is placed uniformly at random in its window
  ``[date_start, date_end + 1 day)`` and counted in ``spread``.
* **Streams**: an event belongs to the first stream (in the order given) one of whose actors is
  side A or side B; an event between two streams' actors (a TTP-IS clash) is counted once, in
  the earlier stream, so that one event never appears as two simultaneous events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from sarhad.errors import SarhadError

Coarse = Literal["exclude", "spread"]


@dataclass
class StreamTimes:
    """Event times (days from ``start``) by stream, and what was done to get them."""

    names: list[str]
    times: list[np.ndarray]
    start: dt.date
    end: dt.date
    T: float
    excluded: dict[str, int] = field(default_factory=dict)  # coarse-dated events left out
    spread: dict[str, int] = field(default_factory=dict)  # coarse-dated events spread
    shared: int = 0  # events between two streams, kept in the first

    def counts(self) -> dict[str, int]:
        return {n: int(t.size) for n, t in zip(self.names, self.times, strict=True)}

    def day_of(self, when: dt.date) -> float:
        return float((when - self.start).days)


def jitter_days(days: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``day + Uniform(0, 1)``: an event's unknown time of day, drawn from a seeded generator."""
    return np.asarray(days, dtype=float) + rng.uniform(0.0, 1.0, len(days))


def stream_times(table: pl.DataFrame, streams: Mapping[str, set[str]], *, start: dt.date,
                 end: dt.date, rng: np.random.Generator,
                 coarse: Coarse = "exclude") -> StreamTimes:
    """Build Hawkes streams from an event table (columns ``date_start``, ``date_end``,
    ``date_precision``, ``side_a_actor``, ``side_b_actor``; see ``sarhad.panels.event_table``).

    ``streams`` maps a stream name to the set of scenario actor ids that make it up (an actor
    and its factions, e.g. ``kb.query.descendants(scenario, "ttp")``).
    """
    if coarse not in ("exclude", "spread"):
        raise SarhadError(f"coarse must be 'exclude' or 'spread', got {coarse!r}")
    if end < start:
        raise SarhadError(f"window ends ({end}) before it starts ({start})")
    need = {"date_start", "date_end", "date_precision", "side_a_actor", "side_b_actor"}
    missing = need - set(table.columns)
    if missing:
        raise SarhadError(f"event table lacks columns {sorted(missing)}")
    if not streams:
        raise SarhadError("no streams given")
    df = table.filter((pl.col("date_start") >= start) & (pl.col("date_start") <= end))
    a = df["side_a_actor"].to_list()
    b = df["side_b_actor"].to_list()
    names = list(streams)
    which = np.full(len(df), -1, dtype=np.int64)
    shared = 0
    for i, (sa, sb) in enumerate(zip(a, b, strict=True)):
        hits = [k for k, n in enumerate(names) if sa in streams[n] or sb in streams[n]]
        if hits:
            which[i] = hits[0]
            shared += len(hits) > 1
    d0 = np.array([(d - start).days for d in df["date_start"].to_list()], dtype=float)
    d1 = np.array([(min(d, end) - start).days for d in df["date_end"].to_list()], dtype=float)
    d1 = np.maximum(d1, d0)
    is_day = np.array([p == "day" for p in df["date_precision"].to_list()], dtype=bool)
    # one uniform per row, drawn in table order, so the result depends only on the seed and data
    u = rng.uniform(0.0, 1.0, len(df))
    t = np.where(is_day, d0 + u, d0 + u * (d1 - d0 + 1.0))
    T = float((end - start).days + 1)
    out_t, excluded, spread = [], {}, {}
    for k, n in enumerate(names):
        mine = which == k
        coarse_here = mine & ~is_day
        if coarse == "exclude":
            keep = mine & is_day
            excluded[n] = int(coarse_here.sum())
            spread[n] = 0
        else:
            keep = mine
            excluded[n] = 0
            spread[n] = int(coarse_here.sum())
        out_t.append(np.sort(np.minimum(t[keep], T - 1e-9)))
    return StreamTimes(names, out_t, start, end, T, excluded, spread, shared)
