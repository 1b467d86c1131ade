"""The one interface every source adapter implements, and the registry that finds them.

An adapter knows one publisher's file: which columns identify it (header auto-detection), which
it reads, and how to turn them into the canonical columns below with polars expressions (no
per-row Python). Checking, place normalisation, actor resolution and writing are shared by all
sources (:mod:`sarhad.ingest.pipeline`), so a new source is one new module::

    @register
    class MySource(Adapter):
        name = "mysource"
        title = "My publisher's export"
        required = ("event_id", "date", ...)
        def canonical(self, raw): ...

``canonical`` receives every column as a string plus ``_line`` (the physical line where the
record starts) and returns a frame with :data:`CANONICAL` columns and ``problem`` (null, or
``"field: what is wrong"`` for a row that must be skipped).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import polars as pl

#: Columns (and polars types) every adapter's ``canonical`` returns.
CANONICAL: dict[str, pl.DataType] = {
    "event_id": pl.String(),
    "date_start": pl.Date(),
    "date_end": pl.Date(),
    "date_precision": pl.String(),     # day | week | month | year
    "country": pl.String(),            # ISO3 or null
    "country_name": pl.String(),
    "province_raw": pl.String(),
    "district_raw": pl.String(),
    "location": pl.String(),
    "latitude": pl.Float64(),
    "longitude": pl.Float64(),
    "side_a": pl.String(),
    "side_a_id": pl.Int64(),           # UCDP actor id, when the source has one
    "side_b": pl.String(),
    "side_b_id": pl.Int64(),
    "dyad_id": pl.Int64(),
    "type_of_violence": pl.Int8(),     # UCDP: 1 state-based, 2 non-state, 3 one-sided
    "event_type": pl.String(),
    "best": pl.Int64(),
    "low": pl.Int64(),
    "high": pl.Int64(),
    "_line": pl.Int64(),
    "problem": pl.String(),
}


class Adapter:
    """Base class of a source adapter. Subclasses set the class attributes and ``canonical``."""

    name: ClassVar[str]
    title: ClassVar[str]
    #: columns whose presence identifies the format (all must be present)
    required: ClassVar[tuple[str, ...]]
    #: further columns read when present
    optional: ClassVar[tuple[str, ...]] = ()
    #: required columns that only identify the format: checked in the header, never parsed
    identifying_only: ClassVar[tuple[str, ...]] = ()
    #: the raw column holding the publisher's event id (duplicates are found on it)
    id_column: ClassVar[str]
    #: raw columns read as whole numbers (:func:`as_int`)
    integers: ClassVar[tuple[str, ...]] = ()
    #: the publisher's documentation of the columns
    documentation: ClassVar[str] = ""
    #: how to cite the data (shown by ``sarhad data``)
    citation: ClassVar[str] = ""

    def matches(self, header: Sequence[str], path: Path | None = None) -> bool:
        cols = {c.strip().lower() for c in header}
        return all(c.lower() in cols for c in self.required)

    def read_columns(self) -> tuple[str, ...]:
        """The columns ``canonical`` reads."""
        skip = {c.lower() for c in self.identifying_only}
        return tuple(c for c in (*self.required, *self.optional) if c.lower() not in skip)

    def missing(self, header: Sequence[str]) -> list[str]:
        cols = {c.strip().lower() for c in header}
        return [c for c in self.required if c.lower() not in cols]

    def version_from(self, path: Path) -> str | None:
        """The release, read from the file name when the publisher puts it there."""
        return None

    def canonical(self, raw: pl.LazyFrame) -> pl.LazyFrame:
        raise NotImplementedError


ADAPTERS: dict[str, Adapter] = {}
#: detection order: the more specific formats first
_ORDER: list[str] = []


def register(cls: type[Adapter]) -> type[Adapter]:
    """Class decorator: add an adapter to the registry under ``cls.name``."""
    ADAPTERS[cls.name] = cls()
    _ORDER.append(cls.name)
    return cls


def detect(header: Sequence[str], path: Path | None = None) -> Adapter | None:
    """The first registered adapter whose identifying columns are all in ``header``."""
    for name in _ORDER:
        if ADAPTERS[name].matches(header, path):
            return ADAPTERS[name]
    return None


# -- expression helpers shared by adapters ---------------------------------------------------

def s(col: str) -> pl.Expr:
    """A raw column as text. The CSV reader already reads empty cells as null; cells are
    otherwise taken as written (stripping every cell of every row would cost more than the
    parse itself)."""
    return pl.col(col)


def per_distinct(fn: Callable[[pl.Expr], pl.Expr], expr: pl.Expr) -> pl.Expr:
    """``fn(expr)``, computed once per distinct value and spread back to the rows: for text
    parses that repeat (dates, country names), costly per row, cheap on a few thousand
    distinct strings. (``maintain_order`` makes both evaluations of ``unique`` agree.)"""
    distinct = expr.unique(maintain_order=True)
    return expr.replace_strict(distinct, fn(distinct), default=None)


def as_float(col: str) -> pl.Expr:
    """A number as written. A cell with spaces around its number fails here and is parsed
    again by :func:`strip_numbers` (only the rows that fail pay for the stripping)."""
    return pl.col(col).cast(pl.Float64, strict=False)


def as_int(col: str) -> pl.Expr:
    """A whole number written as one ('12'). One written as a float ('12.0', as some exports
    write counts) fails here, and its row is read again with the cell rewritten as the integer
    (:func:`strip_numbers`, for the adapter's :attr:`Adapter.integers`): the plain cast is a
    fifth of the cost of reading every cell as a float and checking its fraction."""
    return pl.col(col).cast(pl.Int64, strict=False)


def strip_numbers(raw: pl.DataFrame, integers: Sequence[str] = ()) -> pl.DataFrame:
    """Each text cell that reads as a number once the spaces around it are removed, stripped
    (' 12 ' -> '12'), and in the columns ``integers`` a whole number written as a float
    ('12.0', '1.2e1') written as the integer ('12'); other cells as they were. Applied to the
    rows a parse rejected, which are then parsed again: surrounding spaces and float-written
    counts are tolerated without the cost of handling them in every cell of every row."""
    def fix(c: str) -> pl.Expr:
        stripped = pl.col(c).str.strip_chars()
        number = stripped.cast(pl.Float64, strict=False)
        text = stripped
        if c in integers:     # a whole number too large for an integer stays as written
            whole = pl.when(number == number.floor()).then(number.cast(pl.Int64, strict=False))
            text = pl.coalesce(whole.cast(pl.String), stripped)
        return (pl.when(number.is_not_null()).then(text).otherwise(pl.col(c)).alias(c))

    return raw.with_columns(fix(c) for c, t in raw.schema.items() if t == pl.String)


def not_parsed(col: str, parsed: pl.Expr) -> pl.Expr:
    """The raw cell holds something, but it did not parse."""
    return (s(col).is_not_null() & parsed.is_null()).fill_null(False)


def bad(cond: pl.Expr, field: str, message: str, *value_cols: str) -> tuple[pl.Expr, str]:
    """A check: rows where ``cond`` holds are skipped with ``"field: message"``; each ``{}`` in
    ``message`` is filled with the row's raw value of the matching ``value_cols`` entry. The
    message is written only for failing rows (see :func:`format_problems`), never for all."""
    template = message
    for col in value_cols:
        template = template.replace("{}", "{" + col + "}", 1)
    return cond.fill_null(False), f"{field}: {template}"


def first_problem(*checks: tuple[pl.Expr, str]) -> pl.Expr:
    """The first failing check's template, or null: a chain of literal strings, cheap for
    every row."""
    expr: Any = None
    for cond, template in checks:
        expr = pl.when(cond).then(pl.lit(template)) if expr is None else \
            expr.when(cond).then(pl.lit(template))
    if expr is None:
        return pl.lit(None, dtype=pl.String).alias("problem")
    return expr.otherwise(pl.lit(None, dtype=pl.String)).alias("problem")


_FIELD = re.compile(r"\{([A-Za-z0-9_]+)\}")


def format_problems(templates: list[str], raw_rows: list[dict[str, Any]]) -> list[str]:
    """Fill problem templates with the raw values of their rows (only the failing rows)."""
    out = []
    for template, row in zip(templates, raw_rows, strict=True):

        def value(m: re.Match[str], row: dict[str, Any] = row) -> str:
            return str(row.get(m.group(1)) or "")

        out.append(_FIELD.sub(value, template))
    return out


_VERSION = re.compile(r"v?(\d+)[._](\d+)(?:[._](\d+))?", re.IGNORECASE)


def version_key(version: str | None) -> str:
    """A string that sorts releases in order: '21.0.11' -> '0021.0000.0011'; unknown -> ''."""
    if not version:
        return ""
    parts = [int(p) for p in re.findall(r"\d+", version)][:3]
    return ".".join(f"{p:04d}" for p in parts)


def ensure_columns(frame: pl.LazyFrame, names: Sequence[str]) -> pl.LazyFrame:
    """Add any of ``names`` missing from ``frame`` as null text (optional columns)."""
    have = set(frame.collect_schema().names())
    missing = [pl.lit(None, dtype=pl.String).alias(n) for n in names if n not in have]
    return frame.with_columns(missing) if missing else frame


def finish(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Select the canonical columns in order, with their types."""
    return frame.select(_CANONICAL_CASTS)


_CANONICAL_CASTS = [pl.col(c).cast(t) for c, t in CANONICAL.items()]
