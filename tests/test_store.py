"""The event store: creation, schema, the bundled default, and a second process's lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb
import pytest

from sarhad.errors import SarhadError
from sarhad.store import EVENT_COLUMNS, SCHEMA_VERSION, open_store


def test_bundled_store_holds_the_real_extract():
    store = open_store(None)
    assert store.bundled and store.count() == 6416
    assert open_store(None) is store            # built once per process
    (f,) = store.files()
    assert f["sha256"] == "b15bad2a3df2278d4195dd3850a3c05f5a0c999d0c198eebd1e21fd6062fedcf"
    assert f["source"] == "ucdp" and f["source_version"] == "22.1" and f["skipped"] == 0
    assert "Sundberg" in f["citation"]
    # the pointer back to the CSV: first and last records, and quoted newlines skipped over
    lines = store.con.execute("SELECT min(file_line), max(file_line), count(DISTINCT "
                              "file_line) FROM events").fetchall()[0]
    assert lines == (2, 10688, 6416)


def test_file_store_is_created_with_the_schema(tmp_path):
    db = tmp_path / "sub" / "events.duckdb"
    with open_store(db) as store:
        cols = [r[0] for r in store.con.execute("DESCRIBE events").fetchall()]
        assert cols == ["uid", *EVENT_COLUMNS]
        assert store.meta("schema_version") == str(SCHEMA_VERSION)
        assert store.count() == 0
    with open_store(db, read_only=True) as again:
        assert again.count() == 0


def test_read_only_store_that_does_not_exist_is_a_clear_error(tmp_path):
    with pytest.raises(SarhadError, match="no event store there"):
        open_store(tmp_path / "missing.duckdb", read_only=True)


def test_a_duckdb_file_that_is_not_a_store_is_refused(tmp_path):
    db = tmp_path / "other.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE x (a INT)")
    con.close()
    with pytest.raises(SarhadError, match="not a sarhad event store"):
        open_store(db, read_only=True)


def test_a_store_of_the_first_schema_is_refused_with_what_to_do(tmp_path):
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("CREATE TABLE events (source VARCHAR, event_id VARCHAR)")
    con.close()
    for read_only in (True, False):
        with pytest.raises(SarhadError, match="schema version 1.*reads version 2.*new --db"):
            open_store(db, read_only=read_only)
    # and the old store is left as it was: no table of the new schema was added to it
    con = duckdb.connect(str(db), read_only=True)
    assert {r[0] for r in con.execute("SHOW TABLES").fetchall()} == {"meta", "events"}
    con.close()


def test_a_file_that_is_not_duckdb_is_refused(tmp_path):
    db = tmp_path / "text.duckdb"
    db.write_text("hello\n")
    with pytest.raises(SarhadError, match="event store"):
        open_store(db)


def test_second_writer_gets_a_clear_message(tmp_path):
    db = tmp_path / "events.duckdb"
    open_store(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from sarhad.store import open_store
            s = open_store({str(db)!r})
            print("open", flush=True)
            sys.stdin.readline()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(SarhadError, match="in use by another sarhad process"):
            open_store(db, wait=0.3)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    open_store(db, wait=0).close()   # free again once the other process is done


def test_reads_work_while_a_caller_left_a_result_unfetched():
    from sarhad.panels import monthly_series

    store = open_store(None)
    store.con.execute("SELECT * FROM events")      # fetched only partly: DuckDB 2 keeps it open
    store.con.fetchone()
    assert monthly_series(store, start="2021-01", end="2021-12")["value"].sum() == 448
    assert store.count() == 6416
    store.con.fetchall()                            # let the caller's result finish
