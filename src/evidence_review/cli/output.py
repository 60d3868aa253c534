"""How command results are printed: JSON, CSV or a plain-text table."""

from __future__ import annotations

import sys

from evidence_review.core import jsontext
from evidence_review.core.safety import csv_cell, csv_row


def emit(data, fmt: str, frame=None, out=None) -> None:
    """Print a result as JSON, CSV or a plain-text table."""
    out = out or sys.stdout
    if fmt == "json":
        out.write(jsontext.dumps(data) + "\n")
    elif fmt == "csv":  # cells a spreadsheet would execute (=, +, -, @ ...) get an apostrophe
        safe = frame.map(csv_cell) if len(frame) else frame.copy()
        safe.columns = csv_row(safe.columns)
        safe.to_csv(out, index=False, lineterminator="\n")
    else:
        out.write(text_table(frame))


def text_table(frame) -> str:
    """A left-aligned plain-text table; the last column is left unpadded so long text can wrap."""
    cols = list(frame.columns)
    cells = [[str(c) for c in cols]] + [["" if v is None else str(v) for v in row]
                                        for row in frame.itertuples(index=False)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cols) - 1)]
    lines = []
    for row in cells:
        padded = [c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*padded, row[-1]]).rstrip())
    return "\n".join(lines) + "\n"
