"""The complete example in docs/scenario-format.md is valid and behaves as documented."""

from __future__ import annotations

import datetime as dt
import re

from tests.conftest import REPO

from sarhad.kb import load_scenario, relations_as_of


def test_documented_example_is_valid(tmp_path):
    text = (REPO / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
    example, update = blocks[0], blocks[1]
    base = tmp_path / "demo.yaml"
    base.write_text(example, encoding="utf-8")
    scn = load_scenario([str(base)])
    assert scn.scenario.name == "frontier_demo" and len(scn.actors) == 5
    assert [r.id for r in relations_as_of(scn, dt.date(2021, 11, 20), type="mediation")] == [
        "go-between"]
    upd = tmp_path / "update.yaml"
    upd.write_text(update, encoding="utf-8")
    layered = load_scenario([str(base), str(upd)])
    assert relations_as_of(layered, dt.date(2022, 4, 1), type="sanctuary") == []
    assert relations_as_of(layered, dt.date(2022, 2, 1), type="sanctuary")
