"""Load, layer and validate scenario files, reporting every problem at once with file and line.

Layering (``--scenario base.yaml --scenario update.yaml``): files are read in order and merged.

* ``scenario``, ``negotiation``, ``simulation``: mappings; a later file's keys replace earlier ones.
* ``actors``, ``relations``, ``events`` (keyed by ``id``) and ``references`` (keyed by ``key``):
  an item whose id is new is added; an item whose id exists patches it field by field, so an
  update file can close a relation with just ``{id: ..., end: 2022-03}``. Within one file an id
  may appear only once.

A bundled scenario name (``pakistan_ttp_2021``) stands for its directory of YAML files, read in
file-name order; a directory path works the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sarhad.errors import Problem, SarhadError, ValidationFailed
from sarhad.kb.dates import FuzzyDate, end_before_start
from sarhad.kb.schema import (
    PARAGRAPH_REF,
    Actor,
    Reference,
    Relation,
    Scenario,
    ScenarioMeta,
    SystemEvent,
)
from sarhad.kb.yamlio import LineMap, YamlRefused, load_yaml_file

DEFAULT_SCENARIO = "pakistan_ttp_2021"

KEYED_SECTIONS: dict[str, tuple[str, type[BaseModel]]] = {
    "references": ("key", Reference),
    "actors": ("id", Actor),
    "relations": ("id", Relation),
    "events": ("id", SystemEvent),
}
MAPPING_SECTIONS = ("scenario", "negotiation", "simulation")
TOP_LEVEL = (*MAPPING_SECTIONS, *KEYED_SECTIONS)
NO_SOURCE = ("no source: cite at least one paragraph (e.g. ref: P05) or reference, with a "
             "one-line note")


def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped inside the package."""
    root = resources.files("sarhad") / "scenarios"
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))


def resolve_scenario_paths(specs: Sequence[str | Path] | None) -> list[Path]:
    """Turn ``--scenario`` values (bundled names, files or directories) into YAML file paths."""
    specs = list(specs) if specs else [DEFAULT_SCENARIO]
    paths: list[Path] = []
    for spec in specs:
        p = Path(spec)
        if p.is_dir():
            files = sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml"))
            if not files:
                raise SarhadError(f"{p}: directory holds no .yaml scenario files")
            paths.extend(files)
        elif p.is_file():
            paths.append(p)
        elif isinstance(spec, str) and spec in bundled_scenarios():
            root = Path(str(resources.files("sarhad") / "scenarios" / spec))
            paths.extend(sorted(root.glob("*.yaml")))
        else:
            names = ", ".join(bundled_scenarios()) or "none"
            raise SarhadError(f"scenario {str(spec)!r} is neither a file, a directory nor a "
                              f"bundled scenario (bundled: {names})")
    return paths


@dataclass
class _Origin:
    """Where an item (and each of its fields) was written."""

    file: str
    path: tuple[Any, ...]
    fields: dict[str, tuple[str, tuple[Any, ...]]] = field(default_factory=dict)


@dataclass
class _Layers:
    lines: dict[str, LineMap] = field(default_factory=dict)
    mappings: dict[str, dict[str, Any]] = field(default_factory=dict)
    mapping_origin: dict[str, dict[str, tuple[str, tuple[Any, ...]]]] = field(default_factory=dict)
    items: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    origins: dict[str, dict[str, _Origin]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def line(self, file: str, path: tuple[Any, ...]) -> int | None:
        lines = self.lines.get(file, {})
        for n in range(len(path), -1, -1):
            if path[:n] in lines:
                return lines[path[:n]]
        return None

    def problem(self, file: str, path: tuple[Any, ...], fld: str, message: str) -> None:
        self.problems.append(Problem(file, self.line(file, path), fld, message))

    def item_problem(self, section: str, item_id: str, fld: str, message: str,
                     sub: tuple[Any, ...] = ()) -> None:
        origin = self.origins[section][item_id]
        top = fld.split(".")[0] if fld else ""
        file, path = origin.fields.get(top, (origin.file, origin.path))
        where = (*path, top, *sub) if top in origin.fields else path
        label = f"{section}[{item_id}].{fld}" if fld else f"{section}[{item_id}]"
        self.problems.append(Problem(file, self.line(file, where), label, message))


def _merge_file(layers: _Layers, file: str, data: Any) -> None:
    if data is None:
        layers.problem(file, (), "", "file is empty; expected a mapping with 'scenario', "
                       "'actors', 'relations', 'events'")
        return
    if not isinstance(data, dict):
        layers.problem(file, (), "", "expected a mapping at the top level, found a "
                       + type(data).__name__)
        return
    for key, value in data.items():
        if key not in TOP_LEVEL:
            layers.problem(file, (key,), str(key), f"unknown section {key!r}; expected one of: "
                           + ", ".join(TOP_LEVEL))
            continue
        if key in MAPPING_SECTIONS:
            if value is None:
                continue
            if not isinstance(value, dict):
                layers.problem(file, (key,), key, "expected a mapping")
                continue
            target = layers.mappings.setdefault(key, {})
            origin = layers.mapping_origin.setdefault(key, {})
            for k, v in value.items():
                target[k] = v
                origin[k] = (file, (key, k))
            continue
        id_key, _ = KEYED_SECTIONS[key]
        if value is None:
            continue
        if not isinstance(value, list):
            layers.problem(file, (key,), key, f"expected a list of {key}")
            continue
        items = layers.items.setdefault(key, {})
        origins = layers.origins.setdefault(key, {})
        seen_here: dict[str, int] = {}
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                layers.problem(file, (key, i), f"{key}[{i}]", "expected a mapping")
                continue
            item_id = item.get(id_key)
            if not isinstance(item_id, str) or not item_id:
                layers.problem(file, (key, i), f"{key}[{i}].{id_key}",
                               f"missing '{id_key}' (every item needs a unique {id_key})")
                continue
            if item_id in seen_here:
                first = layers.line(file, (key, seen_here[item_id]))
                layers.problem(file, (key, i, id_key), f"{key}[{item_id}].{id_key}",
                               f"duplicate {id_key} {item_id!r} (first defined at line {first})")
                continue
            seen_here[item_id] = i
            if item_id in items:  # a later layer patches an earlier item
                items[item_id].update(item)
                for k in item:
                    origins[item_id].fields[k] = (file, (key, i))
            else:
                items[item_id] = dict(item)
                origins[item_id] = _Origin(file, (key, i), {k: (file, (key, i)) for k in item})


def _validate_items(layers: _Layers) -> dict[str, list[Any]]:
    built: dict[str, list[Any]] = {}
    for section, (_, model) in KEYED_SECTIONS.items():
        built[section] = []
        for item_id, raw in layers.items.get(section, {}).items():
            try:
                built[section].append(model.model_validate(raw))
            except ValidationError as err:
                for e in err.errors():
                    loc = tuple(e["loc"])
                    fld = ".".join(str(x) for x in loc)
                    msg = e["msg"].removeprefix("Value error, ")
                    if e["type"] == "extra_forbidden":
                        allowed = ", ".join(model.model_fields)
                        msg = f"unknown field; expected one of: {allowed}"
                    elif e["type"] == "missing":
                        msg = "required field is missing"
                    elif e["type"] == "literal_error":
                        msg = f"got {e.get('input')!r}; {msg}"
                    elif "input" in e and e["type"] != "model_type":
                        msg = f"{msg} (got {e['input']!r})"
                    layers.item_problem(section, item_id, fld, msg, loc[1:])
    return built


def _check_cross_references(layers: _Layers, meta: ScenarioMeta | None,
                            built: dict[str, list[Any]]) -> None:
    actors: list[Actor] = built["actors"]
    relations: list[Relation] = built["relations"]
    events: list[SystemEvent] = built["events"]
    actor_ids = set(layers.items.get("actors", {}))
    relation_ids = set(layers.items.get("relations", {}))
    ref_keys = set(layers.items.get("references", {}))
    knowledge = meta.knowledge_date if meta else None

    def check_sources(section: str, item_id: str, sources: list[Any], required: bool) -> None:
        if required and not sources and section != "relations":  # relations: checked raw
            layers.item_problem(section, item_id, "sources", NO_SOURCE)
        for k, s in enumerate(sources):
            if not PARAGRAPH_REF.match(s.ref) and s.ref not in ref_keys:
                layers.item_problem(section, item_id, f"sources.{k}.ref",
                                    f"unknown source {s.ref!r}; expected a paragraph id such "
                                    "as P05 or a key listed under 'references'", (k, "ref"))

    def check_after_knowledge(section: str, item_id: str, fld: str, date: FuzzyDate) -> None:
        if knowledge and date.earliest is not None and date.earliest > knowledge:
            layers.item_problem(section, item_id, fld,
                                f"{date} is after the scenario's knowledge date {knowledge}; "
                                "a scenario cannot know its future (raise knowledge_date in a "
                                "later layer if the update is real)")

    # reference checks run on the raw items, so an item with another error is still checked
    for item_id, raw in layers.items.get("actors", {}).items():
        parent = raw.get("parent")
        if isinstance(parent, str) and parent not in actor_ids:
            layers.item_problem("actors", item_id, "parent", f"unknown actor id {parent!r}")
    for item_id, raw in layers.items.get("relations", {}).items():
        for fld in ("source", "target"):
            ref = raw.get(fld)
            if isinstance(ref, str) and ref not in actor_ids:
                layers.item_problem("relations", item_id, fld, f"unknown actor id {ref!r}")
        if not raw.get("sources"):
            layers.item_problem("relations", item_id, "sources", NO_SOURCE)
        about = raw.get("about")
        if isinstance(about, str) and about not in relation_ids:
            layers.item_problem("relations", item_id, "about", f"unknown relation id {about!r}")
    for a in actors:
        check_sources("actors", a.id, a.sources, required=False)
    parents = {a.id: a.parent for a in actors}
    for a in actors:
        seen, cur = {a.id}, parents.get(a.id)
        while cur is not None:
            if cur in seen:
                layers.item_problem("actors", a.id, "parent", "parents form a cycle")
                break
            seen.add(cur)
            cur = parents.get(cur)
    for r in relations:
        if r.source == r.target:
            layers.item_problem("relations", r.id, "target", "source and target are the same actor")
        if end_before_start(r.start, r.end):
            layers.item_problem("relations", r.id, "end",
                                f"end ({r.end}) is before start ({r.start})")
        check_sources("relations", r.id, r.sources, required=True)
        check_after_knowledge("relations", r.id, "start", r.start)
        check_after_knowledge("relations", r.id, "end", r.end)
    for e in events:
        if e.start.is_open:
            layers.item_problem("events", e.id, "start", "an event needs a start date")
        for a_id in e.actors:
            if a_id not in actor_ids:
                layers.item_problem("events", e.id, "actors", f"unknown actor id {a_id!r}")
        if end_before_start(e.start, e.end):
            layers.item_problem("events", e.id, "end", f"end ({e.end}) is before start ({e.start})")
        check_sources("events", e.id, e.sources, required=True)
        check_after_knowledge("events", e.id, "start", e.start)
        check_after_knowledge("events", e.id, "end", e.end)


def load_scenario(specs: Sequence[str | Path] | None = None) -> Scenario:
    """Load and validate one or more layered scenario files (default: the bundled scenario).

    Raises :class:`~sarhad.errors.ValidationFailed` listing every problem with file and line.
    """
    paths = resolve_scenario_paths(specs)
    layers = _Layers()
    for path in paths:
        file = str(path)
        try:
            data, lines = load_yaml_file(path)
        except YamlRefused as err:
            layers.problems.append(err.problem)
            layers.refused.append(file)
            continue
        layers.lines[file] = lines
        _merge_file(layers, file, data)

    meta: ScenarioMeta | None = None
    raw_meta = layers.mappings.get("scenario")
    if raw_meta is None:
        if not layers.refused:  # a refused file's own error says enough
            layers.problems.append(Problem(str(paths[0]), 1, "scenario",
                                           "missing 'scenario' section (name, title, "
                                           "knowledge_date)"))
    else:
        try:
            meta = ScenarioMeta.model_validate(raw_meta)
        except ValidationError as err:
            for e in err.errors():
                key = str(e["loc"][0]) if e["loc"] else ""
                where_file, where = layers.mapping_origin["scenario"].get(
                    key, (str(paths[0]), ("scenario",)))
                msg = "required field is missing" if e["type"] == "missing" else e["msg"]
                layers.problem(where_file, where, f"scenario.{key}", msg)

    built = _validate_items(layers)
    _check_cross_references(layers, meta, built)
    if layers.problems:
        raise ValidationFailed(layers.problems)
    assert meta is not None
    return Scenario(
        scenario=meta,
        references=built["references"],
        actors=built["actors"],
        relations=built["relations"],
        events=built["events"],
        negotiation=layers.mappings.get("negotiation"),
        simulation=layers.mappings.get("simulation"),
        files=tuple(str(p) for p in paths),
    )


def section_line(scenario: Scenario, section: str,
                 key: Iterable[Any] = ()) -> tuple[str, int | None]:
    """File and line of ``section.key...`` in the layered files, for stages that validate the
    optional sections (``negotiation``, ``simulation``) and want to point at a line.

    Later layers override earlier ones, so the last file that writes the exact key wins; failing
    that, the deepest enclosing key found."""
    path = (section, *key)
    best: tuple[str, int | None] = (scenario.files[0] if scenario.files else "", None)
    best_depth = 0
    for file in reversed(scenario.files):
        try:
            _, lines = load_yaml_file(Path(file))
        except YamlRefused:
            continue
        if path in lines:
            return file, lines[path]
        for n in range(len(path) - 1, best_depth, -1):
            if path[:n] in lines:
                best, best_depth = (file, lines[path[:n]]), n
                break
    return best


def today_in(scenario: Scenario) -> dt.date:
    """The default as-of date: the scenario's own knowledge date."""
    return scenario.knowledge_date
