"""The stage packages import forward only (pyproject.toml [tool.importlinter]; docs/architecture.md)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contract_holds():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Contracts: 1 kept, 0 broken" in result.stdout


def test_no_module_names_the_first_review():
    # the package serves any article: the first review's names live in data/, never in src/
    words = ("muscle", "spasm", "cramp", "katzberg", "swash", "medlineplus", "ene.13799")
    hits = [f"{p.relative_to(ROOT)}: {w}" for p in (ROOT / "src").rglob("*.py")
            for w in words if w in p.read_text(encoding="utf-8").lower()]
    assert hits == []
