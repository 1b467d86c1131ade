"""The project paraphrases the source analysis and never copies its sentences.

``tests/data/source_6gram_hashes.txt`` holds a hash of every run of six words in the source (not
the text), so this check runs anywhere, including CI without the source beside the repository.
The article's title may appear: it is how the source is cited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest
from tests.conftest import REPO

RUN = 6
TITLE = "after the taliban's takeover pakistan's ttp problem"


def _words(text: str) -> list[str]:
    text = (text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
            .replace("\u2014", " ").lower())
    return re.findall(r"[a-z0-9']+", text)


HASHES = {line.strip() for line in (REPO / "tests" / "data" / "source_6gram_hashes.txt")
          .read_text().splitlines() if line.strip() and not line.startswith("#")}


def copied_runs(text: str) -> list[str]:
    found = []
    for line in text.replace(TITLE, " ").splitlines():
        line = " ".join(_words(line)).replace(TITLE, " ")
        w = line.split()
        for i in range(len(w) - RUN + 1):
            run = " ".join(w[i:i + RUN])
            if hashlib.sha256(run.encode()).hexdigest()[:16] in HASHES:
                found.append(run)
    return found


def test_detector_finds_a_copied_sentence():
    assert len(HASHES) > 1500
    # a sentence of P05, lightly reformatted, must be caught; our own paraphrase must not
    assert copied_runs("The Taliban Regime also appears to have provided the TTP's top leadership")
    assert not copied_runs("The Taliban appear to shelter the TTP's leaders")


FILES = sorted({*REPO.glob("src/sarhad/**/*.yaml"), *REPO.glob("docs/*.md"), REPO / "README.md",
                *REPO.glob("src/sarhad/**/*.py")})


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(Path(p).relative_to(REPO)))
def test_no_sentence_of_the_source_is_copied(path):
    text = Path(path).read_text(encoding="utf-8")
    assert copied_runs(text) == []


def test_the_brief_paraphrases(bundled_scenario):
    from sarhad.report.brief import BriefContext, build_brief
    from sarhad.report.html import render_html

    doc = build_brief(BriefContext(scenario=bundled_scenario, as_of=dt.date(2021, 12, 31),
                                   fast=True), only={"system"})
    html = re.sub(r"<[^>]+>", " ", render_html(doc))
    assert copied_runs(html) == []
