"""The scenario format, as pydantic models. Documented for users in ``docs/scenario-format.md``.

A scenario holds the actors of a conflict system, their typed, dated and sourced relations, the
dated events of the system (regime dates for the models), and the date its knowledge ends.
Optional sections owned by later stages (``negotiation``, ``simulation``) are carried through
unvalidated here and validated by the package that reads them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from sarhad.kb.dates import FuzzyDate
from sarhad.kb.vocabulary import RELATION_TYPES, ActorKind, Confidence

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
PARAGRAPH_REF = re.compile(r"^P\d{2}$")


def _fuzzy(value: object) -> FuzzyDate:
    if isinstance(value, FuzzyDate):
        return value
    return FuzzyDate.parse(value)


Date = Annotated[FuzzyDate, BeforeValidator(_fuzzy)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, frozen=True)


class SourceRef(_Model):
    """A citation: a paragraph of the source (``P05``) or a key from ``references``."""

    ref: str = Field(min_length=1)
    note: str = Field(min_length=1, description="one line in your own words")


class Reference(_Model):
    """A citable work other than the source analysis (a data set, a published study)."""

    key: str = Field(min_length=1)
    citation: str = Field(min_length=1)


class ExternalIds(_Model):
    ucdp: list[int] = Field(default_factory=list)


class Actor(_Model):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    short: str = Field(default="", description="short name for running text, e.g. 'TTP'")
    kind: ActorKind
    aliases: list[str] = Field(default_factory=list)
    parent: str | None = None
    external_ids: ExternalIds = Field(default_factory=ExternalIds)
    description: str = ""
    sources: list[SourceRef] = Field(default_factory=list)

    @property
    def label(self) -> str:
        """The short name when there is one, else the full name."""
        return self.short or self.name


class Relation(_Model):
    id: str = Field(pattern=ID_PATTERN)
    source: str
    target: str
    type: str
    start: Date = FuzzyDate.OPEN
    end: Date = FuzzyDate.OPEN
    confidence: Confidence = "medium"
    about: str | None = Field(default=None, description="id of the relation this one is about")
    note: str = ""
    sources: list[SourceRef] = Field(default_factory=list)

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in RELATION_TYPES:
            raise ValueError(f"unknown relation type {value!r}; expected one of: "
                             + ", ".join(RELATION_TYPES))
        return value

    @property
    def directed(self) -> bool:
        return RELATION_TYPES[self.type].directed


class SystemEvent(_Model):
    """A dated event of the system itself; ``regime-change`` and ``window`` events are the
    regime dates the dynamics models use."""

    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    kind: Literal["regime-change", "window", "incident"] = "incident"
    start: Date
    end: Date = FuzzyDate.OPEN
    actors: list[str] = Field(default_factory=list)
    note: str = ""
    sources: list[SourceRef] = Field(default_factory=list)


class ScenarioMeta(_Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=1)
    knowledge_date: dt.date
    description: str = ""
    source: str = Field(default="", description="the analysis the scenario encodes")


class Scenario(_Model):
    scenario: ScenarioMeta
    references: list[Reference] = Field(default_factory=list)
    actors: list[Actor] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    events: list[SystemEvent] = Field(default_factory=list)
    negotiation: Any = None
    simulation: Any = None
    files: tuple[str, ...] = Field(default=(), description="the layered files, first to last")

    # -- lookups -----------------------------------------------------------------------------
    def actor(self, actor_id: str) -> Actor:
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(actor_id)

    @property
    def actor_ids(self) -> set[str]:
        return {a.id for a in self.actors}

    def event(self, event_id: str) -> SystemEvent:
        for e in self.events:
            if e.id == event_id:
                return e
        raise KeyError(event_id)

    @property
    def knowledge_date(self) -> dt.date:
        return self.scenario.knowledge_date
