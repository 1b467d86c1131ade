"""As-of queries over a scenario: who is who, and which relations hold on a given day.

The as-of rule is the one in :mod:`sarhad.kb.dates`: a relation counts on day D when it may have
started by D and has not certainly ended by D (``start <= D < end`` on the JSON fields).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sarhad.kb.dates import FuzzyDate, certain_as_of, counts_as_of
from sarhad.kb.schema import Actor, Relation, Scenario, SourceRef, SystemEvent
from sarhad.kb.vocabulary import RELATION_TYPES
from sarhad.months import first_day, last_day, month_of, month_range, shift_date


def descendants(scenario: Scenario, actor_id: str) -> set[str]:
    """The actor and everything below it by ``parent`` (its factions, leaders, branches)."""
    children: dict[str, list[str]] = {}
    for a in scenario.actors:
        if a.parent:
            children.setdefault(a.parent, []).append(a.id)
    found, stack = {actor_id}, [actor_id]
    while stack:
        for c in children.get(stack.pop(), []):
            if c not in found:
                found.add(c)
                stack.append(c)
    return found


def relations_as_of(
    scenario: Scenario,
    day: dt.date,
    *,
    actor: str | None = None,
    type: str | None = None,
    cites: str | None = None,
    include_descendants: bool = False,
) -> list[Relation]:
    """Relations that count as of ``day``, optionally touching ``actor``, of ``type``, or citing
    paragraph/reference ``cites``."""
    if actor is not None and actor not in scenario.actor_ids:
        raise KeyError(actor)
    if type is not None and type not in RELATION_TYPES:
        raise ValueError(type)
    who = descendants(scenario, actor) if (actor and include_descendants) else {actor}
    out = []
    for r in scenario.relations:
        if not counts_as_of(r.start, r.end, day):
            continue
        if actor is not None and r.source not in who and r.target not in who:
            continue
        if type is not None and r.type != type:
            continue
        if cites is not None and not any(s.ref == cites for s in r.sources):
            continue
        out.append(r)
    return out


def is_certain(relation: Relation, day: dt.date) -> bool:
    return certain_as_of(relation.start, relation.end, day)


def sources_json(sources: list[SourceRef]) -> list[dict[str, str]]:
    return [{"ref": s.ref, "note": s.note} for s in sources]


def actor_json(actor: Actor) -> dict[str, Any]:
    """The ``sarhad actors --json`` contract (DESIGN.md section 4), plus a few extras."""
    return {
        "id": actor.id,
        "name": actor.name,
        "kind": actor.kind,
        "aliases": list(actor.aliases),
        "parent": actor.parent,
        "ucdp_ids": list(actor.external_ids.ucdp),
        "description": actor.description,
        "sources": sources_json(actor.sources),
    }


def relation_json(relation: Relation, day: dt.date) -> dict[str, Any]:
    """The ``sarhad relations --json`` contract: ``start`` is the earliest possible start and
    ``end`` the latest possible end, so ``start <= D < end`` reproduces the as-of rule."""
    r = relation
    return {
        "id": r.id,
        "source": r.source,
        "target": r.target,
        "type": r.type,
        "directed": r.directed,
        "start": r.start.earliest.isoformat() if r.start.earliest else None,
        "end": r.end.latest.isoformat() if r.end.latest else None,
        "start_text": r.start.text,
        "end_text": r.end.text,
        "start_precision": r.start.precision,
        "end_precision": r.end.precision,
        "certain": is_certain(r, day),
        "confidence": r.confidence,
        "about": r.about,
        "note": r.note,
        "sources": sources_json(r.sources),
    }


@dataclass(frozen=True)
class Change:
    """Something that started or ended in a window: a relation or a system event."""

    when: dt.date
    what: Literal["started", "ended", "event"]
    relation: Relation | None = None
    event: SystemEvent | None = None


def changes_between(scenario: Scenario, since: dt.date, until: dt.date) -> list[Change]:
    """Relations that started or ended, and events that happened, in ``(since, until]``.

    A coarse date is placed at its earliest day (the first day it could have happened)."""
    out: list[Change] = []
    for r in scenario.relations:
        if r.start.earliest and since < r.start.earliest <= until:
            out.append(Change(r.start.earliest, "started", relation=r))
        if r.end.earliest and since < r.end.earliest <= until:
            out.append(Change(r.end.earliest, "ended", relation=r))
    for e in scenario.events:
        if e.start.earliest and since < e.start.earliest <= until:
            out.append(Change(e.start.earliest, "event", event=e))
    out.sort(key=lambda c: (c.when, c.what))
    return out


def regime_dates(scenario: Scenario) -> list[SystemEvent]:
    """Events the dynamics models use as regime dates (``regime-change`` and ``window``)."""
    return [e for e in scenario.events if e.kind in ("regime-change", "window")]


MonthRegime = tuple[str, str, str | None]


def _midpoint(d: FuzzyDate) -> dt.date | None:
    if d.earliest is None or d.latest is None:
        return None
    return d.earliest + (d.latest - d.earliest) / 2


def _covers_half(lo: dt.date, hi: dt.date | None, month: str) -> bool:
    """Does the span [lo, hi] (hi None: open) cover at least half the days of ``month``?"""
    first, last = first_day(month), last_day(month)
    a, b = max(lo, first), min(hi or last, last)
    return b >= a and (b - a).days + 1 >= ((last - first).days + 1) / 2


def regime_months(scenario: Scenario, *, known_by: dt.date | None = None,
                  ids: Sequence[str] | None = None) -> list[MonthRegime]:
    """The scenario's regime dates as month regimes ``(event id, first month, last month)``,
    the one rule every monthly model uses (the count models, the forecasters, the simulator).

    A coarse date stands for its midpoint. A month belongs to a regime when the regime covers at
    least half of its days (the half-month rule): a takeover on 15 August starts in August, a
    cease-fire from early November to early December covers November only. A ``regime-change``
    is a step (last month ``None``).

    ``known_by`` (e.g. the last day of a forecast origin) keeps only what was known then: events
    that had not begun are dropped, and a window still open at ``known_by`` becomes a step from
    its start, since its end was not yet known. ``ids`` selects events (default: all
    ``regime-change`` and ``window`` events)."""
    events = ([scenario.event(i) for i in ids] if ids is not None else regime_dates(scenario))
    out: list[MonthRegime] = []
    for e in events:
        lo = _midpoint(e.start)
        if lo is None or (known_by is not None and lo > known_by):
            continue
        hi = None if e.kind != "window" else _midpoint(e.end)
        if known_by is not None and hi is not None and hi > known_by:
            hi = None
        stop = hi or shift_date(lo, 2)
        months = [m for m in month_range(month_of(lo), month_of(stop)) if _covers_half(lo, hi, m)]
        if months:
            out.append((e.id, months[0], None if hi is None else months[-1]))
    return out
