"""Brief section: record (filled in by its capability's issue).

Until then it contributes nothing to the brief.
"""

from __future__ import annotations

from sarhad.report.brief import BriefContext
from sarhad.report.doc import Section


def build(ctx: BriefContext) -> list[Section]:
    return []
