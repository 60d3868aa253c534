"""A build killed before its clean-up leaves a hidden `.build-*` folder; the next build removes it,
but never the folder of a build that is still running."""

import os
import subprocess
import sys
import time

import nbformat
import pytest

from evidence_review.core.paths import Review
from evidence_review.report import build


def _staging(out, name, owner=None, age_s=0.0):
    folder = out / f".build-{name}"
    (folder / "notebooks").mkdir(parents=True)
    if owner is not None:
        (folder / build._OWNER).write_text(str(owner), encoding="ascii")
    if age_s:
        then = time.time() - age_s
        os.utime(folder, (then, then))
    return folder


def test_abandoned_build_folders_are_removed_and_running_ones_kept(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(gone.stdout)
    dead = _staging(tmp_path, "dead", owner=dead_pid)
    running = _staging(tmp_path, "running", owner=os.getppid())
    old_unowned = _staging(tmp_path, "old", age_s=build._UNOWNED_GRACE_S + 60)
    new_unowned = _staging(tmp_path, "new")
    report = tmp_path / "review.html"
    report.write_text("<p>the report</p>")

    build._remove_abandoned(tmp_path)

    assert not dead.exists() and not old_unowned.exists()
    assert running.is_dir() and new_unowned.is_dir()
    assert report.read_text() == "<p>the report</p>"


def _notebook(path, *sources):
    cells = [nbformat.v4.new_code_cell("review = None\nroot = None", metadata={"tags": ["parameters"]}),
             *(nbformat.v4.new_code_cell(s) for s in sources)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}}), path)


def test_a_notebook_is_written_once_not_after_every_cell(tmp_path, monkeypatch):
    """papermill's per-cell saves (a validated rewrite of the whole notebook, twice per cell) cost
    the build ~0.8 s of CPU on the default review; the executed copy is written once, at the end."""
    _notebook(tmp_path / "notebooks" / "t.ipynb", "print('one')", "print('two')")
    import papermill.engines  # imported here: ~0.4 s of every worker's collection otherwise

    saves = []
    real = papermill.engines.write_ipynb
    monkeypatch.setattr(papermill.engines, "write_ipynb", lambda nb, p: (saves.append(p), real(nb, p)))
    review = Review("t", tmp_path)
    [executed] = build.execute_notebooks(review, tmp_path / "out", ["t"])
    assert saves == []
    outputs = [c.outputs for c in nbformat.read(executed, as_version=4).cells if c.cell_type == "code"]
    assert [o[0]["text"] for o in outputs if o] == ["one\n", "two\n"]


def test_a_failed_notebook_keeps_its_executed_copy_with_the_error(tmp_path):
    _notebook(tmp_path / "notebooks" / "t.ipynb", "print('before')", "raise ValueError('boom')")
    review = Review("t", tmp_path)
    with pytest.raises(build.BuildError, match=r"notebook t failed in cell \d+: ValueError: boom"):
        build.execute_notebooks(review, tmp_path / "out", ["t"])
    kept = nbformat.read(review.reports_dir / "notebooks" / "t.failed.ipynb", as_version=4)
    texts = [o.get("text", o.get("evalue")) for c in kept.cells if c.cell_type == "code" for o in c.outputs]
    assert "before\n" in texts and "boom" in texts
