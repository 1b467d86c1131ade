"""Brief section: the negotiation model applied to the talks in the scenario — where each issue
would settle, how uncertain that is, and which judgments move it."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sarhad.bargain.talks import TalksResult, load_talks, run_talks
from sarhad.errors import SarhadError
from sarhad.report.brief import BriefContext
from sarhad.report.doc import Bullets, Callout, Figure, Para, Section, Table


def _level(v: float) -> str:
    if v < 30:
        return "low"
    if v < 45:
        return "lower-middle"
    if v < 60:
        return "middle"
    if v < 75:
        return "upper-middle"
    return "high"


#: What the source expects the 2022 talks to yield on each issue (P19: no broad amnesty; a long
#: cease-fire bought with piecemeal concessions: some prisoners, weapons for select factions),
#: read as a band of the issue's 0-100 scale. The bands are this brief's reading of the words.
EXPECTED: dict[str, tuple[float, float, str]] = {
    "amnesty": (0.0, 30.0, "no broad amnesty"),
    "prisoners": (15.0, 60.0, "the release of some prisoners"),
    "arms": (15.0, 45.0, "only select factions keeping their weapons"),
    "ceasefire": (60.0, 100.0, "a long-term, lasting cease-fire"),
}


def _versus_source(summ: dict[str, dict[str, float]], dims: Mapping[str, object]) -> Para:
    """Where the model's medians fall against the source's expected bands, issue by issue."""
    match, miss, sides = [], [], set()
    for key, (lo, hi, words) in EXPECTED.items():
        if key not in summ:
            continue
        med = summ[key]["median"]
        name = str(getattr(dims[key], "name", key))
        if lo <= med <= hi:
            match.append(f"{name} (median {med:.0f}, within '{words}')")
        else:
            side = "more" if med > hi else "less"
            sides.add(side)
            miss.append(f"{name}, which settles at {med:.0f}, {side} than '{words}' "
                        f"(read as {lo:.0f}-{hi:.0f})")
    if not match and not miss:
        return Para("The source's expectations name none of this scenario's issues.")
    parts = []
    if match:
        parts.append("Against the source's expectation for the talks, the model agrees on "
                     + "; ".join(match) + ".")
    if miss:
        why = (" On these inputs the bargaining gives the TTP more than the piecemeal deal the "
               "source expects." if sides == {"more"} else "")
        parts.append(("It does not on " if match else "The model departs from the source's "
                      "expectation on ") + "; ".join(miss) + "." + why)
    return Para(" ".join(parts), ("P19",))


def _reading(res: TalksResult) -> list[Para]:
    """Plain-language reading, derived from the numbers of this run (nothing hard-coded)."""
    talks = res.talks
    summ = {s["dimension"]: s for s in res.summary()}
    dims = talks.spec.dimensions
    paras = []
    order = sorted(summ, key=lambda k: -summ[k]["median"])
    for k in order:
        s, d = summ[k], dims[k]
        width = s["p90"] - s["p10"]
        paras.append(Para(
            f"{d.name}: settles in the {_level(s['median'])} part of the range (median "
            f"{s['median']:.0f} on a scale from '{d.low_end}' at 0 to '{d.high_end}' at 100; "
            f"80% of draws between {s['p10']:.0f} and {s['p90']:.0f}"
            f"{', a wide band' if width > 20 else ''}).", tuple(d.refs)))
    paras.append(_versus_source(summ, dims))
    return paras


def _movers(res: TalksResult, top: int) -> Table:
    talks = res.talks
    rows, cites = [], []
    for row in res.sensitivity(top=top):
        dim = talks.spec.dimensions[row["dimension"]]
        actor, kind, *rest = row["input"].split(" ")
        spec = talks.spec.actors[actor]
        item = spec.power if kind == "power" else getattr(spec, kind)[rest[0]]
        what = kind if kind == "power" else f"{kind} on {talks.spec.dimensions[rest[0]].name}"
        name = talks.actor_names[talks.actors.index(actor)]
        rows.append((dim.name if row["rank"] == 1 else "", f"{name}: {what}",
                     f"{row['rho']:+.2f}", item.why))
        cites.append(tuple(item.refs))
    return Table(("issue", "input", "rank corr.", "why the input is uncertain"), tuple(rows),
                 caption="Inputs that move each outcome most: Spearman rank correlation of the "
                         "drawn input with the outcome across draws (sign: direction of the "
                         "effect).", row_cites=tuple(cites), numeric=(False, False, True, False))


def _movement(res: TalksResult) -> str:
    """Who shifts position in the run at the modal inputs. A model result, not a judgment of the
    source, so it carries no citation; weak actors are named as such, since a large shift by an
    actor with little power (one outside the talks, say) barely moves the outcome."""
    talks, m = res.talks, res.modal
    moved = np.abs(m.positions_[-1] - m.positions_[0]).mean(axis=1)
    power = talks.power[:, 1]
    strong = power >= np.median(power)
    still = [talks.actor_names[i] for i in np.nonzero(moved < 1.0)[0]]
    i = int(np.argmax(moved))
    text = (f"In the run at the modal inputs ({m.n_states_} states) the largest shift of "
            f"position is {talks.actor_names[i]}'s ({moved[i]:.0f} points on average)")
    if not strong[i]:
        j = int(np.flatnonzero(strong)[np.argmax(moved[strong])])
        text += (f", an actor with little power whose shift barely moves the outcome; among "
                 f"the stronger parties {talks.actor_names[j]} moves most ({moved[j]:.0f})")
    if still:
        verb = "hardly moves" if len(still) == 1 else "hardly move"
        text += f", while {', '.join(still)} {verb}"
    return text + ". This is the model's bargaining arithmetic, not a judgment of the source."


def build(ctx: BriefContext) -> list[Section]:
    sec = Section(key="bargain", title="Negotiation model: where the talks would settle",
                  lead="KTAB's spatial model of bargaining, run over the uncertainty in every "
                       "actor's power, positions and priorities.")
    try:
        talks = load_talks(ctx.scenario)
    except SarhadError as err:
        sec.blocks.append(Callout(f"The negotiation model cannot run on this scenario: {err}",
                                  tone="warning"))
        return [sec]
    draws = 200 if ctx.fast else 1000
    res = run_talks(talks, draws=draws, rng=np.random.default_rng(ctx.seed), seed=ctx.seed)
    summ = res.summary()
    sec.blocks.append(Para(
        f"{talks.title}. Actors ({', '.join(talks.actor_names)}) hold a position and a salience "
        f"on each of {len(talks.dimensions)} issues and a power to press them; each input is a "
        f"range of judgments drawn from the analysis, not a point. They challenge and bargain "
        f"turn by turn until positions settle (KTAB's method, defaults, reproduced); the "
        f"outcome of an issue is the power-and-salience weighted mean of the final positions. "
        f"{draws} draws, seed {ctx.seed}.",
        tuple(talks.spec.refs)))
    sec.blocks.append(Table(
        ("issue", "10%", "median", "90%", "at the modal inputs"),
        tuple((s["name"], f"{s['p10']:.1f}", f"{s['median']:.1f}", f"{s['p90']:.1f}",
               f"{s['modal_run']:.1f}") for s in summ),
        caption="Predicted outcome per issue (0-100 scale of each issue).",
        row_cites=tuple(tuple(talks.spec.dimensions[s["dimension"]].refs) for s in summ),
        numeric=(False, True, True, True, True)))
    sec.blocks.append(Bullets(tuple(_reading(res))))
    sec.blocks.append(_movers(res, top=2))
    # who gives ground in the run at the modes, and who does not
    sec.blocks.append(Para(_movement(res)))
    if not ctx.fast:
        from sarhad.bargain.plots import outcome_chart
        from sarhad.report import plots

        sec.blocks.append(Figure(plots.to_svg(outcome_chart(res)),
                                 caption="Median and 10-90% range of each issue's outcome.",
                                 alt="Outcome ranges per issue"))
    sec.blocks.append(Callout(
        "These are judgments turned into numbers: the ranges encode the analysis's uncertainty, "
        "and the model says what follows from them, not what the parties will sign. Inputs "
        "use nothing known after 2021.", tone="note"))
    sec.data = res.to_json()
    return [sec]
