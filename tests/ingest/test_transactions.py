"""Each ingest is one transaction: a failure or a killed process leaves the store as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from ingest_fixtures import GED_HEADER_49, ged_row, write_csv

from sarhad.ingest import ingest_file
from sarhad.store import open_store


def snapshot(db):
    with open_store(db, read_only=True) as s:
        return (s.con.execute("SELECT count(*), coalesce(sum(best), 0) FROM events").fetchall(),
                s.con.execute("SELECT count(*) FROM files").fetchall())


def test_error_inside_the_transaction_rolls_back(store, tmp_path):
    first = write_csv(tmp_path / "a.csv", GED_HEADER_49, [ged_row(1, "2020-01-01", 1)])
    ingest_file(store, first)
    second = write_csv(tmp_path / "b.csv", GED_HEADER_49, [ged_row(2, "2020-02-01", 2),
                                                          ged_row(3, "2020-03-01", 3)])

    def boom():
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        ingest_file(store, second, on_before_commit=boom)
    assert store.count() == 1 and len(store.files()) == 1
    # and the same file loads normally afterwards (it was not recorded as loaded)
    assert ingest_file(store, second).loaded == 2


def test_killed_ingest_leaves_the_store_as_it_was(tmp_path, ged_csv):
    db = tmp_path / "events.duckdb"
    with open_store(db) as s:
        ingest_file(s, write_csv(tmp_path / "a.csv", GED_HEADER_49,
                                 [ged_row(1, "2020-01-01", 1)]))
    before = snapshot(db)
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        from sarhad.store import open_store
        from sarhad.ingest import ingest_file
        def pause():
            print("written", flush=True)   # every row is in the open transaction
            time.sleep(60)
        s = open_store({str(db)!r})
        ingest_file(s, {str(ged_csv)!r}, on_before_commit=pause)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "written"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert snapshot(db) == before
    with open_store(db) as s:   # and the store is usable: the same file now loads in full
        assert ingest_file(s, ged_csv).loaded == 6416
    total = open_store(None).con.execute("SELECT sum(best) FROM events").fetchall()[0][0]
    assert snapshot(db) == ([(6417, 1 + total)], [(2,)])
