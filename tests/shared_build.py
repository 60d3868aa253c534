"""The default review built once per test run (conftest's `built_report`), started in a process of
its own as soon as the run is collected.

The build (its PDF above all) is the costliest fixture of the suite: ~15 CPU-s. Built by the first
test that asked for it, it held that test's worker up for the whole build, and every test that read
it had to wait on the same worker. Started in the background when a worker finds such a test among
those it collected, it runs beside the other tests; whichever process takes the lock first builds,
the others wait for it and read the same report. A build that failed in the background is built
again in the test's own process, so its failure is reported there, with its message.

Run as a script (``python tests/shared_build.py FOLDER``) it builds into FOLDER and exits.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

NAME = "built-report"
LOOPBACK = ["127.0.0.1", "localhost", "::1"]  # pyproject's --allow-hosts


def build_once(shared: Path) -> Path:
    """The project folder holding the built report in ``shared``, built here unless done already."""
    root, done = shared / NAME, shared / f"{NAME}.done"
    with open(shared / f"{NAME}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # taken before any heavy import: the first process wins
        try:
            if not done.exists():
                if root.exists():  # a build that failed: build again, from a clean copy
                    import shutil

                    shutil.rmtree(root)
                root.mkdir()
                _build(root)
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return root


def _build(root: Path) -> None:
    """A copy of the project whose snapshot holds the hostile record, built with its PDF."""
    from projects import build, copy_project, hostile_records, run_cli

    from evidence_review.records.standin import CrossrefStandIn

    copy_project(root)
    _, records = hostile_records()
    with CrossrefStandIn(records) as api:
        fetched = run_cli("fetch", "--refresh", "--no-europepmc", "--base-url", api.base_url, root=root)
    assert fetched.returncode == 0, fetched.stderr
    build(root)


def start_in_background(shared: Path) -> subprocess.Popen | None:
    """Starts the build in a new process unless another process of this run has started it."""
    try:
        os.close(os.open(shared / f"{NAME}.started", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return None
    log = open(shared / f"{NAME}.log", "w")  # noqa: SIM115 - the child writes it; closed below
    try:
        return subprocess.Popen([sys.executable, __file__, str(shared)], stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()


def finish(process: subprocess.Popen | None) -> None:
    """Waits for the background build: a test on another worker may still be waiting for it."""
    if process is None:
        return
    try:
        process.wait(timeout=600)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


if __name__ == "__main__":
    # the same network rule as the tests: loopback only (the stand-in), nothing else
    from pytest_socket import socket_allow_hosts

    socket_allow_hosts(LOOPBACK)
    sys.path.insert(0, str(Path(__file__).parent))
    build_once(Path(sys.argv[1]))
