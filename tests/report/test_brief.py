"""The situation brief: content, self-contained HTML, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys

import pytest
from rich.console import Console

from sarhad.report.brief import BriefContext, brief_json, build_brief
from sarhad.report.html import render_html
from sarhad.report.terminal import render_document


@pytest.fixture(scope="module")
def brief_end_2021(bundled_scenario):
    ctx = BriefContext(scenario=bundled_scenario, as_of=dt.date(2021, 12, 31))
    return build_brief(ctx, only={"system"})


def _terminal(doc) -> str:
    console = Console(record=True, width=120, file=open("/dev/null", "w"))  # noqa: SIM115
    render_document(doc, console)
    return console.export_text()


def test_brief_names_shelter_talks_and_sources(brief_end_2021):
    text = _terminal(brief_end_2021)
    assert "Sanctuary for the TTP: the Afghan Taliban" in text
    assert "The Afghan Taliban gives the TTP sanctuary" in text
    assert "Siraj Haqqani mediates with the TTP" not in text.split("What changed")[0]
    assert "[P05 P06 P14]" in text
    for title in ("The system at a glance", "Who the actors are",
                  "Who shelters, backs, talks to or fights whom", "What changed in the last"):
        assert title in text


def test_what_changed_lists_takeover_ceasefire_and_strike(brief_end_2021):
    text = _terminal(brief_end_2021).split("What changed")[1]
    assert "The Taliban take Kabul" in text
    assert "Pakistan-TTP cease-fire" in text
    assert "Failed drone strike on Faqir Muhammad" in text


def test_brief_as_of_mid_2021_has_no_sanctuary(bundled_scenario):
    doc = build_brief(BriefContext(scenario=bundled_scenario, as_of=dt.date(2021, 6, 30),
                                   fast=True), only={"system"})
    text = _terminal(doc)
    assert "No actor is recorded as giving the TTP sanctuary" in text
    assert "gives the TTP sanctuary" not in text


def test_html_is_self_contained(brief_end_2021):
    html = render_html(brief_end_2021)
    assert html.startswith("<!DOCTYPE html>")
    assert "<svg" in html  # the network figure is inline
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<script" not in html
    assert html.count("<section") == len(brief_end_2021.sections)


def test_brief_json_lists_sections(brief_end_2021):
    doc = brief_json(brief_end_2021)
    assert [s["key"] for s in doc["sections"]] == ["system", "actors", "relations", "changes"]


def test_cli_brief_writes_html(tmp_path):
    out = tmp_path / "b.html"
    proc = subprocess.run([sys.executable, "-m", "sarhad", "brief", "--section", "system",
                           "--out", str(out), "--json"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["html"] == str(out) and out.read_text().count("<section") >= 4


def test_cli_brief_bad_section():
    proc = subprocess.run([sys.executable, "-m", "sarhad", "brief", "--section", "weather"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "unknown weather" in proc.stderr


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None and "CI" not in __import__("os").environ,
                    reason="chromium not installed (CI installs it)")
def test_brief_renders_in_headless_chromium(tmp_path, brief_end_2021):
    """Open the HTML in a real browser with networking off; the DOM keeps sections and SVG."""
    assert CHROMIUM, "CI must install Debian's chromium"
    page = tmp_path / "brief.html"
    page.write_text(render_html(brief_end_2021), encoding="utf-8")
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    dom = proc.stdout
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert dom.count("<section") == len(brief_end_2021.sections)
    assert "<svg" in dom and "Who the actors are" in dom
