"""The situation brief (``sarhad brief``): the main job of sarhad.

The brief is assembled from sections, one module per capability under
:mod:`sarhad.report.sections`, in the order of the data flow: the system map, the event record,
the mechanisms tested against data, the forecasts, the negotiation model and the simulated
strategies. Each section builder takes a :class:`BriefContext` and returns zero or more
:class:`~sarhad.report.doc.Section`; a builder that cannot run (no data loaded, say) returns a
section that says so rather than failing the whole brief.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sarhad.kb.schema import Scenario
from sarhad.report.doc import Callout, Document, Section


@dataclass
class BriefContext:
    """What every section may use. ``cache`` lets sections share results (e.g. a loaded store)."""

    scenario: Scenario
    as_of: dt.date
    db: Path | None = None
    seed: int = 20211231
    recent_months: int = 6
    fast: bool = False
    cache: dict[str, Any] = field(default_factory=dict)


SectionBuilder = Callable[[BriefContext], list[Section]]


def section_builders() -> list[tuple[str, SectionBuilder]]:
    """The registry, in the order sections appear."""
    from sarhad.report.sections import bargain, effects, forecast, record, simulate, system

    return [
        ("system", system.build),
        ("record", record.build),
        ("effects", effects.build),
        ("forecast", forecast.build),
        ("bargain", bargain.build),
        ("simulate", simulate.build),
    ]


def build_brief(ctx: BriefContext, *, only: set[str] | None = None,
                progress: Callable[[str], None] | None = None) -> Document:
    """Assemble the brief. ``only`` restricts to some section keys (e.g. ``{"system"}``)."""
    sections: list[Section] = []
    for key, builder in section_builders():
        if only is not None and key not in only:
            continue
        if progress:
            progress(key)
        try:
            sections.extend(builder(ctx))
        except Exception as err:  # a failing capability must not sink the whole brief
            from sarhad.errors import SarhadError

            if not isinstance(err, SarhadError):
                raise
            sections.append(Section(key=key, title=key.capitalize(),
                                    blocks=[Callout(f"This section could not be built: {err}",
                                                    tone="warning")]))
    meta = ctx.scenario.scenario
    return Document(
        title=f"sarhad brief — {meta.title}",
        subtitle=(f"As of {ctx.as_of:%-d %B %Y} · scenario '{meta.name}' (knowledge to "
                  f"{meta.knowledge_date:%-d %B %Y})"),
        sections=sections,
        footer=("Bracketed references such as [P05] name paragraphs of the source analysis: "
                f"{meta.source}. Lines are paraphrases, not quotations. Event data: UCDP GED "
                "(CC BY 4.0) where a record section is shown. Made by sarhad."),
    )


def brief_json(doc: Document) -> dict[str, Any]:
    return {
        "title": doc.title,
        "subtitle": doc.subtitle,
        "sections": [{"key": s.key, "title": s.title, **s.data} for s in doc.sections],
    }
