"""Who did it: the sides of each event resolved to the scenario's actors.

Order of evidence, strongest first:

1. a UCDP actor id listed in an actor's ``external_ids.ucdp``;
2. a UCDP actor whose ``ActorIdGroup`` (UCDP Actor Dataset 22.1, bundled) is so listed: UCDP
   codes factions to their parent group, e.g. Jamaat-ul-Ahrar (5928) and Lashkar-e-Islam (399)
   to the TTP (356), so a faction without its own scenario actor counts for its group;
3. the side's name matched to an actor's name or alias, ignoring case, spacing and
   punctuation (how ACLED and GTD strings are resolved).

Unmatched names stay null and are reported by event count after each ingest, so a user knows
which aliases to add to the scenario.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import polars as pl

from sarhad.kb.schema import Scenario


def name_key(expr: pl.Expr) -> pl.Expr:
    """Lower case, punctuation and runs of spaces folded to one space."""
    return (expr.str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]+", " ").str.strip_chars())


def key_of(name: str) -> str:
    """``name_key`` for one Python string (``[\\W_]`` is Python's 'not a letter or digit')."""
    return re.sub(r"[\W_]+", " ", name.lower()).strip()


@cache
def ucdp_groups() -> dict[int, tuple[int, ...]]:
    """UCDP ActorId -> the ActorIdGroup ids it belongs to (bundled UCDP Actor Dataset 22.1)."""
    path = resources.files("sarhad.data").joinpath("ucdp_actors_22.1.parquet")
    with resources.as_file(path) as p:
        frame = pl.read_parquet(p, columns=["ActorId", "ActorIdGroup"])
    out: dict[int, tuple[int, ...]] = {}
    for actor_id, groups in frame.drop_nulls("ActorIdGroup").iter_rows():
        ids = tuple(int(g) for g in str(groups).replace(";", ",").split(",") if g.strip())
        if ids:
            out[int(actor_id)] = ids
    return out


@cache
def ucdp_names() -> dict[int, str]:
    path = resources.files("sarhad.data").joinpath("ucdp_actors_22.1.parquet")
    with resources.as_file(path) as p:
        frame = pl.read_parquet(p, columns=["ActorId", "NameData"])
    return {int(a): n for a, n in frame.iter_rows()}


@dataclass(frozen=True)
class ActorResolver:
    """Lookup tables built once from a scenario; ``expr`` applies them to a whole column."""

    by_ucdp: dict[int, str]
    by_name: dict[str, str]
    fingerprint: str

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> ActorResolver:
        direct: dict[int, str] = {}
        names: dict[str, str] = {}
        for actor in scenario.actors:
            for uid in actor.external_ids.ucdp:
                direct.setdefault(int(uid), actor.id)
            for n in (actor.name, *actor.aliases):
                k = key_of(n)
                if k:
                    names.setdefault(k, actor.id)   # first actor listing a name keeps it
        by_ucdp = dict(direct)
        groups = ucdp_groups()
        for uid in groups:
            if uid in by_ucdp:
                continue
            # walk up the group links (a faction of a faction) until a listed actor is found
            frontier, seen = list(groups[uid]), {uid}
            while frontier:
                g = frontier.pop(0)
                if g in seen:
                    continue
                seen.add(g)
                if g in direct:
                    by_ucdp[uid] = direct[g]
                    break
                frontier.extend(groups.get(g, ()))
        blob = json.dumps([sorted(by_ucdp.items()), sorted(names.items()),
                           sorted((a.id, a.parent or "") for a in scenario.actors)])
        return cls(by_ucdp, names, hashlib.sha256(blob.encode()).hexdigest()[:16])

    def expr(self, ucdp_id: pl.Expr, name: pl.Expr) -> pl.Expr:
        """Resolved actor id: by UCDP id (and its group), else by name; null when unknown."""
        by_id = ucdp_id.replace_strict(self.by_ucdp, default=None, return_dtype=pl.String)
        return pl.coalesce(by_id, self.name_expr(name))

    def name_expr(self, name: pl.Expr) -> pl.Expr:
        """Actor id by name or alias alone."""
        return name_key(name).replace_strict(self.by_name, default=None,
                                             return_dtype=pl.String)


_CACHE: dict[int, tuple[Scenario, ActorResolver]] = {}


def resolver(scenario: Scenario) -> ActorResolver:
    """Cached per scenario object (scenarios are frozen; the cache keeps each one alive, so its
    ``id`` cannot be reused by another)."""
    hit = _CACHE.get(id(scenario))
    if hit is None or hit[0] is not scenario:
        hit = (scenario, ActorResolver.from_scenario(scenario))
        _CACHE[id(scenario)] = hit
    return hit[1]
