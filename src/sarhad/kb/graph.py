"""The scenario as a graph as of a date: networkx for analysis, JSON / GraphML / DOT for tools."""

from __future__ import annotations

import datetime as dt
import json
from typing import Literal

import networkx as nx

from sarhad.kb.query import actor_json, relation_json, relations_as_of
from sarhad.kb.schema import Scenario

GraphFormat = Literal["json", "graphml", "dot"]


def to_networkx(scenario: Scenario, day: dt.date) -> nx.MultiDiGraph:
    """Actors as nodes, relations that count as of ``day`` as keyed edges."""
    g = nx.MultiDiGraph(name=scenario.scenario.name, as_of=day.isoformat())
    for a in scenario.actors:
        g.add_node(a.id, name=a.name, kind=a.kind, parent=a.parent or "")
    for r in relations_as_of(scenario, day):
        g.add_edge(r.source, r.target, key=r.id, type=r.type, confidence=r.confidence,
                   start=r.start.earliest.isoformat() if r.start.earliest else "",
                   end=r.end.latest.isoformat() if r.end.latest else "",
                   sources=" ".join(s.ref for s in r.sources))
    return g


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def export_graph(scenario: Scenario, day: dt.date, fmt: GraphFormat) -> str:
    """Serialise the as-of graph. ``json`` is ``{"nodes": [...], "edges": [...]}`` with the same
    fields as ``sarhad actors/relations --json``."""
    if fmt == "json":
        rels = relations_as_of(scenario, day)
        doc = {
            "scenario": scenario.scenario.name,
            "as_of": day.isoformat(),
            "nodes": [actor_json(a) for a in scenario.actors],
            "edges": [relation_json(r, day) for r in rels],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False)
    g = to_networkx(scenario, day)
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(g))
    lines = [f"digraph {_dot_quote(scenario.scenario.name)} {{", "  rankdir=LR;"]
    for node, data in g.nodes(data=True):
        lines.append(f"  {_dot_quote(node)} [label={_dot_quote(data['name'])}, "
                     f"kind={_dot_quote(data['kind'])}];")
    for u, v, key, data in g.edges(keys=True, data=True):
        lines.append(f"  {_dot_quote(u)} -> {_dot_quote(v)} [key={_dot_quote(key)}, "
                     f"label={_dot_quote(data['type'])}, sources={_dot_quote(data['sources'])}];")
    lines.append("}")
    return "\n".join(lines)
