"""Helpers shared by the test modules: a temporary copy of the project and a build of it."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from evidence_review.cli import main as cli

ROOT = Path(__file__).resolve().parents[1]
REVIEW = "muscle-spasm"


@dataclass
class Built:
    root: Path
    html: Path
    pdf: Path | None

    @property
    def text(self) -> str:
        return self.html.read_text(encoding="utf-8")


def copy_project(dest: Path, review: str = REVIEW) -> Path:
    """What a build of ``review`` reads, copied into ``dest``: its data and refs, the shared scheme
    and instruments, the notebooks (never the other reviews: a large data/ would slow every test)."""
    ignore = shutil.ignore_patterns(".ipynb_checkpoints")
    for folder in (f"data/{review}", f"refs/{review}", "data/quality", "notebooks"):
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, dest / folder, ignore=ignore)
    shutil.copy2(ROOT / "data" / "evidence-levels.yaml", dest / "data" / "evidence-levels.yaml")
    return dest


def build(root: Path, pdf: bool = True) -> Built:
    """`evidence-review build` on a copied project; a failing build fails the test with its message."""
    args = ["build", "--root", str(root), "--review", REVIEW] + ([] if pdf else ["--no-pdf"])
    cwd = os.getcwd()
    try:
        status = cli.main(args)
    finally:
        # papermill's `cwd=` changes the process's directory; two notebooks run in threads can leave
        # it in the copy's notebooks/, and later tests (nbval's sanitizer path) resolve against it.
        os.chdir(cwd)
    assert status == 0, f"evidence-review {' '.join(args)} failed"
    out = root / "reports" / REVIEW
    return Built(root, out / "review.html", out / "review.pdf" if pdf else None)
