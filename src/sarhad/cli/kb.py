"""Commands over the knowledge base: actors, relations, graph, validate, scenarios."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.markup import escape
from rich.table import Table

from sarhad.cli.common import (
    AsOfOpt,
    JsonOpt,
    ScenarioOpt,
    as_of_from,
    console,
    emit_json,
    scenario_from,
    warn_past_knowledge,
)
from sarhad.errors import SarhadError
from sarhad.kb import (
    actor_json,
    bundled_scenarios,
    export_graph,
    load_scenario,
    relation_json,
    relations_as_of,
)
from sarhad.kb.query import is_certain
from sarhad.kb.vocabulary import ACTOR_KINDS, RELATION_TYPES


def actors(
    scenario: ScenarioOpt = None,
    as_of: AsOfOpt = None,
    kind: Annotated[str | None, typer.Option(
        help="Only actors of this kind (state, armed-group, faction, person...).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List the actors: id, name, kind, aliases, parent and UCDP ids.

    The parent is a faction's group or a person's organisation.

    Example: sarhad actors --kind faction
    """
    scn = scenario_from(scenario)
    day = as_of_from(as_of, scn)
    if kind is not None and kind not in ACTOR_KINDS:
        raise SarhadError(f"--kind: unknown kind {kind!r}; expected one of: "
                          + ", ".join(ACTOR_KINDS))
    warn_past_knowledge(scn, day)
    chosen = [a for a in scn.actors if kind is None or a.kind == kind]
    if json_out:
        emit_json([actor_json(a) | {"as_of": day.isoformat()} for a in chosen])
        return
    t = Table(title=f"Actors of {scn.scenario.name} ({len(chosen)})", title_justify="left")
    for col in ("id", "name", "kind", "parent", "ucdp", "aliases"):
        t.add_column(col, overflow="fold")
    for a in chosen:
        t.add_row(a.id, escape(a.name), a.kind, a.parent or "",
                  ",".join(map(str, a.external_ids.ucdp)), escape(", ".join(a.aliases[:4])))
    console.print(t)


def relations(
    scenario: ScenarioOpt = None,
    as_of: AsOfOpt = None,
    actor: Annotated[str | None, typer.Option(
        help="Only relations touching this actor id.")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="Only this relation type "
                                                              "(sanctuary, mediation...).")] = None,
    cites: Annotated[str | None, typer.Option(help="Only relations citing this paragraph "
                                                   "(e.g. P16) or reference key.")] = None,
    factions: Annotated[bool, typer.Option("--factions/--no-factions",
                                           help="With --actor, include its factions, leaders "
                                                "and branches.")] = False,
    ever: Annotated[bool, typer.Option("--ever", help="Ignore dates: every relation the "
                                                      "scenario holds, past or present.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Relations that hold as of a date, with dates and sources.

    A relation holds on day D when it may have started by D and has not certainly ended by D
    (start <= D < end on the JSON fields). Examples:

      sarhad relations --type sanctuary --actor ttp

      sarhad relations --type mediation --as-of 2021-11-15

      sarhad relations --cites P16
    """
    scn = scenario_from(scenario)
    day = as_of_from(as_of, scn)
    if actor is not None and actor not in scn.actor_ids:
        raise SarhadError(f"--actor: unknown actor id {actor!r}; see 'sarhad actors'")
    if type_ is not None and type_ not in RELATION_TYPES:
        raise SarhadError(f"--type: unknown relation type {type_!r}; expected one of: "
                          + ", ".join(RELATION_TYPES))
    warn_past_knowledge(scn, day)
    if ever:
        found = [r for r in scn.relations
                 if (actor is None or actor in (r.source, r.target))
                 and (type_ is None or r.type == type_)
                 and (cites is None or any(s.ref == cites for s in r.sources))]
    else:
        found = relations_as_of(scn, day, actor=actor, type=type_, cites=cites,
                                include_descendants=factions)
    if json_out:
        emit_json([relation_json(r, day) for r in found])
        return
    title = "every date" if ever else f"as of {day}"
    t = Table(title=f"Relations, {title} ({len(found)})", title_justify="left")
    for col in ("source", "type", "target", "from", "to", "conf.", "sources"):
        t.add_column(col, overflow="fold")
    for r in found:
        mark = "" if ever or is_certain(r, day) else " ?"
        t.add_row(r.source, r.type, r.target, r.start.label(), r.end.label() + mark,
                  r.confidence, " ".join(s.ref for s in r.sources))
    console.print(t)
    if not found:
        console.print("No relation matches. Try another --as-of, or --ever for all dates.")


def graph(
    scenario: ScenarioOpt = None,
    as_of: AsOfOpt = None,
    format_: Annotated[Literal["json", "graphml", "dot"],
                       typer.Option("--format", help="json (nodes/edges), graphml (Gephi, yEd) "
                                                     "or dot (Graphviz).")] = "json",
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of "
                                                  "standard output.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Export the network of actors and relations as of a date (JSON, GraphML, DOT).

    Example: sarhad graph --format dot --out ttp.dot && dot -Tpng ttp.dot > ttp.png
    """
    scn = scenario_from(scenario)
    day = as_of_from(as_of, scn)
    fmt = "json" if json_out else format_
    text = export_graph(scn, day, fmt)
    if out is None:
        print(text)
        return
    try:
        out.write_text(text + "\n", encoding="utf-8")
    except OSError as err:
        raise SarhadError(f"{out}: cannot write ({err.strerror})") from None
    console.print(f"Wrote {fmt} graph as of {day} to {out}")


def validate(
    files: Annotated[list[str], typer.Argument(help="Scenario files or directories, layered "
                                                    "in the order given.")],
    json_out: JsonOpt = False,
) -> None:
    """Check scenario files: every problem at once, with file, line and field.

    Exit code 0 when valid, 2 when not. Example: sarhad validate base.yaml update.yaml
    """
    scn = load_scenario(files)
    summary = {"valid": True, "files": list(scn.files), "actors": len(scn.actors),
               "relations": len(scn.relations), "events": len(scn.events),
               "knowledge_date": scn.knowledge_date.isoformat()}
    if json_out:
        emit_json(summary)
        return
    console.print(f"[green]valid[/]: {len(scn.files)} file(s), {len(scn.actors)} actors, "
                  f"{len(scn.relations)} relations, {len(scn.events)} events, knowledge to "
                  f"{scn.knowledge_date}")


def scenarios(json_out: JsonOpt = False) -> None:
    """List the scenarios bundled with sarhad."""
    rows: list[dict[str, str | list[str]]] = []
    for name in bundled_scenarios():
        scn = load_scenario([name])
        rows.append({"name": name, "title": scn.scenario.title,
                     "knowledge_date": scn.knowledge_date.isoformat(),
                     "files": [Path(f).name for f in scn.files]})
    if json_out:
        emit_json(rows)
        return
    for r in rows:
        console.print(f"[bold]{r['name']}[/] — {escape(str(r['title']))} (knowledge to "
                      f"{r['knowledge_date']}; files: {', '.join(r['files'])})")


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel="Map the system")(actors)
    app.command(rich_help_panel="Map the system")(relations)
    app.command(rich_help_panel="Map the system")(graph)
    app.command(rich_help_panel="Map the system")(validate)
    app.command(rich_help_panel="Map the system")(scenarios)
