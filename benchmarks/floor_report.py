"""The one-process floor of a build: notebook 03's cells run in this process, the same HTML (and PDF).

No kernel, no papermill, no input checks, no exports: one interpreter imports the package, runs
the report notebook's code cells in an IPython shell (outputs formatted by the same display
formatter a kernel uses), and writes the HTML with :func:`export_html` and the PDF with
:func:`export_pdf`. A build cannot be cheaper than this; ``bench_build.py`` runs it beside the
build, in the same run, and compares the CPU time of both.

    python benchmarks/floor_report.py --review muscle-spasm --out DIR [--no-pdf]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

from evidence_review.core.lean_imports import without_unused_format_checkers

without_unused_format_checkers()  # as report/build.py does before nbformat is first imported: the same work

import nbformat  # noqa: E402
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402

from evidence_review.core.paths import Review  # noqa: E402
from evidence_review.report import build  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def run_cells(path: Path, review: Review) -> nbformat.NotebookNode:
    """Execute every code cell of ``path`` in this process; outputs as a kernel would send them."""
    nb = nbformat.read(path, as_version=4)
    shell = InteractiveShell.instance()
    shell.run_cell(f"review = {review.name!r}\nroot = {str(review.root)!r}", store_history=False)
    for count, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        with contextlib.redirect_stdout(io.StringIO()):  # the shell echoes "Out[ ]: ..."
            result = shell.run_cell(cell.source, store_history=False)
        result.raise_error()
        cell.outputs = []
        cell.execution_count = count
        if result.result is not None:
            data, metadata = shell.display_formatter.format(result.result)
            cell.outputs.append(nbformat.v4.new_output("execute_result", data=data,
                                                       metadata=metadata,
                                                       execution_count=count))
    return nb


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--review", default=None)
    p.add_argument("--root", type=Path, default=ROOT)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--no-pdf", action="store_true")
    args = p.parse_args(argv)
    review = Review.open(args.review, args.root)
    args.out.mkdir(parents=True, exist_ok=True)
    nb = run_cells(build.notebooks_dir(review) / f"{build.REPORT_NOTEBOOK}.ipynb", review)
    executed = args.out / f"{build.REPORT_NOTEBOOK}.ipynb"
    nbformat.write(nb, executed)
    title = InteractiveShell.instance().user_ns["session"].meta.title or review.name
    html = build.export_html(executed, title, args.out / "review.html", build.footer(review))
    if not args.no_pdf:
        build.export_pdf(html, args.out / "review.pdf")
    return 0


if __name__ == "__main__":
    sys.exit(main())
