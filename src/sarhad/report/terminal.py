"""Render a :class:`~sarhad.report.doc.Document` to the terminal with rich."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table as RichTable
from rich.text import Text

from sarhad.report.doc import Bullets, Callout, Document, Figure, Heading, Para, Section, Table


def _cite(cites: tuple[str, ...]) -> str:
    return f" [dim cyan]\\[{' '.join(cites)}][/]" if cites else ""


def _para(p: Para, bullet: str = "") -> Text:
    style = "bold" if p.emphasis else ""
    body = f"[{style}]{escape(p.text)}[/]" if style else escape(p.text)
    return Text.from_markup(f"{bullet}{body}{_cite(p.cites)}")


def render_section(section: Section, console: Console) -> None:
    console.print(Rule(f"[bold]{escape(section.title)}[/]", align="left", style="blue"))
    if section.lead:
        console.print(Text(section.lead, style="italic"))
    for block in section.blocks:
        if isinstance(block, Heading):
            console.print(Text(block.text, style="bold underline"))
        elif isinstance(block, Para):
            console.print(_para(block))
        elif isinstance(block, Bullets):
            grid = RichTable.grid(padding=(0, 1))  # hanging indent for wrapped bullets
            grid.add_column(width=3, justify="right")
            grid.add_column(ratio=1)
            for item in block.items:
                grid.add_row("•", _para(item))
            console.print(grid)
        elif isinstance(block, Table):
            t = RichTable(title=block.caption or None, title_justify="left", show_lines=False,
                          header_style="bold", expand=False)
            for i, col in enumerate(block.columns):
                right = bool(block.numeric) and i < len(block.numeric) and block.numeric[i]
                t.add_column(col, justify="right" if right else "left", overflow="fold")
            if block.row_cites:
                t.add_column("sources", style="dim cyan")
            for j, row in enumerate(block.rows):
                cells = [escape(c) for c in row]
                if block.row_cites:
                    cells.append(" ".join(block.row_cites[j]) if j < len(block.row_cites) else "")
                t.add_row(*cells)
            console.print(t)
        elif isinstance(block, Figure):
            console.print(Text(f"  [figure in the HTML brief: {block.caption}]", style="dim"))
        elif isinstance(block, Callout):
            style = "yellow" if block.tone == "warning" else "cyan"
            console.print(Panel(Text(block.text), border_style=style, expand=False))
    console.print()


def render_document(doc: Document, console: Console) -> None:
    console.print(Panel(Text.from_markup(f"[bold]{escape(doc.title)}[/]\n{escape(doc.subtitle)}"),
                        border_style="blue"))
    for section in doc.sections:
        render_section(section, console)
    if doc.footer:
        console.print(Text(doc.footer, style="dim"))
