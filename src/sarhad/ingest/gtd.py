"""The Global Terrorism Database export (START, University of Maryland).

Columns as documented in the GTD Codebook (``eventid, iyear, imonth, iday, approxdate,
extended, country, country_txt, region_txt, provstate, city, latitude, longitude,
attacktype1_txt, targtype1_txt, gname, nkill, nwound, ...``); older downloads are Latin-1
(Windows-1252) encoded, which the reader handles. National Consortium for the Study of
Terrorism and Responses to Terrorism (START), Global Terrorism Database, https://www.start.umd.edu/gtd

Mapping: ``eventid`` -> event id; ``iyear``/``imonth``/``iday`` with 0 for an unknown month or
day -> the first possible day as start, the last as end, precision month or year;
``provstate``/``city`` -> province, location; ``gname`` -> side A (the perpetrator group,
resolved by alias), ``targtype1_txt`` -> side B when present; ``nkill`` -> best (null when
unknown); ``attacktype1_txt`` -> event type; country from ``country_txt``.
"""

from __future__ import annotations

from functools import cache

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


@register
class Gtd(Adapter):
    name = "gtd"
    id_column = "eventid"
    integers = ("iyear", "imonth", "iday", "nkill")
    title = "Global Terrorism Database export"
    required = ("eventid", "iyear", "imonth", "iday", "country_txt", "provstate", "gname",
                "nkill")
    optional = ("city", "latitude", "longitude", "attacktype1_txt", "targtype1_txt", "nwound")
    documentation = "https://www.start.umd.edu/gtd/downloads/Codebook.pdf"
    citation = ("National Consortium for the Study of Terrorism and Responses to Terrorism "
                "(START), University of Maryland. Global Terrorism Database.")

    def canonical(self, raw: pl.LazyFrame) -> pl.LazyFrame:
        return finish(ensure_columns(raw, self.optional).select(_plan()))


@cache
def _plan() -> list[pl.Expr]:
    # the expressions, built once: building them (lookup tables turned into literals) takes
    # longer than running them on a block of a hundred thousand rows
    y, m, d = as_int("iyear"), as_int("imonth"), as_int("iday")
    known_m = pl.when(m > 0).then(m).otherwise(1)
    known_d = pl.when((m > 0) & (d > 0)).then(d).otherwise(1)
    start = pl.format("{}-{}-{}", y, known_m.cast(pl.String).str.zfill(2),
                      known_d.cast(pl.String).str.zfill(2)).str.to_date("%Y-%m-%d",
                                                                        strict=False)
    prec = (pl.when(m == 0).then(pl.lit("year"))
            .when(d == 0).then(pl.lit("month")).otherwise(pl.lit("day")))
    end = (pl.when(m == 0).then(start.dt.offset_by("1y").dt.offset_by("-1d"))
           .when(d == 0).then(start.dt.month_end()).otherwise(start))
    nkill = as_int("nkill")
    lat, lon = as_float("latitude"), as_float("longitude")
    problem = first_problem(
        bad(s("eventid").is_null(), "eventid", "missing event id"),
        bad(y.is_null(), "iyear", "not a year: '{}'", "iyear"),
        bad(m.is_null() | (m < 0) | (m > 12), "imonth", "expected 0-12, got '{}'",
            "imonth"),
        bad(d.is_null() | (d < 0) | (d > 31), "iday", "expected 0-31, got '{}'", "iday"),
        bad(start.is_null(), "iday", "no such day: {}-{}-{}", "iyear", "imonth", "iday"),
        bad(not_parsed("nkill", nkill), "nkill", "not a whole number: '{}'", "nkill"),
        bad(nkill < 0, "nkill", "negative: '{}'", "nkill"),
        bad(not_parsed("latitude", lat) | (lat.abs() > 90), "latitude",
            "not a latitude: '{}'", "latitude"),
        bad(not_parsed("longitude", lon) | (lon.abs() > 180), "longitude",
            "not a longitude: '{}'", "longitude"),
    )
    return [
        s("eventid").alias("event_id"),
        start.alias("date_start"),
        end.alias("date_end"),
        prec.alias("date_precision"),
        countries.iso3_from_name(s("country_txt")).alias("country"),
        s("country_txt").alias("country_name"),
        s("provstate").alias("province_raw"),
        pl.lit(None, dtype=pl.String).alias("district_raw"),
        s("city").alias("location"),
        lat.alias("latitude"),
        lon.alias("longitude"),
        s("gname").alias("side_a"),
        pl.lit(None, dtype=pl.Int64).alias("side_a_id"),
        s("targtype1_txt").alias("side_b"),
        pl.lit(None, dtype=pl.Int64).alias("side_b_id"),
        pl.lit(None, dtype=pl.Int64).alias("dyad_id"),
        pl.lit(None, dtype=pl.Int8).alias("type_of_violence"),
        s("attacktype1_txt").alias("event_type"),
        nkill.alias("best"),
        pl.lit(None, dtype=pl.Int64).alias("low"),
        pl.lit(None, dtype=pl.Int64).alias("high"),
        pl.col("_line"),
        problem,
    ]
