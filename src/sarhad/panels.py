"""Events -> the tables and monthly series the models read.

The monthly series is the forecast target of DESIGN.md section 4, defined once here:

    y_t = sum of UCDP ``best`` (or the number of events) over events located in ``country``
          whose ``date_start`` falls in month t, all types of violence,

zero-filled so that every month from ``start`` to ``end`` has a row. With ``actor``, only events
where that actor or one of its descendants in the scenario (``kb.descendants``: its factions,
leaders, branches) is side A or side B count. UCDP data: Sundberg & Melander (2013), JPR 50(4).

Sources: by default the UCDP record, i.e. GED events, extended by UCDP Candidate events dated
after the last GED event (Candidate releases continue GED month by month); ``source="acled"``
or ``"gtd"`` reads those sources instead.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

import polars as pl

from sarhad.errors import SarhadError
from sarhad.ingest.actors import resolver
from sarhad.ingest.places import normalise_province
from sarhad.kb.query import descendants
from sarhad.kb.schema import Scenario
from sarhad.store import Store, query_frame

Measure = Literal["fatalities", "events"]
Source = Literal["ucdp", "acled", "gtd"]

EVENT_TABLE_COLUMNS = [
    "event_id", "date_start", "date_end", "date_precision", "side_a", "side_b",
    "side_a_actor", "side_b_actor", "type_of_violence", "best", "low", "high", "province",
    "former_fata", "latitude", "longitude",
    # beyond the agreed columns
    "source", "source_version", "country", "district", "event_type", "dyad_id", "side_a_id",
    "side_b_id", "file_sha256", "file_line",
]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _month_start(text: str, what: str) -> dt.date:
    """'YYYY-MM' or 'YYYY-MM-DD' -> first day of that month."""
    m = _MONTH.match(text)
    try:
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), 1)
        d = dt.date.fromisoformat(text)
        return d.replace(day=1)
    except ValueError:
        raise SarhadError(f"{what}: expected a month YYYY-MM, got {text!r}") from None


def _next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)


_BUNDLED_SCENARIO: list[Scenario] = []


def _default_scenario(scenario: Scenario | None) -> Scenario:
    """The given scenario, else the bundled one (loaded once per process)."""
    if scenario is not None:
        return scenario
    if not _BUNDLED_SCENARIO:
        from sarhad.kb import load_scenario

        _BUNDLED_SCENARIO.append(load_scenario())
    return _BUNDLED_SCENARIO[0]


#: GED's last day: UCDP Candidate events count only after it (no text column: event_rows)
_UCDP_CUTOFF = "SELECT max(date_start) FROM event_rows WHERE source = 'ucdp'"


def _where(store: Store, *, country: str | None, actor: str | None, province: str | None,
           start: str | None, end: str | None, scenario: Scenario | None,
           source: Source, gen: int) -> tuple[str, list[Any], str | None, pl.Expr]:
    """The selection as an SQL WHERE clause with its parameters, and as a polars filter on the
    monthly panel (:func:`_panel`); also the actor-resolution mode: None (the stored actor ids
    are right for this scenario) or 'recompute'."""
    clauses: list[str] = []
    params: list[Any] = []
    pf: list[pl.Expr] = []
    if source == "ucdp":
        pf.append(pl.col("ucdp_record"))
        cutoff = store.cached(_UCDP_CUTOFF, generation=gen)
        if cutoff is None:
            clauses.append("source = 'ucdp-candidate'")
        else:
            clauses.append("(source = 'ucdp' OR (source = 'ucdp-candidate' "
                           "AND date_start > ?))")
            params.append(cutoff)
    elif source in ("acled", "gtd"):
        clauses.append("source = ?")
        params.append(source)
        pf.append(pl.col("source") == source)
    else:
        raise SarhadError(f"unknown source {source!r}; expected ucdp, acled or gtd")
    if country is not None:
        code = country.strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise SarhadError(f"--country: expected an ISO 3166 alpha-3 code such as PAK, got "
                              f"{country!r}")
        clauses.append("country = ?")
        params.append(code)
        pf.append(pl.col("country") == code)
    if province is not None:
        name, fata = normalise_province(province)
        clauses.append("province = ?")
        params.append(name)
        pf.append(pl.col("province") == name)
        if fata:
            clauses.append("former_fata")
            pf.append(pl.col("former_fata"))
    if start is not None:
        first = _month_start(start, "start")
        clauses.append("date_start >= ?")
        params.append(first)
        pf.append(pl.col("ym") >= first.year * 100 + first.month)
    if end is not None:
        last = _month_start(end, "end")
        clauses.append("date_start < ?")
        params.append(_next_month(last))
        pf.append(pl.col("ym") <= last.year * 100 + last.month)
    sc = _default_scenario(scenario)
    mode = None if _stored_fingerprints(store, gen) == {resolver(sc).fingerprint} \
        else "recompute"
    if actor is not None:
        if actor not in sc.actor_ids:
            close = sorted(a for a in sc.actor_ids if actor.lower() in a)[:5]
            hint = f"; did you mean {', '.join(close)}?" if close else \
                "; see 'sarhad actors' for the ids"
            raise SarhadError(f"--actor: no actor {actor!r} in scenario "
                              f"'{sc.scenario.name}'{hint}")
        ids = sorted(descendants(sc, actor))
        if mode is None:
            marks = ", ".join("?" for _ in ids)
            clauses.append(f"(side_a_actor IN ({marks}) OR side_b_actor IN ({marks}))")
            params.extend(ids + ids)
            pf.append(pl.col("side_a_actor").is_in(ids) | pl.col("side_b_actor").is_in(ids))
    return (" AND ".join(clauses) or "TRUE"), params, mode, pl.all_horizontal(pf)


def _panel(store: Store, gen: int) -> pl.DataFrame:
    """Events summed by source, country, province, the two resolved actors and month: a few
    thousand rows, built once per store generation, from which any series is a filter and a
    sum (the store's events table is only scanned again after the next ingest)."""
    key = ("panel", gen)
    cached = store._cache.get(key)
    if cached is not None:
        return cached
    cutoff = store.cached(_UCDP_CUTOFF, generation=gen)
    # summed over the stored codes first, their places and sides looked up on the sums
    frame = query_frame(store.reader(), """
        WITH p AS (
            SELECT source,
                   (source = 'ucdp' OR (source = 'ucdp-candidate'
                                        AND (?::DATE IS NULL OR date_start > ?::DATE)))
                       AS ucdp_record,
                   place, side_a, side_b, year(date_start) * 100 + month(date_start) AS ym,
                   sum(coalesce(best, 0)) AS fatalities, count(*) AS events
            FROM event_rows GROUP BY ALL)
        SELECT p.source, p.ucdp_record, pl.country, pl.province, pl.former_fata,
               a.actor AS side_a_actor, b.actor AS side_b_actor, p.ym,
               sum(p.fatalities)::BIGINT AS fatalities, sum(p.events)::BIGINT AS events
        FROM p JOIN places pl ON pl.code = p.place
               JOIN sides a ON a.code = p.side_a
               JOIN sides b ON b.code = p.side_b
        GROUP BY ALL""", [cutoff, cutoff])
    store._cache[key] = frame
    return frame


def _stored_fingerprints(store: Store, gen: int) -> set[str]:
    value = store.cached("SELECT value FROM meta WHERE key = 'resolver_fingerprints'",
                         generation=gen)
    return set(value.split(",")) if value else set()


def _recompute_actor(frame: pl.DataFrame, *, actor: str | None, scenario: Scenario | None
                     ) -> pl.DataFrame:
    """Resolve the sides again with ``scenario`` (its actors differ from the ones the store
    was resolved with) and keep the rows where ``actor`` or a descendant takes part."""
    sc = _default_scenario(scenario)
    res = resolver(sc)
    frame = frame.with_columns(
        res.expr(pl.col("side_a_id"), pl.col("side_a")).alias("side_a_actor"),
        res.expr(pl.col("side_b_id"), pl.col("side_b")).alias("side_b_actor"))
    if actor is None:
        return frame
    ids = sorted(descendants(sc, actor))
    return frame.filter(pl.col("side_a_actor").is_in(ids) | pl.col("side_b_actor").is_in(ids))


def _month_range(first: dt.date, last: dt.date) -> list[str]:
    out, d = [], first
    while d <= last:
        out.append(f"{d.year:04d}-{d.month:02d}")
        d = _next_month(d)
    return out


def monthly_series(store: Store, *, measure: Measure = "fatalities",
                   country: str | None = "PAK", actor: str | None = None,
                   province: str | None = None, start: str | None = None,
                   end: str | None = None, scenario: Scenario | None = None,
                   source: Source = "ucdp") -> pl.DataFrame:
    """Monthly fatalities (sum of ``best``) or event counts, zero-filled.

    Columns ``month`` ("YYYY-MM") and ``value`` (Int64), one row per month from ``start``
    (default: the first month with data in the store for this country and source, so series for
    different actors line up) to ``end`` (default: the month of the store's latest
    ``date_start``). ``actor`` is a scenario actor id: events where it or one of its factions
    (``kb.descendants``) is side A or B. ``province`` is normalised first, so ``"NWFP"`` means
    Khyber Pakhtunkhwa and ``"FATA"`` the former tribal areas within it.
    """
    if measure not in ("fatalities", "events"):
        raise SarhadError(f"--measure: expected fatalities or events, got {measure!r}")
    gen = store.generation()
    where, params, mode, keep = _where(store, country=country, actor=actor,
                                       province=province, start=start, end=end,
                                       scenario=scenario, source=source, gen=gen)
    con = store.reader()
    with store.lock:
        if mode is None or actor is None:
            # from the monthly panel; format only the few hundred result months
            rows = (_panel(store, gen).filter(keep).group_by("ym")
                    .agg(pl.col(measure).sum()).iter_rows())
            got = {f"{ym // 100:04d}-{ym % 100:02d}": int(v) for ym, v in rows}
        else:
            frame = query_frame(
                con, "SELECT date_start, best, side_a, side_a_id, side_b, side_b_id FROM events "
                f"WHERE {where}", params)
            frame = _recompute_actor(frame, actor=actor, scenario=scenario)
            value = pl.col("best").fill_null(0).sum() if measure == "fatalities" else pl.len()
            got = dict(frame.group_by(pl.col("date_start").dt.strftime("%Y-%m").alias("m"))
                       .agg(value.alias("v")).iter_rows())
        if start is not None:
            first = _month_start(start, "start")
        else:
            # the first month with data for the country, not for the actor, so panels align
            base, bparams, _, _ = _where(store, country=country, actor=None, province=None,
                                         start=None, end=end, scenario=scenario,
                                         source=source, gen=gen)
            first = store.cached(f"SELECT min(date_start) FROM events WHERE {base}", bparams,
                                 generation=gen)
        if end is not None:
            last = _month_start(end, "end")
        else:
            last = store.cached("SELECT max(date_start) FROM event_rows", generation=gen)
    if first is None or last is None:
        return pl.DataFrame({"month": [], "value": []},
                            schema={"month": pl.String, "value": pl.Int64})
    months = _month_range(first.replace(day=1), last.replace(day=1))
    if not months:
        raise SarhadError(f"start {first:%Y-%m} is after end {last:%Y-%m}")
    return pl.DataFrame({"month": months, "value": [got.get(m, 0) for m in months]},
                        schema={"month": pl.String, "value": pl.Int64})


def event_table(store: Store, *, country: str | None = "PAK", actor: str | None = None,
                province: str | None = None, start: str | None = None, end: str | None = None,
                scenario: Scenario | None = None, source: Source = "ucdp") -> pl.DataFrame:
    """One row per event in the selection (same filters as :func:`monthly_series`), ordered by
    ``date_start`` then ``event_id``: the agreed columns first, then source, country, district,
    event type, UCDP ids and the pointer back to the file (sha256, line)."""
    where, params, mode, _ = _where(store, country=country, actor=actor, province=province,
                                    start=start, end=end, scenario=scenario, source=source,
                                    gen=store.generation())
    cols = ", ".join(EVENT_TABLE_COLUMNS)
    with store.lock:
        frame = query_frame(store.reader(), f"SELECT {cols} FROM event_records WHERE {where} "
                            "ORDER BY date_start, event_id", params)
    if mode is not None:
        frame = _recompute_actor(frame, actor=actor, scenario=scenario)
    return frame.with_columns(pl.col("type_of_violence").cast(pl.Int8),
                              pl.col("best").cast(pl.Int64), pl.col("low").cast(pl.Int64),
                              pl.col("high").cast(pl.Int64))
