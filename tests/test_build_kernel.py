"""The kernel a build runs its notebook in (report/kernel.py), and what the parent of a build imports."""

from __future__ import annotations

import json
import subprocess
import sys

from jupyter_client.manager import KernelManager

from evidence_review.report import build

PROBE = ("import sys, json; print(json.dumps([type(get_ipython().kernel).__name__, "
         "sys.modules.get('debugpy', 'absent') is None, 'ipykernel.debugger' in sys.modules, 6 * 7]))")


def _run_in_kernel(extra: list[str], code: str) -> list:
    km = KernelManager(kernel_name="python3")
    km.start_kernel(extra_arguments=extra)
    try:
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        out: list[str] = []
        reply = kc.execute_interactive(code, timeout=60, output_hook=lambda msg: out.append(
            msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None)
        assert reply["content"]["status"] == "ok", reply["content"]
        kc.stop_channels()
        return json.loads("".join(out))
    finally:
        km.shutdown_kernel(now=True)


def test_the_build_kernel_runs_code_without_importing_the_debugger():
    kind, refused, debugger_loaded, answer = _run_in_kernel(build.KERNEL_ARGS, PROBE)
    assert (kind, refused, answer) == ("BuildKernel", True, 42)
    assert debugger_loaded  # ipykernel's module is there, it only found no debugpy


def test_a_plain_kernel_still_has_its_debugger():
    """The probe can tell: without the kernel class, IPython's kernel loads debugpy as before."""
    kind, refused, _, answer = _run_in_kernel(["--log-level=ERROR"], PROBE)
    assert (kind, refused, answer) == ("IPythonKernel", False, 42)


def test_the_parent_of_a_build_imports_no_bm25s_nor_scipy():
    """Starting ``build`` loads neither the passage ranking (bm25s, SciPy) nor matplotlib: only the
    report notebook's cells need them (in the build's process or, with --kernel, in its kernel)."""
    code = ("import json, sys\nimport evidence_review.cli.build_one\n"
            "print(json.dumps([m for m in ('bm25s', 'scipy', 'matplotlib') if m in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []


IMPORTED_WHILE_RUNNING = r'''
import json, sys, time
from pathlib import Path
import nbformat
from evidence_review.core.paths import Review
from evidence_review.report import build

seen = {}

def fake_execute(review, out_dir, names, progress=None, timings=None, engine_name=None):
    """Stands in for the kernel's run: waits (at most 60 s) to see the exporter imported meanwhile."""
    seen["before"] = "nbconvert.exporters.html" in sys.modules
    deadline = time.monotonic() + 60
    while "nbconvert.exporters.html" not in sys.modules and time.monotonic() < deadline:
        time.sleep(0.01)
    seen["during"] = "nbconvert.exporters.html" in sys.modules
    out_dir.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Findings")])
    nbformat.write(nb, out_dir / "03-report.ipynb")
    return [out_dir / "03-report.ipynb"]

build.execute_notebooks = fake_execute
root = Path(sys.argv[1])
result = build._build_into(Review("t", root), root / "staging", root / "out", False, None, "T",
                          engine_name="kernel")
print(json.dumps([seen["before"], seen["during"], "Findings" in result.html.read_text()]))
'''


def test_the_exporters_are_imported_while_the_notebook_runs(tmp_path):
    """With --kernel, the build waits while the kernel runs the notebook: it imports nbconvert's
    exporter then (in a thread), not after."""
    (tmp_path / "staging").mkdir()
    done = subprocess.run([sys.executable, "-c", IMPORTED_WHILE_RUNNING, str(tmp_path)],
                          capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == [False, True, True]
