"""Render a :class:`~sarhad.report.doc.Document` to one self-contained HTML file.

No scripts, fonts or styles are fetched: CSS is inline and figures are inline SVG, so the file
opens offline and can be mailed as it is.
"""

from __future__ import annotations

from html import escape

from sarhad.report.doc import Bullets, Callout, Document, Figure, Heading, Para, Section, Table

CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;
max-width:1040px;margin:2em auto;padding:0 1.2em;background:#fff}
h1{font-size:1.7em;margin-bottom:.1em}h2{border-bottom:2px solid #2f5d8a;padding-bottom:.2em;
margin-top:2em;color:#2f5d8a}h3{margin-bottom:.3em}.subtitle{color:#555;margin-top:0}
.cite{color:#2f7d7d;font-size:.85em;white-space:nowrap}.lead{font-style:italic;color:#444}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.92em}
th,td{border-bottom:1px solid #dde;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f0f3f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.3em 0}figure{margin:1em 0}
figcaption{color:#555;font-size:.9em}.callout{border-left:4px solid #2f7d7d;background:#f2f8f8;
padding:.5em .8em;margin:.8em 0}.callout.warning{border-color:#c9862b;background:#fbf5ec}
footer{margin-top:3em;color:#666;font-size:.85em;border-top:1px solid #ddd;padding-top:.8em}
nav ol{columns:2}svg{max-width:100%;height:auto}
"""


def _cite(cites: tuple[str, ...]) -> str:
    return f' <span class="cite">[{escape(" ".join(cites))}]</span>' if cites else ""


def _para_html(p: Para) -> str:
    text = f"<strong>{escape(p.text)}</strong>" if p.emphasis else escape(p.text)
    return text + _cite(p.cites)


def section_html(section: Section) -> str:
    out = [f'<section id="{escape(section.key)}"><h2>{escape(section.title)}</h2>']
    if section.lead:
        out.append(f'<p class="lead">{escape(section.lead)}</p>')
    for block in section.blocks:
        if isinstance(block, Heading):
            out.append(f"<h{block.level}>{escape(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            out.append(f"<p>{_para_html(block)}</p>")
        elif isinstance(block, Bullets):
            out.append("<ul>" + "".join(f"<li>{_para_html(i)}</li>" for i in block.items)
                       + "</ul>")
        elif isinstance(block, Table):
            rows = []
            head = "".join(f"<th>{escape(c)}</th>" for c in block.columns)
            if block.row_cites:
                head += "<th>sources</th>"
            for j, row in enumerate(block.rows):
                cells = []
                for i, c in enumerate(row):
                    num = bool(block.numeric) and i < len(block.numeric) and block.numeric[i]
                    cells.append(f'<td class="num">{escape(c)}</td>' if num
                                 else f"<td>{escape(c)}</td>")
                if block.row_cites:
                    rc = block.row_cites[j] if j < len(block.row_cites) else ()
                    cells.append(f'<td class="cite">{escape(" ".join(rc))}</td>')
                rows.append("<tr>" + "".join(cells) + "</tr>")
            cap = f"<caption>{escape(block.caption)}</caption>" if block.caption else ""
            out.append(f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>"
                       + "".join(rows) + "</tbody></table>")
        elif isinstance(block, Figure):
            out.append(f'<figure role="img" aria-label="{escape(block.alt or block.caption)}">'
                       f"{block.svg}<figcaption>{escape(block.caption)}</figcaption></figure>")
        elif isinstance(block, Callout):
            out.append(f'<div class="callout {escape(block.tone)}">{escape(block.text)}</div>')
    out.append("</section>")
    return "\n".join(out)


def render_html(doc: Document) -> str:
    nav = "".join(f'<li><a href="#{escape(s.key)}">{escape(s.title)}</a></li>'
                  for s in doc.sections)
    body = "\n".join(section_html(s) for s in doc.sections)
    footer = f"<footer>{escape(doc.footer)}</footer>" if doc.footer else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(doc.title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(doc.title)}</h1><p class=\"subtitle\">{escape(doc.subtitle)}</p>"
        f"</header><nav><ol>{nav}</ol></nav>\n{body}\n{footer}</body></html>\n"
    )
