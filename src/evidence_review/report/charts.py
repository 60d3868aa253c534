"""Charts as deterministic SVG (vector in the PDF, comparable by nbval: no dates, no random ids).

Every chart is readable without colour: each series has a hatch pattern as well as a colour from the
Okabe–Ito palette (safe under the common colour-vision deficiencies), segments carry their counts,
and the legend lists the series in the order the segments run. Each SVG is an image with a
``<title>`` and a ``<desc>`` that states every number, for screen readers. A chart is drawn twice,
wide and narrow, and the stylesheet shows the one that fits, so its labels stay at least 11 px high.
"""

from __future__ import annotations

import functools
import hashlib
import html as _html
import io
import re
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from evidence_review.core.paths import cache_dir, keep_in_cache  # noqa: E402
from evidence_review.report.html import HTML, esc  # noqa: E402

# Okabe & Ito (2008) colour-blind-safe palette, with a neutral grey for "not verifiable".
OKABE_ITO = {"orange": "#E69F00", "sky-blue": "#56B4E9", "bluish-green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00",
             "reddish-purple": "#CC79A7", "black": "#000000"}
VERDICT_COLOURS = {
    "supported": OKABE_ITO["bluish-green"], "partially-supported": OKABE_ITO["sky-blue"],
    "unsupported": OKABE_ITO["orange"], "contradicted": OKABE_ITO["vermillion"],
    "not-verifiable": "#BBBBBB", "uncited": OKABE_ITO["reddish-purple"],
}
# A pattern per series, so that segments differ in print and without colour vision too.
VERDICT_HATCHES = {"supported": "", "partially-supported": "//", "unsupported": "xx",
                   "contradicted": "\\\\\\", "not-verifiable": "||", "uncited": "--"}
HATCH_CYCLE = ["", "//", "xx", "\\\\\\", "||", "--", "++"]
_DARK = {OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish-green"],
         OKABE_ITO["reddish-purple"], OKABE_ITO["black"], "#1f5f8b", "#3f7fab"}
_RC = {"svg.hashsalt": "evidence-review", "svg.fonttype": "none", "font.family": "DejaVu Sans",
       "font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
       "hatch.linewidth": 0.6, "hatch.color": "#1d232a"}
# Drawn sizes in pt (1 pt = 4/3 CSS px): 9 pt text is 12 px when the drawing is not scaled down.
# The wide drawing fits a column of 640 px and more, the narrow one a 360 px phone (328 px column).
WIDE_PT, NARROW_PT = 470, 244
LABEL_CHARS = {WIDE_PT: 30, NARROW_PT: 16}  # bar names wrap at this many characters


_SVG_OPTIONS = {"format": "svg", "bbox_inches": "tight", "metadata": {"Date": None, "Creator": None}}
_SLACK_PT = 0.5  # a drawing at most this much wider than its target fits


def to_svg(fig) -> str:
    svg = _svg_if_fits(fig, float("inf"))[1]
    plt.close(fig)
    return svg


class _Width(Exception):
    pass


class _StopIfWider(io.StringIO):
    """A file that reads the ``width`` of the ``<svg>`` element as savefig writes it, and stops the
    writer there if the drawing is too wide for ``target_pt``: by then savefig has laid the figure
    out and cropped it, but drawn nothing, which is most of its work. A drawing that fits is written
    on, whole, by the same call: measuring it did not cost a second layout."""

    def __init__(self, target_pt: float):
        super().__init__()
        self.target_pt = target_pt
        self.width: float | None = None

    def write(self, text: str) -> int:
        if self.width is None and text.startswith(' width="') and text.endswith('pt"'):
            self.width = float(text[8:-3])
            if self.width - self.target_pt > _SLACK_PT:
                raise _Width(self.width)
        return super().write(text)


def _svg_if_fits(fig, target_pt: float) -> tuple[float, str | None]:
    """The width in pt of ``fig`` as SVG, and the SVG if it fits ``target_pt`` (else None)."""
    buf = _StopIfWider(target_pt)
    try:
        fig.savefig(buf, **_SVG_OPTIONS)
    except _Width as stop:
        return stop.args[0], None
    text = buf.getvalue()
    width = buf.width if buf.width is not None else _svg_width(text)  # written some other way
    if width - target_pt > _SLACK_PT:
        return width, None
    return width, text[text.index("<svg"):]  # drop the XML prolog and DOCTYPE: the SVG is inlined


def _accessible(svg: str, prefix: str, title: str, desc: str, css: str) -> str:
    """An inline SVG as an image: role, title and description; its ids made unique to it."""
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    head_end = svg.index(">") + 1
    opening = svg[:head_end].replace("<svg ", f'<svg class="{css}" role="img" '
                                             f'aria-labelledby="{prefix}-title {prefix}-desc" ', 1)
    return (opening + f'<title id="{prefix}-title">{_html.escape(title)}</title>'
            f'<desc id="{prefix}-desc">{_html.escape(desc)}</desc>' + svg[head_end:])


def describe(table: pd.DataFrame, unit: str) -> str:
    """Every number of a bar chart in words: one clause per bar, zeros left out."""
    parts = []
    for name, row in table.iterrows():
        total = int(row.sum())
        bits = [f"{int(v)} {col}" for col, v in row.items() if v]
        parts.append(f"{name}: {total} {unit}" + (f" ({', '.join(bits)})" if bits else ""))
    return "; ".join(parts) + "."


def _legend_order(handles: list, ncol: int) -> list:
    """Matplotlib fills legend columns top to bottom; reorder so rows read in series order."""
    nrow = -(-len(handles) // ncol)
    grid = [handles[r * ncol:(r + 1) * ncol] for r in range(nrow)]
    return [grid[r][c] for c in range(ncol) for r in range(nrow) if c < len(grid[r])]


def _svg_width(svg: str) -> float:
    return float(re.search(r'width="([\d.]+)pt"', svg).group(1))


_FIT_TRIES = 4
_FITTED: dict[tuple, str] = {}  # drawings of this process, by what they show (a few KiB each)
_FITTED_MAX = 64


def _fitted(table: pd.DataFrame, colours: dict[str, str], hatches: dict[str, str], xlabel: str,
            target_pt: float, ncol: int) -> str:
    """The chart drawn so that, labels included, it is at most ``target_pt`` wide.

    Fitting draws the chart two to four times; a process that shows the same counts again (the
    same review's views, reviews whose counts agree) gets the drawing it already made, and a later
    process (the next build of the same review) the one kept in the cache folder.
    """
    key = (table.to_json(orient="split"), tuple(colours.items()), tuple(hatches.items()), xlabel,
           target_pt, ncol)
    if key not in _FITTED:
        if len(_FITTED) >= _FITTED_MAX:
            _FITTED.pop(next(iter(_FITTED)))  # the oldest
        path = _drawings_dir() / f"{hashlib.sha256(repr(key).encode()).hexdigest()}.svg"
        svg = _read_drawing(path)
        if svg is None:
            svg = _fit(table, colours, hatches, xlabel, target_pt, ncol)
            keep_in_cache(path, svg)
        _FITTED[key] = svg
    return _FITTED[key]


def _read_drawing(path: Path) -> str | None:
    try:
        svg = path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
    return svg if svg.startswith("<svg ") and svg.endswith("</svg>\n") else None


def _drawings_dir() -> Path:
    return cache_dir() / _drawings_folder()


@functools.cache
def _drawings_folder() -> str:
    """The cache folder's charts, named after everything a drawing depends on besides what it shows:
    this module's code, matplotlib and pandas, and the font file matplotlib draws the text with."""
    with plt.rc_context(_RC):
        font = font_manager.findfont(font_manager.FontProperties())
    depends = "\n".join([Path(__file__).read_text(encoding="utf-8"), matplotlib.__version__, pd.__version__,
                         font, str(Path(font).stat().st_size)])
    return f"evidence-review-charts-{hashlib.sha256(depends.encode()).hexdigest()[:16]}"


def _fit(table: pd.DataFrame, colours: dict[str, str], hatches: dict[str, str], xlabel: str,
         target_pt: float, ncol: int) -> str:
    """Draw at the target width, then narrower by what the labels took beyond it, at most 4 times.

    Only the drawing that is kept is written out as SVG; the others are only laid out, to measure.
    A narrower try whose counts sit where they sat is the same figure made narrower (matplotlib
    lays it out afresh when it writes it), not a figure drawn again.
    """
    names = [textwrap.fill(str(i), LABEL_CHARS[target_pt], break_long_words=False) for i in table.index]
    width = target_pt / 72
    fig = inside = None
    for attempt in range(_FIT_TRIES):
        room = _numbers_inside(table, width)
        if fig is not None and room == inside:
            fig.set_size_inches(width, fig.get_size_inches()[1])
        else:
            fig, inside = _draw(table, names, colours, hatches, xlabel, width, ncol, room), room
        last = attempt == _FIT_TRIES - 1
        with plt.rc_context(_RC):  # savefig reads the SVG settings
            drawn, svg = _svg_if_fits(fig, float("inf") if last else target_pt)
        if svg is not None:
            plt.close(fig)
            return svg
        width -= (drawn - target_pt) / 72 + 0.02
    raise AssertionError("unreachable: the last try is always kept")


def _numbers_inside(table: pd.DataFrame, width: float) -> list[list[bool]]:
    """For each series and bar of a chart ``width`` inches wide, whether its segment has room for
    its count inside (0.2 in or more); the other counts are left out, the bar's total is at its end."""
    total = float(table.sum(axis=1).max() or 1)
    axis_in = width * 0.62
    return [[bool(value and value / total * axis_in >= 0.2) for value in table[col].astype(float)]
            for col in table.columns]


def _draw(table: pd.DataFrame, names: list[str], colours: dict[str, str], hatches: dict[str, str],
          xlabel: str, width: float, ncol: int, inside: list[list[bool]] | None = None):
    """The chart as a matplotlib figure ``width`` inches wide (to be written by :func:`to_svg`),
    its counts written in the bars that have room (``inside``: :func:`_numbers_inside` at that
    width, when the caller has it already)."""
    with plt.rc_context(_RC):
        deepest = max((n.count("\n") + 1 for n in names), default=1)  # bars are evenly spaced
        rows = len(names) * (0.155 * deepest + 0.17)
        height = 0.9 + rows + 0.2 * (-(-len(table.columns) // ncol))
        fig = Figure(figsize=(width, height))  # not pyplot's: no figure manager to make and close
        ax = fig.subplots()
        left = pd.Series(0.0, index=table.index)
        total = float(table.sum(axis=1).max() or 1)
        inside = inside if inside is not None else _numbers_inside(table, width)
        handles = []
        for i, col in enumerate(table.columns):
            values = table[col].astype(float)
            if values.sum() == 0:
                continue
            colour = colours.get(col, "#7a8793")
            bars = ax.barh(names, values, left=left, label=str(col), color=colour,
                           hatch=hatches.get(col, HATCH_CYCLE[i % len(HATCH_CYCLE)]),
                           edgecolor="#1d232a", linewidth=0.6, height=0.66)
            handles.append(bars)
            ink = "white" if colour in _DARK else "#1d232a"
            for rect, value, room in zip(bars, values, inside[i], strict=True):
                if room:
                    ax.text(rect.get_x() + rect.get_width() / 2, rect.get_y() + rect.get_height() / 2,
                            f"{int(value)}", ha="center", va="center", fontsize=9, color=ink,
                            fontweight="bold",
                            bbox={"boxstyle": "round,pad=0.12", "fc": colour, "ec": "none"})
            left += values
        for y, value in enumerate(left):  # the bar's total at its end
            ax.text(value + total * 0.015, y, f"{int(value)}", va="center", ha="left", fontsize=9)
        ax.set_xlim(0, total * 1.1)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        ax.tick_params(axis="y", length=0)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ordered = _legend_order(handles, ncol)
        ax.legend(ordered, [h.get_label() for h in ordered], ncol=ncol, fontsize=9, frameon=False,
                  loc="lower left", bbox_to_anchor=(0, 1.0), borderaxespad=0.3, handlelength=1.6,
                  handleheight=1.1, columnspacing=1.0)
        return fig


def stacked_bars(table: pd.DataFrame, colours: dict[str, str], title: str, xlabel: str,
                 hatches: dict[str, str] | None = None, unit: str = "claims",
                 name: str = "chart") -> str:
    """Horizontal stacked bars, one per row of ``table``, one segment per column, drawn wide and
    narrow (both SVGs are returned; the stylesheet shows one)."""
    hatches = hatches or {}
    if table.empty or not float(table.to_numpy().sum()):  # nothing counted (e.g. no claims yet)
        return f'<p class="chart-empty">{esc(title)}: nothing to count yet.</p>'
    desc = describe(table, unit)
    series = sum(1 for c in table.columns if table[c].sum())
    series = max(series, 1)  # every bar empty (nothing counted yet): one legend column, not zero
    wide = _fitted(table, colours, hatches, xlabel, WIDE_PT, min(series, 3))
    longest = max((len(str(c)) for c in table.columns if table[c].sum()), default=0)
    narrow = _fitted(table, colours, hatches, xlabel, NARROW_PT, 1 if longest > 14 else min(series, 2))
    return (_accessible(wide, f"{name}-wide", title, desc, "chart-wide")
            + _accessible(narrow, f"{name}-narrow", title, desc, "chart-narrow"))


def figure(svg: str, caption: str, title: str | None = None) -> HTML:
    heading = f'<p class="chart-title"><b>{esc(title)}</b></p>' if title else ""
    return HTML(f'<figure class="chart">{heading}{svg}<figcaption>{esc(caption)}</figcaption></figure>')
