"""Property tests for the parsers: record lines and field counts agree with Python's csv
module on arbitrary quoted content; GTD dates; places; name keys."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarhad.ingest import reader
from sarhad.ingest.actors import key_of, name_key
from sarhad.ingest.places import normalise_province, province_expr
from sarhad.ingest.reader import record_layout

cell = st.text(alphabet=st.sampled_from(list('ab ,"\n\t1é')), max_size=8)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=12))
def test_record_layout_matches_the_csv_module(rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["x", "y", "z"])
    w.writerows(rows)
    data = buf.getvalue().encode()
    lines, fields = record_layout(data)
    # reference: count the physical line each record starts on with the csv module
    text = buf.getvalue()
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    expected_lines, expected_fields, line = [], [], reader.line_num + 1
    for rec in reader:
        expected_lines.append(line)
        expected_fields.append(len(rec))
        line = reader.line_num + 1
    assert lines.tolist() == expected_lines
    assert fields.tolist() == expected_fields


def _layout_reference(data: bytes) -> tuple[list[int], list[int]]:
    """The record layout by a plain loop over the bytes, the rule in its simplest form."""
    inside, commas, line = False, 0, 1
    lines, fields, start, pending = [], [], 1, False
    for c in data:
        pending = True
        if c == 34:
            inside = not inside
        elif c == 10:
            line += 1
            if not inside:
                lines.append(start)
                fields.append(commas + 1)
                start, commas, pending = line, 0, False
        elif c == 44 and not inside:
            commas += 1
    if pending:       # a last record with no newline after it (or an unclosed quote)
        lines.append(start)
        fields.append(commas + 1)
    return lines[1:], fields[1:]


# bytes next to the three that matter, and the same with the high bit set, so that a
# word-at-a-time mask with a carry or borrow between bytes would miscount
tricky = st.binary(max_size=300).map(lambda b: bytes(
    b'",\n\x00\x01\x21\x23\x2b\x2d\x09\x0b\xa2\xac\x8a\xffa'[x % 16] for x in b))


@settings(max_examples=300, deadline=None)
@given(tricky, st.sampled_from([3, 8, 13, 64, 1 << 20]))
def test_record_layout_word_at_a_time_matches_a_plain_loop(data, chunk):
    saved = reader.CHUNK
    reader.CHUNK = chunk
    try:
        lines, fields = record_layout(data)
    finally:
        reader.CHUNK = saved
    expected_lines, expected_fields = _layout_reference(data)
    assert lines.tolist() == expected_lines
    assert fields.tolist() == expected_fields


@pytest.mark.parametrize("seed", range(30))
def test_record_layout_word_at_a_time_on_long_random_text(seed):
    # long runs of plain bytes, so that most eight-byte words hold no quote or newline and
    # take the word path; the rare quotes, newlines and commas sit among bytes one bit away
    rng = np.random.default_rng(seed)
    alphabet = np.frombuffer(b'",\na\x00\xa2\xac\x8a\x2d\x2b\x0b\xff', np.uint8)
    weights = np.array([0.01, 0.08, 0.01, 0.5, 0.05, 0.07, 0.07, 0.07, 0.04, 0.04, 0.03, 0.03])
    data = rng.choice(alphabet, size=5000, p=weights / weights.sum()).tobytes()
    lines, fields = record_layout(data)
    expected_lines, expected_fields = _layout_reference(data)
    assert lines.tolist() == expected_lines
    assert fields.tolist() == expected_fields


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=12),
       st.integers(1, 9))
def test_record_blocks_cut_whole_records_whatever_the_chunk_size(rows, chunk):
    # the file streams through chunks of any size: the blocks put back together are the
    # file, each block ends on a record boundary, and lines and field counts are the same
    # as read in one piece
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["x", "y", "z"], *rows])
    data = buf.getvalue().encode()
    whole = record_layout(data)
    saved = reader.CHUNK
    reader.CHUNK = chunk
    try:
        blocks = list(reader.record_blocks(data))
        cut = record_layout(data)
    finally:
        reader.CHUNK = saved
    assert b"".join(b.data for b in blocks) == data
    assert all(b.data.endswith(b"\n") for b in blocks)
    assert sum(b.lines.size for b in blocks) == whole[0].size + 1   # + the header
    assert cut[0].tolist() == whole[0].tolist() and cut[1].tolist() == whole[1].tolist()
    for b in blocks:     # each block parses on its own into its own records
        parsed = list(csv.reader(io.StringIO(b.data.decode(), newline="")))
        assert [len(r) for r in parsed] == b.fields.tolist()
    saved = reader.CHUNK
    reader.CHUNK = chunk
    try:
        repeated = list(reader.record_blocks(data, repeat_header=True))
    finally:
        reader.CHUNK = saved
    header = data[: data.index(b"\n") + 1]   # 'x,y,z': no quotes
    assert repeated[0].data == blocks[0].data
    for b, r in zip(blocks[1:], repeated[1:], strict=True):   # later blocks lead with it
        assert r.data == header + b.data and r.lines.tolist() == b.lines.tolist()


@settings(max_examples=100, deadline=None)
@given(st.integers(1970, 2021), st.integers(0, 12), st.integers(0, 31))
def test_gtd_dates(y, m, d):
    from sarhad.ingest.gtd import Gtd

    raw = pl.DataFrame({"eventid": ["1"], "iyear": [str(y)], "imonth": [str(m)],
                        "iday": [str(d)], "country_txt": ["Pakistan"], "provstate": ["Sindh"],
                        "gname": ["Unknown"], "nkill": ["0"], "_line": [2]})
    out = Gtd().canonical(raw.lazy()).collect().row(0, named=True)
    if m == 0:
        assert (out["date_start"], out["date_end"]) == (dt.date(y, 1, 1), dt.date(y, 12, 31))
        assert out["problem"] is None
        return
    try:
        day = dt.date(y, m, max(d, 1))
    except ValueError:
        assert out["problem"] is not None and out["problem"].startswith("iday")
        return
    assert out["problem"] is None and out["date_start"] == day
    assert out["date_precision"] == ("month" if d == 0 else "day")
    assert out["date_start"] <= out["date_end"]
    assert out["date_end"].month == m


@pytest.mark.parametrize("name", ["NWFP", "N.W.F.P.", "North-West Frontier Province",
                                  "Khyber Pakhtunkwa province", "KHYBER PAKHTUNKHWA", "FATA",
                                  "Federally Administered Tribal Areas"])
def test_province_spellings_all_mean_khyber_pakhtunkhwa(name):
    assert normalise_province(name)[0] == "Khyber Pakhtunkhwa"


def test_fata_flag_and_other_provinces():
    assert normalise_province("FATA") == ("Khyber Pakhtunkhwa", True)
    assert normalise_province("NWFP") == ("Khyber Pakhtunkhwa", False)
    for raw, std in [("Islamabad Capital territory", "Islamabad Capital Territory"),
                     ("Balochistan province", "Balochistan"), ("Baluchistan", "Balochistan"),
                     ("Northern Areas", "Gilgit-Baltistan"),
                     ("Gilgit-Baltistan", "Gilgit-Baltistan"),
                     ("Azad Jammu & Kashmir", "Azad Kashmir"), ("Punjab province", "Punjab"),
                     ("Sindh province", "Sindh"), ("Nangarhar province", "Nangarhar"),
                     ("Paktya", "Paktia"), ("Konar", "Kunar"), ("Hilmand", "Helmand")]:
        assert normalise_province(raw)[0] == std, raw
    # an unknown name is kept (trimmed, 'province' dropped), never invented
    out = pl.select(province_expr(pl.lit(" Ruritania province "))).item()
    assert out == "Ruritania"


@settings(max_examples=200, deadline=None)
# Latin, Greek, Cyrillic, Arabic: the scripts of actor names here, whose letter and digit
# classes are settled across Unicode versions (newer additions differ between the engines)
@given(st.text(st.characters(max_codepoint=0x06FF), max_size=30))
def test_name_key_agrees_between_polars_and_python(text):
    assert pl.select(name_key(pl.lit(text))).item() == key_of(text)
