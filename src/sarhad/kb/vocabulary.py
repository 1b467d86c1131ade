"""Controlled vocabularies of the scenario format: kinds of actor and types of relation.

The relation types are the ones an analyst of insurgency-and-sanctuary systems needs to say who
shelters, backs, negotiates with or fights whom. ``directed=False`` marks types that hold between
both parties alike (an alliance, a cease-fire); for those the order of source and target carries
no meaning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ActorKind = Literal[
    "state",
    "state-branch",
    "armed-group",
    "faction",
    "person",
    "foreign-state",
    "international-organisation",
    "community",
    "other",
]
ACTOR_KINDS: tuple[str, ...] = ActorKind.__args__  # type: ignore[attr-defined]

Confidence = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class RelationType:
    name: str
    directed: bool
    theme: str
    meaning: str
    phrase: str = "{s} {type} {t}"


_TYPES = [
    # structure
    RelationType("leads", True, "structure",
                 "source leads or heads target",
                 "{s} leads {t}"),
    RelationType("member-of", True, "structure",
                 "source (a person) belongs to target",
                 "{s} belongs to {t}"),
    RelationType("faction-of", True, "structure",
                 "source is a faction of target",
                 "{s} is a faction of {t}"),
    RelationType("merger", True, "structure",
                 "source (a splinter) merged back into target",
                 "{s} has merged back into {t}"),
    RelationType("defection", True, "structure",
                 "source left target (for a rival or the state)",
                 "{s} broke away from {t}"),
    # backing
    RelationType("allegiance", True, "backing",
                 "source has pledged allegiance to target",
                 "{s} has pledged allegiance to {t}"),
    RelationType("patronage", True, "backing",
                 "source backs target politically or materially",
                 "{s} backs {t}"),
    RelationType("sanctuary", True, "backing",
                 "source gives target safe haven on its territory",
                 "{s} gives {t} sanctuary"),
    RelationType("freedom-of-movement", True, "backing",
                 "source lets target's leaders and fighters move freely",
                 "{s} lets {t} move freely"),
    RelationType("prisoner-release", True, "backing",
                 "source released prisoners held from target",
                 "{s} has freed prisoners of {t}"),
    RelationType("alliance", False, "backing",
                 "the two are allied",
                 "{s} and {t} are allied"),
    RelationType("alleged-support", True, "backing",
                 "source is alleged (not shown) to support target",
                 "{s} is accused of backing {t}"),
    RelationType("arms-supply", True, "backing",
                 "source supplies target with weapons",
                 "{s} arms {t}"),
    # talks
    RelationType("negotiation", False, "talks",
                 "the two are negotiating",
                 "{s} and {t} are negotiating"),
    RelationType("mediation", True, "talks",
                 "source mediates or presses target in talks",
                 "{s} mediates with {t}"),
    RelationType("ceasefire", False, "talks",
                 "a cease-fire holds between the two",
                 "a cease-fire holds between {s} and {t}"),
    RelationType("commitment", True, "talks",
                 "source has committed to a concession to target",
                 "{s} has made a commitment to {t}"),
    RelationType("offer", True, "talks",
                 "source has floated a concession to target without committing to it",
                 "{s} has floated an offer to {t}"),
    RelationType("cooperation", False, "talks",
                 "the two cooperate (e.g. on counter-terrorism)",
                 "{s} and {t} cooperate"),
    # violence
    RelationType("armed-conflict", False, "violence",
                 "the two are at war",
                 "{s} and {t} are at war"),
    RelationType("attack-on", True, "violence",
                 "source attacks or has targeted target",
                 "{s} attacks {t}"),
    RelationType("rivalry", False, "violence",
                 "the two compete, e.g. by outbidding violence",
                 "{s} and {t} are rivals"),
    RelationType("friction", False, "violence",
                 "relations between the two are strained",
                 "{s} and {t} are at odds"),
    RelationType("detention", True, "violence",
                 "source holds members of target in prison",
                 "{s} holds prisoners from {t}"),
    RelationType("designation", True, "violence",
                 "source designates target as terrorist",
                 "{s} designates {t} a terrorist"),
]

RELATION_TYPES: dict[str, RelationType] = {t.name: t for t in _TYPES}

THEMES: dict[str, str] = {
    "backing": "Who shelters and backs whom",
    "talks": "Who negotiates, mediates and cooperates",
    "violence": "Who fights, targets or rivals whom",
    "structure": "Leaders, factions, mergers and defections",
}
