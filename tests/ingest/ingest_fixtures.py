"""Small files in each publisher's documented columns, written by the tests themselves."""

from __future__ import annotations

import csv
import io
from pathlib import Path


def write_csv(path: Path, header: list[str], rows: list[dict], *, encoding: str = "utf-8",
              bom: bool = False) -> Path:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k, "") for k in header})
    data = buf.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


# ACLED Codebook (2021+): the standard export's columns, in order
ACLED_HEADER = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2",
    "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
    "notes", "fatalities", "tags", "timestamp",
]

# GTD Codebook: a subset of the export's 135 columns, in the export's order
GTD_HEADER = [
    "eventid", "iyear", "imonth", "iday", "approxdate", "extended", "resolution", "country",
    "country_txt", "region", "region_txt", "provstate", "city", "latitude", "longitude",
    "specificity", "vicinity", "summary", "attacktype1", "attacktype1_txt", "targtype1",
    "targtype1_txt", "gname", "nkill", "nwound",
]

GED_HEADER_49 = [
    "id", "relid", "year", "active_year", "code_status", "type_of_violence",
    "conflict_dset_id", "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id",
    "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id",
    "side_b_new_id", "side_b", "number_of_sources", "source_article", "source_office",
    "source_date", "source_headline", "source_original", "where_prec", "where_coordinates",
    "where_description", "adm_1", "adm_2", "latitude", "longitude", "geom_wkt",
    "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec",
    "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown",
    "best", "high", "low", "gwnoa", "gwnob",
]


def ged_row(event_id: int, day: str, deaths: int, **kw) -> dict:
    """One GED record with UCDP's formats (dates 'YYYY-MM-DD 00:00:00.000')."""
    row = {
        "id": str(event_id), "relid": f"PAK-{day[:4]}-1-404-{event_id}", "year": day[:4],
        "active_year": "1", "code_status": "Clear", "type_of_violence": "1",
        "conflict_new_id": "404", "conflict_name": "Pakistan: Government",
        "dyad_new_id": "857", "dyad_name": "Government of Pakistan - TTP",
        "side_a_new_id": "142", "side_a": "Government of Pakistan",
        "side_b_new_id": "356", "side_b": "TTP", "number_of_sources": "1",
        "source_article": "A report,\nover two lines", "where_prec": "1",
        "where_coordinates": "Miran Shah town", "adm_1": "Federally Administered Tribal Areas",
        "adm_2": "North Waziristan", "latitude": "33.0", "longitude": "70.07",
        "country": "Pakistan", "country_id": "770", "region": "Asia", "event_clarity": "1",
        "date_prec": "1", "date_start": f"{day} 00:00:00.000", "date_end": f"{day} 00:00:00.000",
        "best": str(deaths), "high": str(deaths + 2), "low": str(deaths), "gwnoa": "770",
    }
    row.update(kw)
    return row
