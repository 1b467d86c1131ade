"""Text expressions computed once per distinct value, for every block of an ingest.

Place names and actor names repeat: a few hundred distinct strings among hundreds of thousands
of events, and the same ones in every block of a file. Normalising a name takes regular
expressions (Unicode classes, costly to compile, compiled anew by each polars call), so they
run only on values not seen in an earlier block, and every row gets its results by its
position among the known values:

    at = column cast to Enum(known values)             # one hash of each row
    output[row] = results_for_known_values[at[row]]    # a gather, no more hashing

Both steps are polars expressions, so a block's columns are positioned, and their outputs
gathered, in one parallel ``select`` each.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache

import polars as pl

#: an output: the expression applied to the distinct values, and the dtype of its result
Output = tuple[Callable[[pl.Expr], pl.Expr], pl.DataType]


class DistinctMap:
    """Memoised per-value results of ``outputs`` (name -> (expression, dtype)) for one kind of
    text, kept across the blocks of one ingest. Values are only ever appended, so a value's
    position never changes."""

    def __init__(self, outputs: Mapping[str, Output]) -> None:
        self.outputs = dict(outputs)
        self.values = pl.Series("v", [], dtype=pl.String)
        self.results = {name: pl.Series(name, [], dtype=dtype)
                        for name, (_, dtype) in self.outputs.items()}
        # what each output gives a missing cell (null, unless the expression says otherwise)
        self.for_null = {name: _for_null(expr, dtype)
                         for name, (expr, dtype) in self.outputs.items()}
        self._enum = pl.Enum([])

    def position(self, col: pl.Expr) -> pl.Expr:
        """Each row's position among the known values: null for a missing cell, and for a
        value not known yet (see :meth:`learn`)."""
        return col.cast(self._enum, strict=False).to_physical().cast(pl.UInt32)

    def output(self, name: str, at: pl.Expr) -> pl.Expr:
        """Output ``name`` for rows at positions ``at``."""
        gathered = pl.lit(self.results[name]).gather(at)
        missing = self.for_null[name]
        return gathered if missing is None else gathered.fill_null(missing)

    def learn(self, values: pl.Series) -> None:
        """Add the values not known yet (nulls ignored), their outputs computed once."""
        new = values.drop_nulls().unique(maintain_order=True)
        if self.values.len():
            new = new.filter(~new.is_in(self.values.implode()))
        if not new.len():
            return
        self.values = pl.concat([self.values, new.alias("v")])
        self._enum = pl.Enum(self.values)
        for name, (expr, dtype) in self.outputs.items():
            self.results[name] = pl.concat([self.results[name],
                                            _evaluate(expr, new, dtype).alias(name)])


@lru_cache(maxsize=64)
def _for_null(expr: Callable[[pl.Expr], pl.Expr], dtype: pl.DataType) -> object:
    # once per process: the place expressions' regexes take a while to compile
    return _evaluate(expr, pl.Series([None], dtype=pl.String), dtype)[0]


def _evaluate(expr: Callable[[pl.Expr], pl.Expr], values: pl.Series,
              dtype: pl.DataType) -> pl.Series:
    return pl.select(expr(pl.lit(values)).alias("m")).to_series().cast(dtype)
