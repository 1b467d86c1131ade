"""ACLED's standard export (Armed Conflict Location & Event Data Project).

Columns as documented in the ACLED Codebook (2021 and later exports): ``event_id_cnty,
event_date, year, time_precision, disorder_type, event_type, sub_event_type, actor1,
assoc_actor_1, inter1, actor2, assoc_actor_2, inter2, interaction, iso, region, country,
admin1, admin2, admin3, location, latitude, longitude, geo_precision, source, notes,
fatalities, timestamp``. Raleigh et al. (2010), Introducing ACLED, Journal of Peace Research
47(5): 651-660.

Mapping: ``event_id_cnty`` -> event id; ``event_date`` ('15 January 2021' or ISO) -> start and
end; ``time_precision`` 1 day, 2 week, 3 month; ``actor1``/``actor2`` -> sides (resolved by
alias); ``admin1``/``admin2`` -> province, district; ``fatalities`` -> best (ACLED gives one
figure: low and high stay null); ``event_type`` kept; country from ``iso`` (numeric) or name.
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
    per_distinct,
    register,
    s,
)

_PRECISION = {"1": "day", "2": "week", "3": "month"}


def _date(col: str) -> pl.Expr:
    # four formats tried, once per distinct string (events share days)
    return per_distinct(lambda text: pl.coalesce(
        text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
        text.str.to_date("%d %B %Y", strict=False),
        text.str.to_date("%d-%B-%Y", strict=False),
        text.str.to_date("%d/%m/%Y", strict=False)), s(col))


@register
class Acled(Adapter):
    name = "acled"
    id_column = "event_id_cnty"
    integers = ("fatalities", "iso")
    title = "ACLED standard export"
    required = ("event_id_cnty", "event_date", "event_type", "actor1", "actor2", "country",
                "admin1", "latitude", "longitude", "fatalities")
    optional = ("time_precision", "disorder_type", "sub_event_type", "assoc_actor_1",
                "assoc_actor_2", "iso", "admin2", "location", "timestamp")
    documentation = "https://acleddata.com/resources/general-guides/ (ACLED Codebook)"
    citation = ("Armed Conflict Location & Event Data Project (ACLED). Raleigh, Linke, Hegre "
                "and Karlsen (2010). Introducing ACLED. Journal of Peace Research 47(5): "
                "651-660.")

    def canonical(self, raw: pl.LazyFrame) -> pl.LazyFrame:
        return finish(ensure_columns(raw, self.optional).select(_plan()))


@cache
def _plan() -> list[pl.Expr]:
    # the expressions, built once: building them (lookup tables turned into literals) takes
    # longer than running them on a block of a hundred thousand rows
    day = _date("event_date")
    fat = as_int("fatalities")
    lat, lon = as_float("latitude"), as_float("longitude")
    prec = s("time_precision").replace_strict(_PRECISION, default=None)
    iso = as_int("iso")
    problem = first_problem(
        bad(s("event_id_cnty").is_null(), "event_id_cnty", "missing event id"),
        bad(s("event_date").is_null(), "event_date", "missing"),
        bad(not_parsed("event_date", day), "event_date", "not a date: '{}'", "event_date"),
        bad(not_parsed("fatalities", fat), "fatalities", "not a whole number: '{}'",
            "fatalities"),
        bad(fat < 0, "fatalities", "negative: '{}'", "fatalities"),
        bad(s("time_precision").is_not_null() & prec.is_null(), "time_precision",
            "expected 1, 2 or 3, got '{}'", "time_precision"),
        bad(not_parsed("latitude", lat) | (lat.abs() > 90), "latitude",
            "not a latitude: '{}'", "latitude"),
        bad(not_parsed("longitude", lon) | (lon.abs() > 180), "longitude",
            "not a longitude: '{}'", "longitude"),
    )
    sub = s("sub_event_type")
    event_type = pl.when(sub.is_not_null()).then(
        pl.format("{}: {}", s("event_type"), sub)).otherwise(s("event_type"))
    return [
        s("event_id_cnty").alias("event_id"),
        day.alias("date_start"),
        day.alias("date_end"),
        pl.coalesce(prec, pl.lit("day")).alias("date_precision"),
        pl.coalesce(countries.iso3_from_isonum(iso),
                    countries.iso3_from_name(s("country"))).alias("country"),
        s("country").alias("country_name"),
        s("admin1").alias("province_raw"),
        s("admin2").alias("district_raw"),
        s("location").alias("location"),
        lat.alias("latitude"),
        lon.alias("longitude"),
        s("actor1").alias("side_a"),
        pl.lit(None, dtype=pl.Int64).alias("side_a_id"),
        s("actor2").alias("side_b"),
        pl.lit(None, dtype=pl.Int64).alias("side_b_id"),
        pl.lit(None, dtype=pl.Int64).alias("dyad_id"),
        pl.lit(None, dtype=pl.Int8).alias("type_of_violence"),
        event_type.alias("event_type"),
        fat.alias("best"),
        pl.lit(None, dtype=pl.Int64).alias("low"),
        pl.lit(None, dtype=pl.Int64).alias("high"),
        pl.col("_line"),
        problem,
    ]
