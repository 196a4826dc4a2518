"""The HTML page: header, contents, tables and figures, with plotly.js and styles inline.

The page is one self-contained file: it loads nothing from any host. Each figure links to its
PNG beside the page, which a ``<noscript>`` block shows when JavaScript is off.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from helix.report.spec import FigureSpec

STYLE = """
:root { --ink: #1b1b1b; --muted: #5c5c5c; --rule: #e3e3e3; --ok: #1a7f37; --bad: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #fafafa; }
header { background: #14213d; color: #fff; padding: 24px 40px 18px; }
header h1 { margin: 0 0 6px; font-size: 26px; font-weight: 600; }
header p { margin: 0 0 12px; color: #d6dbe6; max-width: 70em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0;
          font-size: 14px; }
dl.meta dt { color: #aab4c8; } dl.meta dd { margin: 0; }
nav { padding: 10px 40px; background: #fff; border-bottom: 1px solid var(--rule);
      position: sticky; top: 0; z-index: 10; font-size: 14px; }
nav a { margin-right: 18px; color: #14213d; text-decoration: none; }
nav a:hover { text-decoration: underline; }
main { padding: 8px 40px 40px; max-width: 1280px; }
section h2 { font-size: 20px; margin: 32px 0 8px; border-bottom: 2px solid #14213d;
             padding-bottom: 4px; }
figure.helix-figure { background: #fff; border: 1px solid var(--rule); border-radius: 6px;
                      margin: 16px 0; padding: 8px 12px 10px; }
figure.helix-figure .plot { min-height: 420px; }
figcaption { color: var(--muted); font-size: 14px; padding: 4px 4px 0; }
figcaption a { color: var(--muted); }
div.table { overflow-x: auto; }
table { border-collapse: collapse; background: #fff; font-size: 14px; margin: 10px 0;
        width: 100%; }
th, td { border-bottom: 1px solid var(--rule); padding: 6px 10px; text-align: left;
         vertical-align: top; }
th { background: #f0f2f5; }
td.ok { color: var(--ok); font-weight: 600; } td.bad { color: var(--bad); font-weight: 600; }
p.note { color: var(--muted); font-size: 14px; }
footer { color: var(--muted); font-size: 13px; padding: 16px 40px 32px; }
"""


@dataclass
class TableBlock:
    """A table in a section.

    Attributes:
        section: Section heading.
        title: Short title above the table.
        header: Column names.
        rows: Cell texts; a cell "yes"/"no" (or "k of n runs") in a column named "agrees" is
            coloured.
        note: A sentence under the table.
    """

    section: str
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass
class Page:
    """Everything on the page, in order.

    Attributes:
        title: Page and header title.
        subtitle: One sentence under the title.
        meta: Header facts (scenario, seeds, version, run date, ...).
        blocks: Tables and (figure, rendered div) pairs, in reading order.
        notes: Section -> sentences shown at the section's top.
        footer: Footer text.
    """

    title: str
    subtitle: str
    meta: list[tuple[str, str]]
    blocks: list[TableBlock | tuple[FigureSpec, str]] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)
    footer: str = ""


def _anchor(section: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in section.lower()).strip("-")


def _section_of(block: TableBlock | tuple[FigureSpec, str]) -> str:
    return block.section if isinstance(block, TableBlock) else block[0].section


def _agrees_class(text: str) -> str:
    if text == "yes":
        return "ok"
    if text == "no" or text.startswith("0 of"):
        return "bad"
    parts = text.split(" of ")
    if len(parts) == 2 and parts[1].split(" ")[0] == parts[0]:
        return "ok"
    return ""


def table_html(t: TableBlock) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in t.header)
    agrees = [i for i, h in enumerate(t.header) if h.lower() in ("agrees", "within")]
    rows = []
    for row in t.rows:
        cells = []
        for i, cell in enumerate(row):
            cls = _agrees_class(cell) if i in agrees else ""
            attr = f' class="{cls}"' if cls else ""
            cells.append(f"<td{attr}>{html.escape(cell)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    note = f'<p class="note">{html.escape(t.note)}</p>' if t.note else ""
    title = f"<h3>{html.escape(t.title)}</h3>" if t.title else ""
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return f'{title}<div class="table">{table}</div>{note}'


def figure_html(spec: FigureSpec, div: str, number: int) -> str:
    png = html.escape(f"{spec.key}.png")
    return (
        f'<figure class="helix-figure" id="figure-{html.escape(spec.key)}"'
        f' data-key="{html.escape(spec.key)}">'
        f'<div class="plot">{div}</div>'
        f'<noscript><img src="{png}" alt="{html.escape(spec.title)}" width="1000"></noscript>'
        f"<figcaption><b>Figure {number}.</b> {html.escape(spec.caption)} "
        f'<a href="{png}">PNG</a></figcaption></figure>'
    )


def render_page(page: Page, plotly_js: str) -> str:
    """The whole HTML document."""
    sections: list[str] = list(dict.fromkeys(_section_of(b) for b in page.blocks))
    for s in page.notes:
        if s not in sections:
            sections.append(s)
    body: list[str] = []
    number = 0
    for section in sections:
        body.append(f'<section id="{_anchor(section)}"><h2>{html.escape(section)}</h2>')
        body += [f'<p class="note">{html.escape(n)}</p>' for n in page.notes.get(section, [])]
        for block in page.blocks:
            if _section_of(block) != section:
                continue
            if isinstance(block, TableBlock):
                body.append(table_html(block))
            else:
                number += 1
                body.append(figure_html(block[0], block[1], number))
        body.append("</section>")
    nav = "".join(f'<a href="#{_anchor(s)}">{html.escape(s)}</a>' for s in sections)
    meta = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in page.meta)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(page.title)}</title><style>{STYLE}</style>"
        f'<script type="text/javascript">{plotly_js}</script></head><body>'
        f"<header><h1>{html.escape(page.title)}</h1><p>{html.escape(page.subtitle)}</p>"
        f'<dl class="meta">{meta}</dl></header><nav>{nav}</nav><main>{"".join(body)}</main>'
        f"<footer>{html.escape(page.footer)}</footer></body></html>\n"
    )


def joined(values: Sequence[object], limit: int = 8) -> str:
    """Comma-separated, shortened to ``limit`` items."""
    items = [str(v) for v in values]
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", … ({len(items)} in all)"
