from __future__ import annotations

import json
from pathlib import Path

import pytest

KTAB = Path(__file__).resolve().parents[1] / "data" / "ktab"
INPUTS = sorted((KTAB / "inputs").glob("*.csv"))
EXPECTED = json.loads((KTAB / "expected_final_positions.json").read_text())


@pytest.fixture(scope="session")
def ktab_dir() -> Path:
    return KTAB
