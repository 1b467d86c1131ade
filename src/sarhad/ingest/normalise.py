"""Canonical rows -> store rows: places normalised, sides resolved to the scenario's actors,
text columns coded into the store's dictionary of texts.

One :class:`Normaliser` serves every block of one ingest, so each distinct province, district
and side name is normalised once per file (:class:`~sarhad.ingest.distinct.DistinctMap`), not
once per block, and its code is looked up once (:class:`~sarhad.ingest.labels.Labels`). The
rules themselves live in :mod:`sarhad.ingest.places` and :mod:`sarhad.ingest.actors`.
"""

from __future__ import annotations

import polars as pl

from sarhad.ingest import places
from sarhad.ingest.actors import resolver
from sarhad.ingest.distinct import DistinctMap
from sarhad.ingest.labels import Labels
from sarhad.kb.schema import Scenario
from sarhad.store import CODED_COLUMNS, INT32_COLUMNS, ROW_COLUMNS

#: coded columns taken as the adapter gives them (the others are derived here)
_AS_GIVEN = ("date_precision", "country", "country_name", "location", "event_type")

#: the columns a checked block hands to the store (source and ingest id are per ingest)
BLOCK_COLUMNS = [c for c in ROW_COLUMNS if c not in ("source", "ingest_id")]

class Normaliser:
    """Places, actors and codes for the blocks of one ingest, resolved against ``scenario``;
    ``labels`` is the store's dictionary of texts."""

    def __init__(self, scenario: Scenario, labels: Labels) -> None:
        self.resolver = resolver(scenario)
        self.labels = labels
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
        actor_of_id = self.resolver.by_ucdp
        codes = labels.codes(pl.Series(list(actor_of_id.values()), dtype=pl.String))
        self._actor_code_of_id = dict(zip(actor_of_id, codes.to_list(), strict=True))

    def rows(self, good: pl.DataFrame) -> pl.DataFrame:
        """Checked canonical rows (the ones to store) -> :data:`BLOCK_COLUMNS`: places
        normalised, sides resolved, ``former_fata`` and ``file_line`` set, every coded column
        as its code into the store's dictionary of texts.

        Two parallel selects: every text column's position among its map's known values
        (values new in this block learnt in between), then every output gathered."""
        maps = {"province_raw": self.provinces, "district_raw": self.districts,
                "side_a": self.names, "side_b": self.names, **self.given}
        at = good.select(dmap.position(pl.col(c)).alias(c) for c, dmap in maps.items())
        new = [c for c in maps if at.get_column(c).null_count() > good.get_column(c).null_count()]
        for c in new:
            maps[c].learn(good.get_column(c).filter(at.get_column(c).is_null()))
        if new:
            at = good.select(dmap.position(pl.col(c)).alias(c) for c, dmap in maps.items())
        pos = {c: pl.lit(at.get_column(c)) for c in maps}
        lab = self.labels

        def code(c: str, dmap: DistinctMap, output: str | None = None) -> pl.Expr:
            return pl.lit(lab.table(dmap, output)).gather(pos[c])

        made = {
            "former_fata": (self.provinces.output("fata", pos["province_raw"])
                            | (self.provinces.output("kp", pos["province_raw"])
                               & self.districts.output("merged", pos["district_raw"]))),
            "file_line": pl.col("_line"),
            "province_code": code("province_raw", self.provinces, "province"),
            "province_raw_code": code("province_raw", self.provinces),
            "district_code": code("district_raw", self.districts, "district"),
            "side_a_code": code("side_a", self.names),
            "side_b_code": code("side_b", self.names),
            # the resolved actor: by UCDP id (and its group), else by name or alias
            "side_a_actor_code": self._by_id(pl.col("side_a_id")).fill_null(
                code("side_a", self.names, "actor")),
            "side_b_actor_code": self._by_id(pl.col("side_b_id")).fill_null(
                code("side_b", self.names, "actor")),
            **{f"{c}_code": code(c, self.given[c]) for c in _AS_GIVEN},
        }
        made.update({c: pl.col(c).cast(pl.Int32) for c in INT32_COLUMNS})
        assert {f"{c}_code" for c in CODED_COLUMNS} <= set(made)
        return good.select([made[c].alias(c) if c in made else pl.col(c)
                            for c in BLOCK_COLUMNS])

    def _by_id(self, ids: pl.Expr) -> pl.Expr:
        """Code of the actor a UCDP actor id (or its group) is listed for, else null."""
        return ids.replace_strict(self._actor_code_of_id, default=None, return_dtype=pl.Int32)

