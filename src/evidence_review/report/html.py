"""HTML fragments for notebooks and the report. Everything from data is escaped or sanitised here.

Titles and abstracts from Crossref may carry markup (JATS, ``<i>``, or anything a hostile record
holds), so text from data goes through :func:`esc` (plain) or :func:`rich` (nh3 with a small
allow-list of harmless inline tags). No fragment here contains a script, a style attribute or an
external resource.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable

import pandas as pd

INLINE_TAGS = {"i", "em", "b", "strong", "sub", "sup", "sc"}
_JATS = {"jats:italic": "i", "jats:bold": "b", "jats:sub": "sub", "jats:sup": "sup",
         "jats:sc": "sc", "italic": "i", "bold": "b"}


class HTML(str):
    """A string that is already safe HTML; Jupyter displays it as HTML."""

    def _repr_html_(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer, cycle) -> None:
        # Plain-text stand-in: stable, so nbval compares the (sanitised) HTML, not a long repr.
        printer.text("<HTML fragment>")


def esc(value) -> str:
    """Plain text from data, escaped for HTML (None and NaN become an empty string)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value), quote=True)


# Runs that may break anywhere: any of 22 characters or more, and identifiers of 12 or more with a
# separator inside (DOIs, hosts, paths: "10.5555/hp.2019.143" is only 19 but widened a 7-column
# table past a 768 px screen). Words, even long medical ones, are left whole below 22.
_LONG_TOKEN = re.compile(r"\S{22,}|(?=\S*[/.:=_?&]\w)\S{12,}")


def breakable(value) -> str:
    """Escaped text whose long unbroken runs (URLs, DOIs) may break anywhere, so that they never
    widen a table cell or the page; ordinary words still break only between letters' syllables.

    >>> breakable("See 10.5555/hp.2019.143 or gastroenterology.")
    'See <span class="brk">10.5555/hp.2019.143</span> or gastroenterology.'
    """
    return _LONG_TOKEN.sub(lambda m: f'<span class="brk">{m.group(0)}</span>', esc(value))


def badge(value: str, prefix: str = "v") -> str:
    slug = re.sub(r"[^a-z0-9-]", "", str(value).lower())
    return f'<span class="badge {prefix}-{slug}">{esc(value)}</span>'


def table(frame: pd.DataFrame, columns: dict[str, str] | None = None,
          cell: dict[str, Callable[[object, pd.Series], str]] | None = None,
          row_class: Callable[[pd.Series], str] | None = None, row_id: Callable | None = None,
          numeric: Iterable[str] = (), caption: str | None = None,
          keys: Iterable[str] = ("id", "ref", "refs", "verdict", "severity", "status", "sort", "field"),
          label: str | None = None) -> HTML:
    """A plain HTML table (with a thead that repeats on every printed page).

    ``columns`` maps frame columns to headings (and picks them); ``cell`` gives a renderer per
    column returning safe HTML; every other value is escaped. Each cell carries its column's
    heading as ``data-label``, so a narrow screen can show a row as a card of labelled fields. The
    wrapper is a named region a keyboard can reach (``label``, else the caption, else the headings),
    in case a table is ever wider than its column.
    """
    columns = columns or {c: c for c in frame.columns}
    cell = cell or {}
    numeric = set(numeric)
    keys = set(keys)  # short identifying columns: never wrapped inside a word
    head = "".join(f'<th{" class=num" if c in numeric else ""} scope="col">{esc(h)}</th>'
                   for c, h in columns.items())
    rows = []
    for _, row in frame.iterrows():
        tds = []
        for col, heading in columns.items():
            value = row.get(col)
            inner = cell[col](value, row) if col in cell else breakable(value)
            cls = ' class="num"' if col in numeric else (' class="key"' if col in keys else "")
            tds.append(f'<td{cls} data-label="{esc(heading)}">{inner}</td>')
        attrs = ""
        if row_class:
            attrs += f' class="{esc(row_class(row))}"'
        if row_id:
            attrs += f' id="{esc(row_id(row))}"'
        rows.append(f"<tr{attrs}>{''.join(tds)}</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    name = label or caption or "Table: " + ", ".join(columns.values())
    compact = " compact" if len(columns) <= 3 else ""  # stays a table on a phone
    return HTML(f'<div class="table-wrap" role="region" tabindex="0" aria-label="{esc(name)}">'
                f'<table class="er-table{compact}">{cap}<thead><tr>{head}</tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table></div>")


def definition_list(pairs: Iterable[tuple[str, str]], css: str = "") -> str:
    """<dl> from (label, safe-html value) pairs."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in pairs)
    return f'<dl class="{esc(css)}">{items}</dl>'
