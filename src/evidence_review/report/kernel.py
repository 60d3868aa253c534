"""The kernel a build runs its notebook in: IPython's own kernel, without the debugger.

``build`` starts it with ``--IPKernelApp.kernel_class=evidence_review.report.kernel.BuildKernel``
(:data:`evidence_review.report.build.KERNEL_ARGS`); JupyterLab's kernels are not affected. A build
executes the notebook once from top to bottom and nobody attaches a debugger to it, yet
:class:`ipykernel.ipkernel.IPythonKernel` imports debugpy when it starts (~0.2 s of CPU in every
build, measured 2026-12-01). The kernel application imports this module when it resolves the kernel
class, before it creates the kernel, so the import below is refused and ipykernel runs without its
debugger (its ``_is_debugpy_available`` is then false). Everything else is IPython's kernel as is.

This module imports nothing of the package: it runs in the kernel before the notebook does.
"""

from __future__ import annotations

import sys

sys.modules.setdefault("debugpy", None)  # before ipykernel's debugger module is first imported

from ipykernel.ipkernel import IPythonKernel  # noqa: E402

__all__ = ["BuildKernel"]


class BuildKernel(IPythonKernel):
    """IPython's kernel; only its debugger is left out (see the module's docstring)."""
