"""The build's two notebook engines: in process (report/inprocess.py: what `build` runs by default)
and a Jupyter kernel per notebook (papermill: `build --kernel`, EVIDENCE_REVIEW_NOTEBOOK_ENGINE=kernel).
Both must write the same outputs and the same report (the report: tests/test_new_review_build.py
builds one review both ways and compares them)."""

from __future__ import annotations

import re

import nbformat
import pytest

from evidence_review.core.paths import Review
from evidence_review.report import build as report_build

CELLS = [
    "import sys\nprint('one')\nprint('to stderr', file=sys.stderr)\nprint('two')",
    "from IPython.display import HTML, display\ndisplay(HTML('<b>shown</b>'))\n40 + 2",
    "handle = display('first', display_id=True)\nhandle.update('updated')\n'last';",
    "total = 40 + 2\nprint(review, total)",
    "raise ValueError('boom')",
    "print('never runs')",
]


def _notebook(path, *sources):
    cells = [nbformat.v4.new_code_cell("review = None\nroot = None", metadata={"tags": ["parameters"]}),
             *(nbformat.v4.new_code_cell(s) for s in sources)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}}), path)


def _outputs(path) -> list[list[tuple]]:
    """Each code cell's outputs, without what is volatile (tracebacks' frames and colours)."""
    cells = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code" or "injected-parameters" in cell.metadata.get("tags", []):
            continue
        cells.append([(o.output_type, o.get("name"), o.get("text"), dict(o.get("data", {})),
                       o.get("ename"), o.get("evalue")) for o in cell.outputs])
    return cells


def test_both_engines_record_the_same_outputs_and_the_same_failure(tmp_path):
    failures, outputs = {}, {}
    for engine in report_build.ENGINES:
        project = tmp_path / engine
        _notebook(project / "notebooks" / "t.ipynb", *CELLS)
        review = Review("t", project)
        with pytest.raises(report_build.BuildError) as failed:
            report_build.execute_notebooks(review, tmp_path / engine / "out", ["t"], engine_name=engine)
        failures[engine] = failed.value.args[0]
        outputs[engine] = _outputs(review.reports_dir / "notebooks" / "t.failed.ipynb")
    assert re.fullmatch(r"notebook t failed in cell \d+: ValueError: boom \(the executed copy is "
                        r"reports/t/notebooks/t\.failed\.ipynb\)", failures["in-process"])
    assert failures["in-process"] == failures["kernel"]
    assert outputs["in-process"] == outputs["kernel"]
    shown = outputs["kernel"][1:]  # after the parameters cell
    assert shown[0] == [("stream", "stdout", "one\ntwo\n", {}, None, None),
                        ("stream", "stderr", "to stderr\n", {}, None, None)]
    assert [o[0] for o in shown[1]] == ["display_data", "execute_result"]
    assert shown[2] == [("display_data", None, None, {"text/plain": "'updated'"}, None, None)]
    assert shown[3] == [("stream", "stdout", "t 42\n", {}, None, None)]
    assert shown[4][-1][4:] == ("ValueError", "boom") and shown[5] == []


def test_the_default_engine_is_in_process_and_an_unknown_one_is_one_line(monkeypatch):
    monkeypatch.delenv(report_build.ENGINE_ENV, raising=False)
    assert report_build.engine() == "in-process"
    monkeypatch.setenv(report_build.ENGINE_ENV, "kernel")
    assert report_build.engine() == "kernel" and report_build.engine("in-process") == "in-process"
    monkeypatch.setenv(report_build.ENGINE_ENV, "threads")
    with pytest.raises(report_build.BuildError, match=r"^EVIDENCE_REVIEW_NOTEBOOK_ENGINE='threads': "
                                                      r"the notebook engine is one of kernel, in-process$"):
        report_build.engine()


def test_the_edited_report_was_built_in_process_and_says_so(edited_report):
    """`edited_report` builds with the default engine, in process; its log says so, a kernel's
    would not."""
    build_run = edited_report.runs[-1]
    assert "executed 03-report in process" in build_run.stderr



def test_build_kernel_reaches_the_build_and_each_child_of_build_all(monkeypatch):
    """`build --kernel` is an argument all the way down: one build passes the kernel engine to
    report.build, and `--all` gives each child build `--kernel` (a remote Dask worker does not see
    this process's environment). test_new_review_build.py checks the children really ran in kernels."""
    from evidence_review.cli import build_one, main
    from evidence_review.workflow import build as workflow_build
    from evidence_review.workflow import build_all

    seen = {}
    monkeypatch.setattr(workflow_build, "build_one", lambda *a, **k: seen.update(k) or 0)
    for argv, expected in ((["build", "--kernel"], "kernel"), (["build"], None)):
        build_one.cmd_build(main.make_parser().parse_args(argv))
        assert seen["engine_name"] == expected
    assert build_all.build_argv("r", "/p", False, False, kernel=True)[-1] == "--kernel"
    assert "--kernel" not in build_all.build_argv("r", "/p", False, False)


def test_a_ctrl_c_in_a_cell_is_the_commands_interrupt_not_a_failed_cell(tmp_path):
    """In process, IPython would record a KeyboardInterrupt as the cell's error; the build is
    interrupted instead (the CLI then says `interrupted`, exit 130, the previous report unchanged)."""
    _notebook(tmp_path / "notebooks" / "t.ipynb", "print('started')", "raise KeyboardInterrupt",
              "print('never runs')")
    with pytest.raises(KeyboardInterrupt):
        report_build.execute_notebooks(Review("t", tmp_path), tmp_path / "out", ["t"],
                                       engine_name="in-process")
