"""Pausing the cyclic garbage collector over work that makes many small objects and no cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["no_gc_passes"]


@contextmanager
def no_gc_passes() -> Iterator[None]:
    """No collection passes inside the block (or the decorated function); the collector is
    restored as it was, also on an error.

    Reading or auditing 10,000 references makes hundreds of thousands of small dicts and lists,
    and each generation-0 threshold crossed walks them all again for cycles that these objects
    never form. Reference counting still frees them as usual.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
