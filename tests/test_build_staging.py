"""A build killed before its clean-up leaves a hidden `.build-*` folder; the next build removes it,
but never the folder of a build that is still running."""

import os
import subprocess
import sys
import time

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
