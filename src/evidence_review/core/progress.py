"""Progress lines for long work: printed on stderr so that stdout stays the command's result."""

from __future__ import annotations

import sys
from collections.abc import Callable

Progress = Callable[[str], None]


def stderr(message: str) -> None:
    """Print one progress line on stderr at once (a build can take a while between lines)."""
    print(message, file=sys.stderr, flush=True)


def say(progress: Progress | None, message: str) -> None:
    """Report ``message`` when a progress callback was given; stay silent otherwise."""
    if progress:
        progress(message)
