"""Canonical rows -> store rows: places normalised, sides resolved to the scenario's actors, the
repeating columns coded into the store's dimension tables (kinds, places, sides).

One :class:`Normaliser` serves every block of one ingest, so each distinct province, district
and side name is normalised once per file (:class:`~sarhad.ingest.distinct.DistinctMap`), not
once per block, and each distinct kind, place and side is looked up in its table once
(:class:`~sarhad.ingest.dimensions.Dimension`). The rules themselves live in
:mod:`sarhad.ingest.places` and :mod:`sarhad.ingest.actors`.
"""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from sarhad.ingest import places
from sarhad.ingest.actors import resolver
from sarhad.ingest.dimensions import NO_POSITION, Dimension
from sarhad.ingest.distinct import DistinctMap
from sarhad.kb.schema import Scenario
from sarhad.store import DIMENSIONS, ROW_COLUMNS

#: the columns a checked block hands to the store (source and ingest id are per ingest)
BLOCK_COLUMNS = [c for c in ROW_COLUMNS if c not in ("source", "ingest_id")]

#: text columns kept as the adapter gives them (the others are normalised here)
_AS_GIVEN = ("date_precision", "country", "country_name", "location", "event_type")

#: the key of a missing number in a dimension key (no id or count is this large)
_NO_NUMBER = 1 << 40


class Normaliser:
    """Places, actors and dimension codes for the blocks of one ingest, resolved against
    ``scenario``; ``con`` is the store the dimension tables are read from."""

    def __init__(self, scenario: Scenario, con: duckdb.DuckDBPyConnection) -> None:
        self.resolver = resolver(scenario)
        self.provinces = DistinctMap({
            "province": (places.province_expr, pl.String()),
            "fata": (places.fata_province_expr, pl.Boolean()),
            "kp": (places.kp_expr, pl.Boolean())})
        self.districts = DistinctMap({
            "district": (places.district_expr, pl.String()),
            "merged": (places.merged_district_expr, pl.Boolean())})
        # side A and side B names share one map: the same groups appear on both sides
        self.names = DistinctMap({"actor": (self.resolver.name_expr, pl.String())})
        self.given = {c: DistinctMap({}) for c in _AS_GIVEN}
        self.dimensions = {t: Dimension(con, t) for t in DIMENSIONS}

    def rows(self, good: pl.DataFrame) -> pl.DataFrame:
        """Checked canonical rows (the ones to store) -> :data:`BLOCK_COLUMNS`.

        One parallel select places every text among its map's known values (values new in
        this block learnt, then placed again); each dimension's codes are then one join on
        those positions."""
        maps = {"province_raw": self.provinces, "district_raw": self.districts,
                "side_a": self.names, "side_b": self.names, **self.given}
        # the first block: every value is new (side A and B share a map: both learnt here)
        empty = {id(m) for m in maps.values() if not m.values.len()}
        for c, dmap in maps.items():
            if id(dmap) in empty:
                dmap.learn(good.get_column(c))
        at = self._positions(good, maps)
        new = [c for c in maps if at.get_column(c).null_count() > good.get_column(c).null_count()]
        for c in new:
            maps[c].learn(good.get_column(c).filter(at.get_column(c).is_null()))
        if new:
            at = self._positions(good, maps)
        at = at.fill_null(NO_POSITION)
        dims = self.dimensions

        def number(c: str) -> pl.Series:
            return good.get_column(c).cast(pl.Int64).fill_null(_NO_NUMBER).alias(c)

        codes = {
            "kind": dims["kinds"].codes(pl.DataFrame([
                at.get_column("date_precision"), number("type_of_violence"),
                at.get_column("event_type")]), self._describe_kinds),
            "place": dims["places"].codes(at.select(
                "country", "country_name", "province_raw", "district_raw", "location"),
                self._describe_places),
            "side_a": dims["sides"].codes(pl.DataFrame([
                at.get_column("side_a").alias("name"), number("side_a_id").alias("id")]),
                self._describe_sides),
            "side_b": dims["sides"].codes(pl.DataFrame([
                at.get_column("side_b").alias("name"), number("side_b_id").alias("id")]),
                self._describe_sides),
        }
        return good.select([
            codes[c].alias(c) if c in codes
            else pl.col("_line").alias(c) if c == "file_line"
            else pl.col(c).cast(pl.Int32) if c in ("dyad_id", "best", "low", "high")
            else pl.col(c)
            for c in BLOCK_COLUMNS])

    def take_new(self) -> dict[str, pl.DataFrame]:
        """Each dimension's rows coded since the last call."""
        return {t: d.take_new() for t, d in self.dimensions.items()}

    @staticmethod
    def _positions(good: pl.DataFrame, maps: dict[str, DistinctMap]) -> pl.DataFrame:
        return good.select(dmap.position(pl.col(c)).alias(c) for c, dmap in maps.items())

    # -- the columns of combinations not seen before (a few per block) ---------------------
    def _describe_kinds(self, keys: pl.DataFrame) -> pl.DataFrame:
        tov = [None if v == _NO_NUMBER else v for v in keys.get_column("type_of_violence")]
        return _frame("kinds", [
            _gather(self.given["date_precision"].values, keys.get_column("date_precision")),
            pl.Series(tov, dtype=pl.Int8),
            _gather(self.given["event_type"].values, keys.get_column("event_type"))])

    def _describe_places(self, keys: pl.DataFrame) -> pl.DataFrame:
        at_prov, at_dist = keys.get_column("province_raw"), keys.get_column("district_raw")
        prov, dist = self.provinces, self.districts
        fata = (_output(prov, "fata", at_prov)
                | (_output(prov, "kp", at_prov) & _output(dist, "merged", at_dist)))
        return _frame("places", [
            _gather(self.given["country"].values, keys.get_column("country")),
            _gather(self.given["country_name"].values, keys.get_column("country_name")),
            _output(prov, "province", at_prov), fata,
            _gather(prov.values, at_prov), _output(dist, "district", at_dist),
            _gather(self.given["location"].values, keys.get_column("location"))])

    def _describe_sides(self, keys: pl.DataFrame) -> pl.DataFrame:
        ids = [None if v == _NO_NUMBER else v for v in keys.get_column("id").to_list()]
        by_name = _output(self.names, "actor", keys.get_column("name")).to_list()
        by_id = self.resolver.by_ucdp
        actors = [by_id.get(i, n) if i is not None else n
                  for i, n in zip(ids, by_name, strict=True)]
        return _frame("sides", [_gather(self.names.values, keys.get_column("name")),
                                pl.Series(ids, dtype=pl.Int32),
                                pl.Series(actors, dtype=pl.String)])


def _frame(table: str, columns: list[pl.Series]) -> pl.DataFrame:
    return pl.DataFrame({c: s for c, s in zip(DIMENSIONS[table], columns, strict=True)})


def _index(at: pl.Series) -> pl.Series:
    """Positions with the missing-text key as null (a gather then gives null)."""
    return at.to_frame("p").select(
        pl.when(pl.col("p") == NO_POSITION).then(None).otherwise(pl.col("p"))).to_series()


def _gather(values: pl.Series, at: pl.Series) -> pl.Series:
    return values.gather(_index(at))


def _output(dmap: DistinctMap, name: str, at: pl.Series) -> pl.Series:
    """A map's output at positions ``at``; a missing text gets what the output gives it."""
    out = dmap.results[name].gather(_index(at))
    missing: Any = dmap.for_null[name]
    return out if missing is None else out.fill_null(missing)
