"""The fictional dual review (tests/fixtures/dual-review) copied into a temporary project."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "dual-review"
NAME = "cold-swim"


def dual_project(dest: Path, notebooks: bool = False) -> Path:
    """A project holding only the cold-swim review and the shared scales (and the notebooks)."""
    shutil.copytree(FIXTURE / "data", dest / "data")
    shutil.copy(ROOT / "data" / "evidence-levels.yaml", dest / "data")
    shutil.copytree(ROOT / "data" / "quality", dest / "data" / "quality")
    if notebooks:
        shutil.copytree(ROOT / "notebooks", dest / "notebooks",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return dest
