"""KTAB CSV reading: shipped inputs parse; bad files fail with one line naming line and field."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.bargain.conftest import INPUTS, KTAB

from sarhad.bargain import parse_ktab_csv, read_ktab_csv
from sarhad.errors import SarhadError

GOOD = """Demo,Three actors,3,2,
Actor,Description,Power,Tax Position,Tax Salience,Rent Position,Rent Salience,
A, first ,  10, 20, 30, 40, 50,
B, second,  20, 60, 10, 70, 20,
C, third ,  30, 80, 40, 10, 30,
"""


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_shipped_inputs_parse(path) -> None:
    d = read_ktab_csv(path)
    head = path.read_text().splitlines()[0].split(",")
    assert len(d.actors) == int(head[2]) and len(d.dimensions) == int(head[3])
    assert d.position.shape == d.salience.shape == (len(d.actors), len(d.dimensions))
    assert all(a == a.strip() and a for a in d.actors)


def test_good_file_values_and_names() -> None:
    d = parse_ktab_csv(GOOD)
    assert d.actors == ["A", "B", "C"] and d.dimensions == ["Tax", "Rent"]
    assert d.name == "Demo"
    np.testing.assert_array_equal(d.power, [10, 20, 30])
    np.testing.assert_array_equal(d.position[:, 1], [40, 70, 10])
    np.testing.assert_array_equal(d.salience[0], [30, 50])


def test_soe_dimension_names() -> None:
    d = read_ktab_csv(KTAB / "inputs" / "SOE-Pol-Comp.csv")
    assert d.dimensions == ["Policy", "Competitive"]
    assert d.actors[0] == "XJ" and d.power[1] == pytest.approx(60.2)


def _bad(text: str) -> str:
    with pytest.raises(SarhadError) as err:
        parse_ktab_csv(text, path="bad.csv")
    msg = str(err.value)
    assert "\n" not in msg
    return msg


def test_wrong_actor_count() -> None:
    msg = _bad(GOOD.replace("Demo,Three actors,3,2", "Demo,Three actors,4,2"))
    assert msg.startswith("bad.csv:") and "[nActors]" in msg and "declares 4 actors" in msg
    msg = _bad(GOOD.replace("Demo,Three actors,3,2", "Demo,Three actors,2,2"))
    assert "bad.csv:5: [nActors]" in msg


def test_missing_salience() -> None:
    msg = _bad(GOOD.replace("B, second,  20, 60, 10, 70, 20,", "B, second,  20, 60, 10, 70,"))
    assert msg == "bad.csv:4: [Rent Salience] missing value for actor 'B'"


@pytest.mark.parametrize("old,new,field", [
    ("A, first ,  10, 20, 30", "A, first ,  10, 120, 30", "Tax Position"),
    ("C, third ,  30, 80, 40, 10", "C, third ,  30, 80, 40, -1", "Rent Position"),
    ("B, second,  20, 60, 10", "B, second,  20, 60, 101", "Tax Salience"),
])
def test_values_outside_0_100(old, new, field) -> None:
    msg = _bad(GOOD.replace(old, new))
    assert f"[{field}]" in msg and "outside 0-100" in msg


def test_zero_total_power() -> None:
    text = GOOD.replace(",  10,", ",  0,").replace(",  20,", ",  0,").replace(",  30,", ",  0,")
    assert _bad(text) == "bad.csv:5: [Power] total power of all actors is zero"


def test_other_bad_cells() -> None:
    assert "[Power] not a number: 'ten'" in _bad(GOOD.replace("10, 20, 30", "ten, 20, 30"))
    assert "total 110, more than 100" in _bad(GOOD.replace("A, first ,  10, 20, 30, 40, 50",
                                                           "A, first ,  10, 20, 60, 40, 50"))
    assert "[nDims]" in _bad(GOOD.replace("Demo,Three actors,3,2", "Demo,Three actors,3,x"))
    assert "duplicate actor name" in _bad(GOOD.replace("C, third", "A, third"))
    assert "[header]" in _bad("")


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 6), st.integers(1, 3), st.data())
def test_round_trip(n, d, data) -> None:
    num = st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 2))
    pos = [[data.draw(num) for _ in range(d)] for _ in range(n)]
    sal = [[data.draw(st.floats(0.01, 100 / d).map(lambda v: round(v, 2)))
            for _ in range(d)] for _ in range(n)]
    pw = [data.draw(st.floats(0.1, 1e4).map(lambda v: round(v, 3))) for _ in range(n)]
    pad = data.draw(st.sampled_from(["", " ", "  "]))
    lines = [f"S,desc,{n},{d},",
             "Actor,Description,Power," + ",".join(f"D{k} Position,D{k} Salience"
                                                   for k in range(d)) + ","]
    for i in range(n):
        cells = [f"a{i}", "x", str(pw[i])] + [f"{pad}{v}" for k in range(d)
                                              for v in (pos[i][k], sal[i][k])]
        lines.append(",".join(cells) + ",")
    got = parse_ktab_csv("\n".join(lines) + "\n")
    np.testing.assert_allclose(got.position, pos)
    np.testing.assert_allclose(got.salience, sal)
    np.testing.assert_allclose(got.power, pw)
    assert got.dimensions == [f"D{k}" for k in range(d)]
