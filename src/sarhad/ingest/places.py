"""Place names normalised across sources and eras.

Publishers spell the same province differently and the map itself changed: the North-West
Frontier Province was renamed Khyber Pakhtunkhwa in 2010, and the Federally Administered Tribal
Areas (FATA, its seven agencies and the Frontier Regions) were merged into Khyber Pakhtunkhwa in
2018. Every event is stored under today's province name, with ``former_fata`` set when it
happened in the former tribal areas, because merged districts and settled districts of the
same province differ in who governs them and how violence is recorded there.

Everything here is a vectorised polars expression (a dictionary ``replace`` on a normalised
key), so it costs the same for 6,000 or 400,000 events.
"""

from __future__ import annotations

import polars as pl

KP = "Khyber Pakhtunkhwa"

# key (see ``place_key``) -> canonical province name
_PAKISTAN: dict[str, str] = {
    "khyber pakhtunkhwa": KP,
    "khyber pakhtunkwa": KP,          # UCDP GED spells it without the 'h'
    "khyber pakhtoonkhwa": KP,
    "khyber pukhtunkhwa": KP,
    "kpk": KP,
    "kp": KP,
    "north west frontier": KP,
    "north west frontier province": KP,
    "nwfp": KP,
    "n w f p": KP,
    "balochistan": "Balochistan",
    "baluchistan": "Balochistan",
    "punjab": "Punjab",
    "sindh": "Sindh",
    "sind": "Sindh",
    "islamabad": "Islamabad Capital Territory",
    "islamabad capital territory": "Islamabad Capital Territory",
    "islamabad capital": "Islamabad Capital Territory",
    "ict": "Islamabad Capital Territory",
    "federal capital territory": "Islamabad Capital Territory",
    "gilgit baltistan": "Gilgit-Baltistan",
    "gilgit": "Gilgit-Baltistan",
    "northern areas": "Gilgit-Baltistan",
    "federally administered northern areas": "Gilgit-Baltistan",
    "azad kashmir": "Azad Kashmir",
    "azad jammu and kashmir": "Azad Kashmir",
    "azad jammu kashmir": "Azad Kashmir",
    "ajk": "Azad Kashmir",
}

# Former tribal areas, as a province-level name (GED, GTD, older ACLED) -> KP + former_fata.
_FATA: set[str] = {
    "federally administered tribal areas",
    "federally administered tribal area",
    "fata",
    "tribal areas",
    "former fata",
    "merged districts",
}

# Districts (agencies, frontier regions) of the former FATA, by key with any 'agency',
# 'district' or 'tribal district' suffix removed. A KP event in one of them is former FATA.
_FATA_DISTRICTS: set[str] = {
    "bajaur", "mohmand", "khyber", "kurram", "orakzai", "north waziristan", "south waziristan",
    "frontier region peshawar", "fr peshawar", "frontier region kohat", "fr kohat",
    "frontier region bannu", "fr bannu", "frontier region lakki marwat", "fr lakki marwat",
    "frontier region tank", "fr tank", "frontier region dera ismail khan", "fr dera ismail khan",
    "frontier region di khan", "fr di khan", "frontier regions",
}

# Afghanistan's 34 provinces by their standard names, with the variants publishers use.
_AFGHANISTAN: dict[str, str] = {}
for _std, _variants in {
    "Badakhshan": [], "Badghis": [], "Baghlan": [], "Balkh": [], "Bamyan": ["bamiyan"],
    "Daykundi": ["daikundi", "daykondi", "dai kundi"], "Farah": [],
    "Faryab": ["fariab"], "Ghazni": [], "Ghor": ["ghowr"], "Helmand": ["hilmand"],
    "Herat": ["hirat"], "Jowzjan": ["jawzjan", "jozjan"], "Kabul": [],
    "Kandahar": ["qandahar"], "Kapisa": [], "Khost": ["khowst"], "Kunar": ["konar"],
    "Kunduz": ["kondoz", "qunduz"], "Laghman": [], "Logar": ["lowgar"],
    "Nangarhar": ["ningarhar"], "Nimroz": ["nimruz"], "Nuristan": ["nurestan"],
    "Paktia": ["paktya", "paktiya"], "Paktika": [], "Panjshir": ["panjsher"],
    "Parwan": ["parvan"], "Samangan": [], "Sar-e Pol": ["sari pul", "sar e pul", "sar i pul",
                                                        "sar e pol", "sare pol"],
    "Takhar": [], "Uruzgan": ["oruzgan", "urozgan"], "Wardak": ["maidan wardak",
                                                                "maydan wardak"],
    "Zabul": [],
}.items():
    _AFGHANISTAN[_std.lower().replace("-", " ")] = _std
    for _v in _variants:
        _AFGHANISTAN[_v] = _std

PROVINCES: dict[str, str] = {**_PAKISTAN, **_AFGHANISTAN}
for _k in _FATA:
    PROVINCES[_k] = KP

_SUFFIXES = r"\s+(province|provinces|prov|state|region|territory of)$"
_DISTRICT_SUFFIXES = r"\s+(tribal district|district|agency|tribal agency|tehsil)$"


def place_key(expr: pl.Expr) -> pl.Expr:
    """Lower-case, '&' as 'and', punctuation and repeated spaces folded to one space."""
    return (expr.str.to_lowercase()
            .str.replace_all("&", " and ", literal=True)
            .str.replace_all(r"[^\p{L}\p{N}]+", " ")
            .str.strip_chars())


def key_of(name: str) -> str:
    """``place_key`` for one Python string (used for user input such as ``--province``)."""
    return pl.select(place_key(pl.lit(name))).item()


def province_expr(province: pl.Expr) -> pl.Expr:
    """Canonical province name; unknown names are kept, with a generic suffix removed."""
    key = place_key(province).str.replace(_SUFFIXES, "")
    cleaned = province.str.strip_chars().str.replace(r"(?i)\s+province$", "")
    return key.replace_strict(PROVINCES, default=cleaned, return_dtype=pl.String)


def district_expr(district: pl.Expr) -> pl.Expr:
    """District name without the 'district'/'agency' suffix UCDP appends."""
    return district.str.strip_chars().str.replace(
        r"(?i)\s+(tribal district|district|tribal agency|agency|tehsil)$", "")


def fata_province_expr(province: pl.Expr) -> pl.Expr:
    """The province name itself means the former tribal areas (GED, GTD, older ACLED)."""
    pkey = place_key(province).str.replace(_SUFFIXES, "")
    return pkey.is_in(list(_FATA)).fill_null(False)


def kp_expr(province: pl.Expr) -> pl.Expr:
    pkey = place_key(province).str.replace(_SUFFIXES, "")
    return (pkey.replace_strict(PROVINCES, default=None, return_dtype=pl.String) == KP
            ).fill_null(False)


def merged_district_expr(district: pl.Expr) -> pl.Expr:
    """A district (agency, frontier region) of the former FATA."""
    dkey = place_key(district).str.replace(_DISTRICT_SUFFIXES, "")
    return dkey.is_in(list(_FATA_DISTRICTS)).fill_null(False)


def former_fata_expr(province: pl.Expr, district: pl.Expr) -> pl.Expr:
    """True when the event lies in the former tribal areas: coded to FATA as a province, or to
    a merged district of Khyber Pakhtunkhwa (after the 2018 merger)."""
    return fata_province_expr(province) | (kp_expr(province) & merged_district_expr(district))


def normalise_province(name: str) -> tuple[str, bool]:
    """One user-typed province name -> (canonical name, whether it means the former FATA).

    >>> normalise_province("NWFP")
    ('Khyber Pakhtunkhwa', False)
    >>> normalise_province("FATA")
    ('Khyber Pakhtunkhwa', True)
    """
    row = pl.select(province_expr(pl.lit(name)).alias("p"),
                    former_fata_expr(pl.lit(name), pl.lit(None, dtype=pl.String)).alias("f"))
    return row["p"].item(), bool(row["f"].item())
