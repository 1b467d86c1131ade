"""The knowledge base: scenario schema, loading and validation, as-of queries, graph export."""

from sarhad.kb.dates import FuzzyDate, counts_as_of, parse_as_of
from sarhad.kb.graph import export_graph, to_networkx
from sarhad.kb.loader import DEFAULT_SCENARIO, bundled_scenarios, load_scenario
from sarhad.kb.query import (
    actor_json,
    changes_between,
    descendants,
    regime_dates,
    relation_json,
    relations_as_of,
)
from sarhad.kb.schema import Actor, Relation, Scenario, SourceRef, SystemEvent

__all__ = [
    "DEFAULT_SCENARIO",
    "Actor",
    "FuzzyDate",
    "Relation",
    "Scenario",
    "SourceRef",
    "SystemEvent",
    "actor_json",
    "bundled_scenarios",
    "changes_between",
    "counts_as_of",
    "descendants",
    "export_graph",
    "load_scenario",
    "parse_as_of",
    "regime_dates",
    "relation_json",
    "relations_as_of",
    "to_networkx",
]
