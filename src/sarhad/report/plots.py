"""Charts as Vega-Lite specs (altair), rendered offline by vl-convert to SVG or PNG.

Every figure in sarhad goes through :func:`to_svg` (for self-contained HTML) or :func:`save`
(for ``--plot FILE`` options: ``.png``, ``.svg`` or ``.html`` by the file's extension).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt

from sarhad.errors import SarhadError

PALETTE = ["#2f5d8a", "#c9862b", "#2f7d7d", "#a23b3b", "#6b5b95", "#6c8c3c", "#888888"]


def data(rows: list[dict[str, Any]]) -> alt.Data:
    """Inline data without pandas."""
    return alt.Data(values=rows)


def to_svg(chart: alt.TopLevelMixin) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_json())


def save(chart: alt.TopLevelMixin, path: str | Path) -> Path:
    """Write ``chart`` to ``path``; the extension chooses the format (png, svg, html)."""
    import vl_convert as vlc

    path = Path(path)
    suffix = path.suffix.lower()
    spec = chart.to_json()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".png":
            path.write_bytes(vlc.vegalite_to_png(spec, scale=2))
        elif suffix == ".svg":
            path.write_text(vlc.vegalite_to_svg(spec), encoding="utf-8")
        elif suffix in (".html", ".htm"):
            svg = vlc.vegalite_to_svg(spec)
            path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
                            f"{svg}</body></html>", encoding="utf-8")
        else:
            raise SarhadError(f"{path}: unknown plot format {suffix!r}; use .png, .svg or .html")
    except OSError as err:
        raise SarhadError(f"{path}: cannot write plot ({err.strerror})") from None
    return path
