"""Shared fixtures. Tests mirror the package: tests/kb, tests/ingest, tests/dynamics, ..."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def bundled_scenario():
    from sarhad.kb import load_scenario

    return load_scenario()
