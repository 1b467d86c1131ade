"""Brief section: the map of the system as of a date — who is who, who shelters, backs,
negotiates with or fights whom, and what changed recently — every line with its sources."""

from __future__ import annotations

import datetime as dt

import altair as alt
import networkx as nx

from sarhad.kb.query import changes_between, descendants, is_certain, regime_dates, relations_as_of
from sarhad.kb.schema import Relation, Scenario
from sarhad.kb.vocabulary import RELATION_TYPES, THEMES
from sarhad.months import shift_date
from sarhad.report import plots
from sarhad.report.brief import BriefContext
from sarhad.report.doc import Bullets, Callout, Figure, Para, Section, Table

KIND_LABEL = {
    "state": "state", "state-branch": "branch of the state", "armed-group": "armed group",
    "faction": "faction", "person": "person", "foreign-state": "foreign state",
    "international-organisation": "international organisation", "community": "community",
    "other": "other",
}


def _name(scenario: Scenario, actor_id: str) -> str:
    return scenario.actor(actor_id).label


def relation_sentence(scenario: Scenario, r: Relation) -> str:
    """Plain-language sentence for a relation, e.g. 'Afghan Taliban gives TTP sanctuary'."""
    text = RELATION_TYPES[r.type].phrase.format(s=_name(scenario, r.source),
                                                t=_name(scenario, r.target), type=r.type)
    return text[0].upper() + text[1:]


def _full(scenario: Scenario, actor_id: str) -> str:
    return scenario.actor(actor_id).name


def _when(r: Relation, day: dt.date) -> str:
    parts = []
    if r.start.precision == "range":
        parts.append(f"began between {r.start.label().replace('–', ' and ')}")
    elif not r.start.is_open:
        parts.append(f"since {r.start.label()}")
    if r.end.precision == "range":
        parts.append(f"ended between {r.end.label().replace('–', ' and ')}")
    elif not r.end.is_open:
        parts.append(f"until {r.end.label()}")
    if not is_certain(r, day):
        parts.append("may not hold yet on this day")
    parts.append(f"{r.confidence} confidence")
    return "; ".join(parts)


def _relation_para(scenario: Scenario, r: Relation, day: dt.date) -> Para:
    text = f"{relation_sentence(scenario, r)} ({_when(r, day)})."
    if r.note:
        text += f" {r.note}"
    return Para(text, tuple(s.ref for s in r.sources))


def actor_groups(scenario: Scenario) -> list[Para]:
    """One line per top-level actor: what it is, its role, and the factions, branches and
    people under it."""
    children: dict[str, list[str]] = {}
    for a in scenario.actors:
        if a.parent:
            children.setdefault(a.parent, []).append(a.id)

    def below(actor_id: str) -> list[str]:
        out: list[str] = []
        for c in children.get(actor_id, []):
            out.append(c)
            out.extend(below(c))
        return out

    lines = []
    for a in scenario.actors:
        if a.parent is not None:
            continue
        text = f"{a.name} — {KIND_LABEL.get(a.kind, a.kind)}."  # full names in the roster
        if a.description:
            text += f" {a.description}"
        sub = [scenario.actor(c) for c in below(a.id)]
        groups = [x.name for x in sub if x.kind != "person"]
        people = [f"{x.name} ({x.description.rstrip('.')})" if x.description else x.name
                  for x in sub if x.kind == "person"]
        if groups:
            text += f" Parts and factions: {', '.join(groups)}."
        if people:
            text += f" People: {'; '.join(people)}."
        cites = sorted({s.ref for x in (a, *sub) for s in x.sources})
        lines.append(Para(text, tuple(cites)))
    return lines


THEME_COLOURS = {"backing": "#2f7d7d", "talks": "#c9862b", "violence": "#a23b3b",
                 "structure": "#888888"}


def network_figure(scenario: Scenario, day: dt.date) -> Figure:
    """The relations of the day as a network: node colour = kind, edge colour = theme."""
    rels = [r for r in relations_as_of(scenario, day)
            if RELATION_TYPES[r.type].theme != "structure"]
    g = nx.Graph()
    for r in rels:
        g.add_edge(r.source, r.target)
    if g.number_of_nodes() == 0:
        return Figure("<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'></svg>",
                      "No relations hold on this day.")
    pos = nx.kamada_kawai_layout(g) if g.number_of_nodes() > 2 else nx.circular_layout(g)
    nodes = [{"x": float(pos[n][0]), "y": float(pos[n][1]), "name": _name(scenario, n),
              "kind": KIND_LABEL.get(scenario.actor(n).kind, "other")} for n in g.nodes]
    # one line per pair of actors, labelled with all its relation types, so parallel
    # relations (war, talks, cease-fire between Pakistan and the TTP) stay readable
    by_pair: dict[tuple[str, str], list[Relation]] = {}
    for r in rels:
        by_pair.setdefault(tuple(sorted((r.source, r.target))), []).append(r)  # type: ignore[arg-type]
    edges = []
    for (a, b), group in by_pair.items():
        (x, y), (x2, y2) = pos[a], pos[b]
        themes_here = [RELATION_TYPES[r.type].theme for r in group]
        theme = max(("violence", "talks", "backing"), key=themes_here.count)
        edges.append({"x": float(x), "y": float(y), "x2": float(x2), "y2": float(y2),
                      "theme": THEMES[theme], "type": ", ".join(sorted({r.type for r in group})),
                      "mx": float((x + x2) / 2), "my": float((y + y2) / 2)})
    scale_x = alt.Scale(domain=[-1.25, 1.25])
    scale_y = alt.Scale(domain=[-1.15, 1.15])
    no_axis = alt.Axis(labels=False, ticks=False, title=None, grid=False, domain=False)
    themes = [THEMES[t] for t in ("backing", "talks", "violence")]
    edge_layer = alt.Chart(plots.data(edges)).mark_rule(strokeWidth=2, opacity=0.7).encode(
        x=alt.X("x:Q", scale=scale_x, axis=no_axis), y=alt.Y("y:Q", scale=scale_y, axis=no_axis),
        x2="x2:Q", y2="y2:Q",
        color=alt.Color("theme:N", scale=alt.Scale(domain=themes, range=[
            THEME_COLOURS["backing"], THEME_COLOURS["talks"], THEME_COLOURS["violence"]]),
            legend=alt.Legend(title="relation", orient="bottom", labelLimit=320)))
    edge_labels = alt.Chart(plots.data(edges)).mark_text(fontSize=9, color="#666").encode(
        x="mx:Q", y="my:Q", text="type:N")
    node_layer = alt.Chart(plots.data(nodes)).mark_circle(size=260, opacity=1).encode(
        x="x:Q", y="y:Q", color=alt.Color("kind:N", scale=alt.Scale(range=plots.PALETTE),
                                          legend=alt.Legend(title="actor", orient="bottom")))
    labels = alt.Chart(plots.data(nodes)).mark_text(dy=-14, fontSize=11, fontWeight="bold").encode(
        x="x:Q", y="y:Q", text="name:N")
    chart = (edge_layer + edge_labels + node_layer + labels).properties(
        width=900, height=560).resolve_scale(color="independent").configure_view(stroke=None)
    return Figure(plots.to_svg(chart),
                  f"Relations that hold on {day:%-d %b %Y}; leadership, faction and merger ties "
                  "are listed below, not drawn.",
                  alt="Network of actors and their relations")


def build(ctx: BriefContext) -> list[Section]:
    scenario, day = ctx.scenario, ctx.as_of
    rels = relations_as_of(scenario, day)
    meta = scenario.scenario

    overview = Section(key="system", title="The system at a glance",
                       lead=meta.description)
    ttp = "ttp" if "ttp" in scenario.actor_ids else None
    bullets = [Para(f"{len(scenario.actors)} actors and {len(rels)} relations hold on "
                    f"{day:%-d %b %Y} ({len(scenario.relations)} relations in the scenario "
                    "across all dates).")]
    if ttp:
        sheltering = [r for r in relations_as_of(scenario, day, type="sanctuary")
                      if r.target in descendants(scenario, ttp)]
        if sheltering:
            who = sorted({_name(scenario, r.source) for r in sheltering})
            bullets.append(Para(f"Sanctuary for the TTP: {', '.join(who)}.",
                                tuple(sorted({s.ref for r in sheltering for s in r.sources}))))
        else:
            bullets.append(Para("No actor is recorded as giving the TTP sanctuary on this day."))
    if day > meta.knowledge_date:
        overview.blocks.append(Callout(
            f"The as-of date is after the scenario's knowledge date ({meta.knowledge_date}); "
            "relations shown are those known then, not what happened since.", tone="warning"))
    overview.blocks.append(Bullets(tuple(bullets)))
    if not ctx.fast:
        overview.blocks.append(network_figure(scenario, day))
    overview.data = {"as_of": day.isoformat(), "relations_holding": len(rels),
                     "actors": len(scenario.actors)}

    actors = Section(key="actors", title="Who the actors are",
                     blocks=[Bullets(tuple(actor_groups(scenario)))],
                     data={"actors": [a.id for a in scenario.actors]})

    relations = Section(key="relations", title="Who shelters, backs, talks to or fights whom")
    for theme in ("backing", "talks", "violence", "structure"):
        in_theme = [r for r in rels if RELATION_TYPES[r.type].theme == theme]
        if not in_theme:
            continue
        relations.blocks.append(Para(THEMES[theme], emphasis=True))
        relations.blocks.append(Bullets(tuple(_relation_para(scenario, r, day)
                                              for r in in_theme)))
    relations.data = {"relations": [r.id for r in rels]}

    since = shift_date(day, -ctx.recent_months)
    changes = changes_between(scenario, since, day)
    recent = Section(key="changes",
                     title=f"What changed in the last {ctx.recent_months} months "
                           f"({since:%-d %b %Y} – {day:%-d %b %Y})")
    items = []
    for c in changes:
        if c.event is not None:
            e = c.event
            items.append(Para(f"{e.start.label()}: {e.name}." + (f" {e.note}" if e.note else ""),
                              tuple(s.ref for s in e.sources)))
        elif c.relation is not None:
            r = c.relation
            verb = "began" if c.what == "started" else "ended"
            date = (r.start if c.what == "started" else r.end).label()
            items.append(Para(f"{date}: {verb} — {relation_sentence(scenario, r)}.",
                              tuple(s.ref for s in r.sources)))
    if items:
        recent.blocks.append(Bullets(tuple(items)))
    else:
        recent.blocks.append(Para("Nothing in the scenario started or ended in this window."))
    recent.data = {"since": since.isoformat(), "changes": len(items)}

    regimes = regime_dates(scenario)
    if regimes:
        rows = tuple((e.name, e.kind, e.start.label(), e.end.label() if not e.end.is_open else "")
                     for e in regimes)
        recent.blocks.append(Table(("regime date", "kind", "from", "to"), rows,
                                   caption="Regime dates the models use",
                                   row_cites=tuple(tuple(s.ref for s in e.sources)
                                                   for e in regimes)))
    return [overview, actors, relations, recent]
