"""Run a notebook's code cells in this process: how ``build`` executes its report notebook.

The report notebook is thin: it calls the package's views on the review's session. A build has
already imported pandas and the package to check the review; in a Jupyter kernel of its own the
notebook paid that kernel's start, its second import of pandas, matplotlib and the package, and the
messaging of every output (~2.5 s of CPU on the default review, more than a third of a build
without PDF). Here the cells run through IPython's own shell, display formatter and display hook:
the executed notebook holds the same outputs (execute results, displays, streams, errors), and the
report exported from it is the same (tests/test_build_engines.py compares it with a kernel's).
``build --kernel`` (EVIDENCE_REVIEW_NOTEBOOK_ENGINE=kernel) still runs it in a kernel, as
JupyterLab and nbval do (see :func:`report.build.engine`).

What it does not isolate: the cells run in the calling process and share its imported modules,
its environment, its working directory and its ``sys.stdout`` (swapped while a cell runs: a
thread printing meanwhile lands in the cell's output). One notebook runs at a time (a lock).
Widget comms, input() and the kernel's magics that need a kernel (``%matplotlib inline``) are
not available; the project's notebooks use none of them while building. A Ctrl-C in a cell is
the command's interrupt, not the cell's error.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import sys
import threading
from pathlib import Path

import nbformat
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook
from traitlets import Type
from traitlets.config import Config

from evidence_review.report.build import ENGINE_KEY

_ONE_AT_A_TIME = threading.Lock()


class CellError(Exception):
    """A cell raised: the executed notebook (with the error output) was written first."""

    def __init__(self, exec_count: int, ename: str, evalue: str):
        super().__init__(f"cell {exec_count}: {ename}: {evalue}")
        self.exec_count, self.ename, self.evalue = exec_count, ename, evalue


class _Outputs(list):
    """The current cell's outputs, in the order the cell produced them (nbformat dicts)."""

    def stream(self, name: str, text: str) -> None:
        """A cell's writes to one stream go into that stream's one output, as a kernel's buffered
        stream arrives for a cell that finishes within its flush interval (nbconvert's
        coalesce_streams gives the same)."""
        for output in self:
            if output.get("output_type") == "stream" and output["name"] == name:
                output["text"] += text
                return
        self.append(nbformat.v4.new_output("stream", name=name, text=text))


class _Stream(io.TextIOBase):
    def __init__(self, shell: _Shell, name: str):
        self.shell, self.name = shell, name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            self.shell.outputs.stream(self.name, text)
        return len(text)


class _DisplayHook(DisplayHook):
    """A cell's last value: an ``execute_result`` (the kernel's displayhook sends the same)."""

    def start_displayhook(self) -> None:
        pass

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict, md_dict=None) -> None:
        self.shell.outputs.append(nbformat.v4.new_output(
            "execute_result", data=format_dict, metadata=md_dict or {},
            execution_count=self.shell.execution_count))

    def finish_displayhook(self) -> None:
        pass


class _DisplayPublisher(DisplayPublisher):
    """``display()``, ``update_display()`` and ``clear_output()``, as nbclient records them."""

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        display_id = (transient or {}).get("display_id")
        if update:
            for output in self.shell.displayed.get(display_id, []):
                output["data"], output["metadata"] = data, metadata or {}
            return
        output = nbformat.v4.new_output("display_data", data=data, metadata=metadata or {})
        self.shell.outputs.append(output)
        if display_id is not None:
            self.shell.displayed.setdefault(display_id, []).append(output)

    def clear_output(self, wait: bool = False) -> None:
        self.shell.outputs.clear()


class _Shell(InteractiveShell):
    displayhook_class = Type(_DisplayHook)
    display_pub_class = Type(_DisplayPublisher)

    def __init__(self, **kwargs):
        self.outputs = _Outputs()
        self.displayed: dict[str, list[dict]] = {}
        super().__init__(**kwargs)

    def _showtraceback(self, etype, evalue, stb) -> None:
        self.outputs.append(nbformat.v4.new_output(
            "error", ename=getattr(etype, "__name__", str(etype)), evalue=str(evalue), traceback=stb))


@contextlib.contextmanager
def _current(shell: _Shell):
    """``shell`` as IPython's current shell (``display()`` and ``get_ipython()`` find it) and its
    module as ``__main__``, both restored afterwards; the shell's own exit work done at the end."""
    saved_instance = InteractiveShell.__dict__.get("_instance")
    saved_main = sys.modules.get("__main__")
    InteractiveShell._instance = shell
    try:
        yield
    finally:
        InteractiveShell._instance = saved_instance
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
        atexit.unregister(shell.atexit_operations)
        shell.atexit_operations()


def execute(src: Path, dst: Path, parameters: dict) -> nbformat.NotebookNode:
    """Execute notebook ``src`` with ``parameters`` (injected as papermill injects them) and write
    the executed notebook to ``dst``; a cell that raises ends the run (:class:`CellError`) after
    the notebook so far, with the error, was written."""
    nb = parameterize_notebook(load_notebook_node(str(src)), parameters)
    config = Config()
    config.HistoryManager.enabled = False  # no history database, no saving thread
    with _ONE_AT_A_TIME:
        saved_main = sys.modules.get("__main__")
        shell = _Shell(config=config, colors="nocolor")
        if saved_main is not None:  # IPython's shell installs its namespace as __main__
            sys.modules["__main__"] = saved_main
        with _current(shell):
            sys.modules["__main__"] = shell.user_module
            failed = None
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                shell.outputs = _Outputs()
                with contextlib.redirect_stdout(_Stream(shell, "stdout")), \
                        contextlib.redirect_stderr(_Stream(shell, "stderr")):
                    result = shell.run_cell(cell.source, store_history=True)
                cell.execution_count = result.execution_count
                cell.outputs = list(shell.outputs)
                if not result.success:
                    error = result.error_in_exec or result.error_before_exec
                    if isinstance(error, KeyboardInterrupt):  # Ctrl-C: the command's, not the cell's
                        raise KeyboardInterrupt
                    failed = CellError(result.execution_count or 0, type(error).__name__, str(error))
                    break
    nb.metadata[ENGINE_KEY] = "in-process"  # says how it ran (a kernel's run has no such key)
    nbformat.write(nb, dst)
    if failed is not None:
        raise failed
    return nb
