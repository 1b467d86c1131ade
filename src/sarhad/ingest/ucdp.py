"""UCDP Georeferenced Event Dataset (GED), as UCDP publishes it and as HDX publishes extracts.

UCDP's global file ``GEDEvent_vXX_Y.csv`` has 49 columns; HDX country extracts add ``iso3``
and a second row of HXL hashtags (skipped by the reader). Codebook: Högbladh (2022), UCDP GED
Codebook version 22.1, https://ucdp.uu.se/downloads/ ; data cite Sundberg & Melander (2013),
Journal of Peace Research 50(4).

Mapping: ``id`` -> event id; ``date_start``/``date_end`` (``YYYY-MM-DD 00:00:00.000``);
``date_prec`` 1 -> day, 2-3 -> week, 4 -> month, 5 -> year; ``adm_1``/``adm_2`` -> province,
district; ``side_a_new_id``/``side_b_new_id`` -> UCDP actor ids; ``best``/``low``/``high``
fatality estimates; country from ``iso3``, else from the Gleditsch-Ward ``country_id``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import polars as pl

from sarhad.ingest import countries
from sarhad.ingest.base import (
    Adapter,
    as_float,
    as_int,
    bad,
    ensure_columns,
    finish,
    first_problem,
    not_parsed,
    register,
    s,
)

GED_REQUIRED = ("id", "relid", "type_of_violence", "side_a", "side_b", "date_prec",
                "date_start", "date_end", "best", "low", "high", "latitude", "longitude",
                "country")
GED_OPTIONAL = ("side_a_new_id", "side_b_new_id", "dyad_new_id", "adm_1", "adm_2",
                "where_coordinates", "iso3", "country_id")

_PRECISION = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "year"}
_FILE_VERSION = re.compile(r"v(\d+)[._](\d+)(?:[._](\d+))?", re.IGNORECASE)


def _date(col: str) -> pl.Expr:
    # '1990-10-04 00:00:00.000' in the CSV; '1990-10-04' in some re-exports
    # (without polars' cache of distinct strings: with it, GED's dates parsed a third slower)
    return s(col).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False, cache=False)


_INTS = ("best", "low", "high", "type_of_violence", "side_a_new_id", "side_b_new_id",
         "dyad_new_id", "country_id")


def ged_canonical(raw: pl.LazyFrame) -> pl.LazyFrame:
    """GED rows -> canonical columns (shared by the GED and Candidate adapters).

    Parsed values are computed once into ``__``-prefixed columns, then checked and selected,
    so no parse runs twice."""
    parse, select = _ged_plan()
    return finish(ensure_columns(raw, GED_OPTIONAL).with_columns(parse).select(select))


@cache
def _ged_plan() -> tuple[list[pl.Expr], list[pl.Expr]]:
    # the expressions, built once: building them (lookup tables turned into literals) takes
    # longer than running them on a block of a hundred thousand rows
    p = pl.col
    parse = [
        *[as_int(c).alias(f"__{c}") for c in _INTS],
        as_float("latitude").alias("__lat"), as_float("longitude").alias("__lon"),
        _date("date_start").alias("__start"), _date("date_end").alias("__end"),
        s("date_prec").replace_strict(_PRECISION, default=None).alias("__prec"),
    ]
    problem = first_problem(
        bad(s("id").is_null(), "id", "missing event id"),
        bad(s("date_start").is_null(), "date_start", "missing"),
        bad(not_parsed("date_start", p("__start")), "date_start", "not a date: '{}'",
            "date_start"),
        bad(not_parsed("date_end", p("__end")), "date_end", "not a date: '{}'", "date_end"),
        bad(p("__end") < p("__start"), "date_end", "before date_start: '{}'", "date_end"),
        bad(s("date_prec").is_not_null() & p("__prec").is_null(), "date_prec",
            "expected 1-5, got '{}'", "date_prec"),
        *[bad(not_parsed(c, p(f"__{c}")), c, "not a whole number: '{}'", c)
          for c in ("best", "low", "high", "type_of_violence", "side_a_new_id",
                    "side_b_new_id")],
        bad(p("__best").is_null(), "best", "missing fatality estimate"),
        *[bad(p(f"__{c}") < 0, c, "negative: '{}'", c) for c in ("best", "low", "high")],
        bad(~p("__type_of_violence").is_in([1, 2, 3]), "type_of_violence",
            "expected 1, 2 or 3, got '{}'", "type_of_violence"),
        bad(not_parsed("latitude", p("__lat")) | (p("__lat").abs() > 90), "latitude",
            "not a latitude: '{}'", "latitude"),
        bad(not_parsed("longitude", p("__lon")) | (p("__lon").abs() > 180), "longitude",
            "not a longitude: '{}'", "longitude"),
    )
    iso3 = pl.coalesce(s("iso3"), countries.iso3_from_gw(p("__country_id")),
                       countries.iso3_from_name(s("country")))
    return parse, [
        s("id").alias("event_id"),
        p("__start").alias("date_start"),
        pl.coalesce(p("__end"), p("__start")).alias("date_end"),
        p("__prec").alias("date_precision"),
        iso3.alias("country"),
        s("country").alias("country_name"),
        s("adm_1").alias("province_raw"),
        s("adm_2").alias("district_raw"),
        s("where_coordinates").alias("location"),
        p("__lat").alias("latitude"),
        p("__lon").alias("longitude"),
        s("side_a").alias("side_a"),
        p("__side_a_new_id").alias("side_a_id"),
        s("side_b").alias("side_b"),
        p("__side_b_new_id").alias("side_b_id"),
        p("__dyad_new_id").alias("dyad_id"),
        p("__type_of_violence").alias("type_of_violence"),
        p("__type_of_violence").replace_strict(
            {1: "state-based", 2: "non-state", 3: "one-sided"}, default=None,
            return_dtype=pl.String).alias("event_type"),
        p("__best").alias("best"),
        p("__low").alias("low"),
        p("__high").alias("high"),
        pl.col("_line"),
        problem,
    ]


def file_version(path: Path) -> str | None:
    """'GEDEvent_v22_1.csv' -> '22.1'; 'GEDEvent_v21_0_11.csv' -> '21.0.11'."""
    m = _FILE_VERSION.search(path.name)
    if not m:
        return None
    return ".".join(g for g in m.groups() if g is not None)


def looks_like_candidate(path: Path | None) -> bool:
    """UCDP Candidate releases are numbered YY.0.M (monthly); GED releases YY.1."""
    if path is None:
        return False
    if "candidate" in path.name.lower():
        return True
    m = _FILE_VERSION.search(path.name)
    return bool(m and m.group(3) is not None and m.group(2) == "0")


@register
class UcdpCandidate(Adapter):
    """UCDP Candidate Events: monthly releases in GED's columns. Recognised by the file name
    (``candidate`` in it, or a release number YY.0.M); use ``--source ucdp-candidate``
    otherwise. An event id seen in an earlier release is replaced by the later release."""

    name = "ucdp-candidate"
    id_column = "id"
    integers = _INTS
    title = "UCDP Candidate Events (monthly, GED columns)"
    required = GED_REQUIRED
    optional = GED_OPTIONAL
    identifying_only = ("relid",)
    documentation = "https://ucdp.uu.se/downloads/ (UCDP Candidate Events Dataset codebook)"
    citation = ("UCDP Candidate Events Dataset, CC BY 4.0. Hegre, Croicu, Eck and Högbladh "
                "(2020). Introducing the UCDP Candidate Events Dataset. Research & Politics "
                "7(3).")

    def matches(self, header: Sequence[str], path: Path | None = None) -> bool:
        return super().matches(header) and looks_like_candidate(path)

    def version_from(self, path: Path) -> str | None:
        return file_version(path)

    def canonical(self, raw: pl.LazyFrame) -> pl.LazyFrame:
        return ged_canonical(raw)


@register
class UcdpGed(Adapter):
    """UCDP GED (49 columns), or an HDX country extract (50, with ``iso3``)."""

    name = "ucdp"
    id_column = "id"
    integers = _INTS
    title = "UCDP GED (GEDEvent_vXX_Y.csv, or an HDX country extract)"
    required = GED_REQUIRED
    optional = GED_OPTIONAL
    identifying_only = ("relid",)
    documentation = "https://ucdp.uu.se/downloads/ (UCDP GED codebook)"
    citation = ("UCDP Georeferenced Event Dataset (GED), CC BY 4.0. Sundberg, Ralph and Erik "
                "Melander (2013). Introducing the UCDP Georeferenced Event Dataset. Journal of "
                "Peace Research 50(4): 523-532.")

    def version_from(self, path: Path) -> str | None:
        return file_version(path)

    def canonical(self, raw: pl.LazyFrame) -> pl.LazyFrame:
        return ged_canonical(raw)
