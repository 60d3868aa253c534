"""How fast this machine's CPU is right now: a fixed pure-Python loop, timed in CPU seconds.

A virtual machine's speed drifts (on the 2-CPU VM of docs/benchmarks.md a loop like this one took
4.0 to 5.1 s of CPU minute to minute, and the same commands 25-60 % more CPU an hour apart): the
benchmarks print this probe at their start and end, so that a figure can be read against the speed
of the minute it was taken in.
"""

from __future__ import annotations

import time

LOOP = 20_000_000


def probe() -> float:
    """CPU seconds for ``LOOP`` additions in a Python loop (lower is faster)."""
    start = time.process_time()
    total = 0
    for i in range(LOOP):
        total += i
    return time.process_time() - start


def line() -> str:
    return f"speed probe: {LOOP:,} additions of a Python loop in {probe():.2f} s of CPU (lower is faster)"
