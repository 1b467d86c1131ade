"""Graph export and the command-line contracts of DESIGN.md section 4."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from typer.testing import CliRunner

from sarhad.cli import app
from sarhad.kb import export_graph
from sarhad.kb.dates import parse_as_of

runner = CliRunner()


def run(*args: str):
    result = runner.invoke(app, list(args))
    return result


def test_actors_json_contract():
    res = run("actors", "--as-of", "2021-12-31", "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert isinstance(rows, list) and rows
    for r in rows:
        assert {"id", "name", "kind", "aliases", "parent"} <= set(r)
        assert isinstance(r["aliases"], list)
        assert r["parent"] is None or isinstance(r["parent"], str)
    ids = {r["id"] for r in rows}
    assert all(r["parent"] in ids for r in rows if r["parent"])


def test_relations_json_contract_and_rule():
    res = run("relations", "--as-of", "2021-12-31", "--json")
    rows = json.loads(res.stdout)
    for r in rows:
        assert {"source", "target", "type", "start", "end", "sources"} <= set(r)
        for k in ("start", "end"):
            assert r[k] is None or parse_as_of(r[k], default=None).isoformat() == r[k]
        assert r["sources"] and all({"ref", "note"} <= set(s) for s in r["sources"])
        # start <= D < end reproduces the as-of rule
        assert (r["start"] is None or r["start"] <= "2021-12-31")
        assert (r["end"] is None or r["end"] > "2021-12-31")


def test_relations_filters():
    rows = json.loads(run("relations", "--type", "sanctuary", "--actor", "ttp", "--json").stdout)
    assert {(r["source"], r["target"]) for r in rows} == {("afghan-taliban", "ttp")}
    rows = json.loads(run("relations", "--as-of", "2021-06-30", "--type", "sanctuary",
                          "--json").stdout)
    assert rows == []
    rows = json.loads(run("relations", "--cites", "P16", "--json").stdout)
    assert rows and all(any(s["ref"] == "P16" for s in r["sources"]) for r in rows)
    rows = json.loads(run("relations", "--type", "mediation", "--ever", "--json").stdout)
    assert "siraj-haqqani" in {r["source"] for r in rows}
    with_factions = json.loads(run("relations", "--actor", "ttp", "--factions", "--json").stdout)
    without = json.loads(run("relations", "--actor", "ttp", "--json").stdout)
    assert len(with_factions) > len(without)


@pytest.mark.parametrize(("args", "needle"), [
    (("relations", "--type", "shelter"), "unknown relation type"),
    (("relations", "--actor", "nobody"), "unknown actor id"),
    (("relations", "--as-of", "2021-13-01"), "--as-of"),
    (("actors", "--scenario", "nowhere.yaml"), "neither a file"),
    (("actors", "--kind", "nope"), "unknown kind 'nope'"),
])
def test_bad_input_is_one_line_and_exit_2(args, needle):
    proc = subprocess.run([sys.executable, "-m", "sarhad", *args], capture_output=True, text=True)
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_validate_reports_lines_and_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario:\n  name: x\n  title: X\n  knowledge_date: 2021-12-31\n"
                   "actors:\n  - {id: a, name: A, kind: state}\nrelations:\n"
                   "  - {id: r, source: a, target: b, type: war}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sarhad", "validate", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"{bad}:8: [relations[r].target] unknown actor id 'b'" in proc.stderr
    assert f"{bad}:8: [relations[r].type] unknown relation type 'war'" in proc.stderr
    assert f"{bad}:8: [relations[r].sources] no source" in proc.stderr


def test_validate_bundled_ok():
    res = run("validate", "pakistan_ttp_2021", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["valid"] is True


def test_graph_formats(bundled_scenario):
    day = bundled_scenario.knowledge_date
    doc = json.loads(export_graph(bundled_scenario, day, "json"))
    assert {"nodes", "edges"} <= set(doc) and doc["as_of"] == "2021-12-31"
    root = ET.fromstring(export_graph(bundled_scenario, day, "graphml"))
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    edges = root.findall(f".//{ns}edge")
    assert len(edges) == len(doc["edges"])
    dot = export_graph(bundled_scenario, day, "dot")
    assert dot.startswith("digraph") and dot.count("->") == len(doc["edges"])
    assert '"afghan-taliban" -> "ttp"' in dot


def test_graph_cli_writes_file(tmp_path):
    out = tmp_path / "g.dot"
    res = run("graph", "--format", "dot", "--out", str(out), "--as-of", "2021-06-30")
    assert res.exit_code == 0 and out.read_text().startswith("digraph")
    assert "sanctuary" not in out.read_text()


def test_as_of_past_knowledge_warns_on_stderr_only():
    proc = subprocess.run([sys.executable, "-m", "sarhad", "relations", "--as-of", "2023-01-01",
                           "--json"], capture_output=True, text=True)
    assert proc.returncode == 0 and "after the scenario's knowledge date" in proc.stderr
    assert isinstance(json.loads(proc.stdout), list)
    quiet = subprocess.run([sys.executable, "-m", "sarhad", "relations", "--json"],
                           capture_output=True, text=True)
    assert quiet.stderr == ""
