"""nbval over the committed notebooks: say in one line when their outputs are stale against the data.

Each committed notebook records a fingerprint of the data it was last run on (written by
``make notebooks``). When a notebook's cells fail under nbval and its data has changed since, the
run ends with one line naming the changed file and the command that refreshes the notebook, instead
of leaving the reviewer with only a raw HTML diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _pytest.nodeid import NodeId

from evidence_review.report.build import stale_notebooks

ROOT = Path(__file__).resolve().parents[1]
_failed: set[str] = set()


def _notebook(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """Under ``--dist loadgroup`` a notebook's cells stay together on one xdist worker, in
    order: they share one kernel, started when the notebook's first cell runs.

    Wraps the other hooks: the marks are set before xdist's hook reads them, and afterwards the
    group is appended to the node id where xdist could not: xdist 3.8 writes ``item._nodeid``,
    which pytest 9 no longer reads (its node id is ``item._id``), so ``--dist loadgroup`` would
    ignore every group. The suffix is added only where it is missing (harmless once xdist works).
    """
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.xdist_group(f"nbval:{item.path.name}"))
    result = yield
    if getattr(config.option, "loadgroup", False):
        for item in items:
            names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                            for m in item.iter_markers("xdist_group")})
            suffix = "@" + "_".join(names)
            if names and not item.nodeid.endswith(suffix):
                item._id = NodeId.parse(item.nodeid + suffix)
    return result


def pytest_runtest_logreport(report):
    if report.failed and ".ipynb" in report.nodeid:
        _failed.add(_notebook(report.nodeid))


def pytest_terminal_summary(terminalreporter):
    if not _failed:
        return
    lines = [line for path, line in stale_notebooks(ROOT).items()
             if any(f.endswith(path) for f in _failed)]
    if lines:
        terminalreporter.section("stale notebook outputs")
        for line in lines:
            terminalreporter.write_line(line)
