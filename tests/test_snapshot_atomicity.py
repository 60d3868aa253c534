"""A fetch killed with SIGKILL at any point leaves a snapshot that loads and matches its hashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sample_records import SAMPLE_RECORDS as RECORDS

from evidence_review.records.snapshot import Snapshot, write_snapshot
from evidence_review.records.standin import Fault

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

HEADER = {"provenance": "crossref-api", "base_url": "http://127.0.0.1", "client": "test"}

# The child fetches through the client, builds v2 of the snapshot and writes it. PAUSE_AT names the
# step where it announces itself on stdout and waits to be killed.
CHILD = r"""
import json, sys, time
from evidence_review.records import snapshot
from evidence_review.records.crossref import CrossrefClient

base_url, directory, pause_at = sys.argv[1:4]

def pause(step):
    if step == pause_at:
        print(step, flush=True)
        time.sleep(60)

written = []
original_write = snapshot._write_work
def write_then_maybe_pause(path, data):
    original_write(path, data)
    written.append(path)
    if len(written) == 3:
        pause("mid-write")
snapshot._write_work = write_then_maybe_pause

original_swap = snapshot._swap_in
def swap_then_maybe_pause(staging, target):
    original_swap(staging, target)
    pause("after-swap")
snapshot._swap_in = swap_then_maybe_pause

print("fetching", flush=True)
with CrossrefClient(base_url=base_url, mailto="reviewer@example.org", backoff=0.01) as client:
    outcomes = client.get_works(["10.5555/sample.13799", "10.5555/sample.0b0002",
                                 "10.5555/sample.cd012345"], refresh=True)
works = {d: o.message for d, o in outcomes.items() if o.status == "ok"}
for message in works.values():
    message["title"] = ["v2 " + message["title"][0]]
refs = {str(i): {"status": "matched", "doi": d, "doi_cited": d, "reason": None}
        for i, d in enumerate(works, 1)}
snapshot.write_snapshot(directory, works, refs, provenance="crossref-api",
                        retrieved="2026-06-01", base_url=base_url, client="test")
print("done", flush=True)
"""


def _write_v1(directory: Path) -> dict[str, bytes]:
    works = {k.lower(): v for k, v in RECORDS.items() if "cd012345" not in k.lower()}
    refs = {"1": {"status": "matched", "doi": "10.5555/sample.13799", "doi_cited": None,
                  "reason": None}}
    write_snapshot(directory, works, refs, retrieved="2026-05-09", **HEADER)
    return _files(directory)


def _files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def _run_child_until(base_url: str, directory: Path, step: str) -> None:
    """Start the child, wait until it reaches ``step``, then SIGKILL it."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, base_url, str(directory), step],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = child.stdout.readline().strip()
            if line == step or not line:
                break
        assert line == step, f"child never reached {step!r}: {child.stderr.read()[-2000:]}"
        if step == "fetching":
            time.sleep(0.3)  # let it get a request in flight (the stand-in hangs it)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()


@pytest.mark.parametrize("step", ["fetching", "mid-write"])
def test_killed_before_the_swap_leaves_the_old_snapshot(standin, tmp_path, step):
    directory = tmp_path / "data" / "muscle-spasm" / "crossref"
    before = _write_v1(directory)
    if step == "fetching":
        standin.add_fault(Fault("hang", delay=30))
    _run_child_until(standin.base_url, directory, step)
    snap = Snapshot.load(directory)  # verifies every sha256
    assert _files(directory) == before
    assert snap.retrieved == "2026-05-09"
    assert snap.work("10.5555/sample.13799")["title"] == ["Muscle cramps: a review of treatment"]
    # The next write clears what the killed writer left behind and succeeds.
    write_snapshot(directory, snap.works(), snap.references, retrieved="2026-05-10", **HEADER)
    assert Snapshot.load(directory).retrieved == "2026-05-10"
    assert not list(directory.parent.glob(".crossref.*"))


def test_killed_after_the_swap_leaves_the_new_snapshot(standin, tmp_path):
    directory = tmp_path / "data" / "muscle-spasm" / "crossref"
    _write_v1(directory)
    _run_child_until(standin.base_url, directory, "after-swap")
    snap = Snapshot.load(directory)
    assert snap.retrieved == "2026-06-01"
    assert snap.work("10.5555/sample.13799")["title"] == ["v2 Muscle cramps: a review of treatment"]
    assert len(snap.works()) == 3
    manifest = json.loads((directory / "manifest.json").read_text())
    assert set(manifest["works"]) == set(snap.works())
