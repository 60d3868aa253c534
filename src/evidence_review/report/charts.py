"""Charts as deterministic SVG (vector in the PDF, comparable by nbval: no dates, no random ids)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from evidence_review.report.html import HTML, esc  # noqa: E402

# One colour per verdict, the same as the report's table colours but darker for bars.
VERDICT_COLOURS = {
    "supported": "#4e9a5b", "partially-supported": "#d9b43c", "unsupported": "#d9735f",
    "contradicted": "#a8322a", "not-verifiable": "#9aa3ad", "uncited": "#8e7cc3",
}
_RC = {"svg.hashsalt": "evidence-review", "svg.fonttype": "none", "font.family": "DejaVu Sans",
       "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}


def to_svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and DOCTYPE: the SVG is inlined


def figure(svg: str, caption: str) -> HTML:
    return HTML(f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>")


def stacked_bars(table: pd.DataFrame, colours: dict[str, str], title: str, xlabel: str,
                 width: float = 6.5) -> str:
    """Horizontal stacked bars: one bar per row of ``table``, one segment per column."""
    with plt.rc_context(_RC):
        height = 0.9 + 0.38 * max(1, len(table))
        fig, ax = plt.subplots(figsize=(width, height))
        left = pd.Series(0, index=table.index, dtype=float)
        for col in table.columns:
            values = table[col].astype(float)
            if values.sum() == 0:
                continue
            ax.barh([str(i) for i in table.index], values, left=left, label=col,
                    color=colours.get(col, "#7a8793"), edgecolor="white", linewidth=0.6)
            left += values
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        ax.set_title(title, loc="left", fontsize=10)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(ncol=3, fontsize=8, frameon=False, loc="upper center",
                  bbox_to_anchor=(0.5, -0.35 if len(table) < 4 else -0.15))
        return to_svg(fig)
