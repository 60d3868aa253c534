"""Where the per-page CPU work runs: in this process, on a Dask LocalCluster, or on a cluster.

- ``--scheduler ADDRESS`` (else ``DASK_SCHEDULER_ADDRESS``): an existing Dask cluster (Kubernetes,
  an HPC queue, anything ``distributed.Client`` can reach; see docs/scale.md);
- else, for ``IN_PROCESS_BELOW`` pages or more, a ``LocalCluster`` of ``--workers`` processes
  (default: the machine's cores), one thread each (intake is pure Python: threads would share
  one GIL); or plain threads of this process for tasks that each run a child process
  (``processes=False``: the builds of ``build --all``);
- else in this process: a LocalCluster costs seconds to start (measured in docs/benchmarks.md),
  more than a small site's whole CPU part.

Only plain functions of plain data are sent (:mod:`evidence_review.site.pages`); results come back
to the driver, which alone talks to Crossref and writes the store.
"""

from __future__ import annotations

import itertools
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tqdm import tqdm

# Below this many pages the scan stays in-process. Measured (docs/benchmarks.md): a LocalCluster
# took 5.8 s to start and stop with 2 workers (3.5 s with 1) at a load average of ~10 on the 2-core
# benchmark machine; the CPU part costs ~31 ms of CPU per page in-process, so 2 workers save at
# most ~15 ms a page: below ~400 pages the cluster costs more than it saves. (The start overlaps
# the listing of the pages, which hides part of it on large sites.)
IN_PROCESS_BELOW = 400
CHUNK = 20  # pages per task: amortises Dask's per-task overhead (~1 ms) and pickling


class _NoBar:
    """A progress bar that is not shown."""

    def update(self, n: int = 1) -> None:
        pass

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class Opaque:
    """A task's argument that Dask sends as it is: ``Client.submit`` walks lists and dicts
    looking for futures (~60 ms of the driver's time per chunk of 20 pages' payload, under cProfile);
    an object of another class is pickled without being walked."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _run_opaque(fn: Callable[[list], list], part: Opaque) -> list:
    return fn(part.value)


def scheduler_address(explicit: str | None = None) -> str | None:
    return explicit or os.environ.get("DASK_SCHEDULER_ADDRESS") or None


class Engine:
    """Run chunked functions over items, with a progress bar; a context manager.

    Parameters
    ----------
    pages : int
        How many pages the scan will process (picks in-process for small runs).
    workers : int, optional
        LocalCluster worker processes (default: ``os.cpu_count()``); 0 forces in-process.
    scheduler : str, optional
        Address of an existing Dask scheduler (else ``DASK_SCHEDULER_ADDRESS``).
    progress : bool, optional
        Show progress bars on stderr (default: when stderr is a terminal).
    in_process_below : int
        Fewer items than this stay in-process (default :data:`IN_PROCESS_BELOW` pages; the builds
        of ``build --all`` take seconds each, so two of them already gain from a cluster).
    warmup : callable, optional
        Run once on every worker as soon as the cluster is up (in the start's background thread,
        so it overlaps the driver's own work): imports and model loading that the first task
        would otherwise pay on each worker.
    processes : bool
        Local workers as the processes of a LocalCluster (default) or as plain threads of this
        process (``mode == "threads"``, no scheduler). Threads suit tasks whose work runs in child
        processes of their own (the builds of ``build --all``): they start at once and import
        nothing. A LocalCluster of threads was measured instead (issue 19): importing distributed
        and starting it cost 1.5–2.3 s of wall time before the first build could start, for a
        scheduler that had nothing to balance. With a scheduler address, tasks go to that cluster.
    """

    def __init__(self, pages: int, workers: int | None = None, scheduler: str | None = None,
                 progress: bool | None = None, in_process_below: int = IN_PROCESS_BELOW,
                 warmup: Callable[[], Any] | None = None, processes: bool = True) -> None:
        self.address = scheduler_address(scheduler)
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.progress = progress
        if self.address:
            self.mode = "cluster"
        elif self.workers == 0 or pages < in_process_below or (workers is None and self.workers < 2):
            self.mode = "in-process"  # one core and no explicit --workers: a cluster cannot help
        elif not processes:
            self.mode = "threads"
        else:
            self.mode = "local-cluster"
        self.warmup = warmup
        self.processes = processes
        self._client = None
        self._cluster = None
        self._starting: threading.Thread | None = None
        self._closing: threading.Thread | None = None
        self._error: BaseException | None = None
        self._threads: ThreadPoolExecutor | None = None

    def describe(self) -> str:
        if self.mode == "cluster":
            return f"Dask cluster at {self.address}"
        if self.mode == "local-cluster":
            return f"Dask LocalCluster, {self.workers} worker process(es)"
        if self.mode == "threads":
            return f"{self.workers} worker thread(s)"
        return "in-process"

    def start(self) -> Engine:
        """Begin starting the cluster in a background thread (it takes seconds); returns at once."""
        if self.mode == "threads":
            if self._threads is None:
                self._threads = ThreadPoolExecutor(max_workers=max(1, self.workers),
                                                   thread_name_prefix="engine")
            return self
        if self.mode != "in-process" and self._starting is None and self._client is None:
            self._starting = threading.Thread(target=self._connect, name="dask-start", daemon=True)
            self._starting.start()
        return self

    def _connect(self) -> None:
        from distributed import Client, LocalCluster

        try:
            if self.mode == "cluster":
                self._client = Client(self.address)
            else:
                # loopback TCP for threads too: Dask's in-process transport looks up the host's
                # address by opening a socket towards the internet
                self._cluster = LocalCluster(n_workers=max(1, self.workers), threads_per_worker=1,
                                             processes=self.processes, host="127.0.0.1",
                                             protocol="tcp://", dashboard_address=None,
                                             silence_logs=logging.ERROR)
                self._client = Client(self._cluster)
            if self.warmup is not None:
                self._client.run(self.warmup)
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread by __enter__
            self._error = exc

    def __enter__(self) -> Engine:
        if self.mode in ("in-process", "threads"):
            return self.start()
        self.start()
        self._starting.join()
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        if self._closing is None:  # else close_soon() began it: the caller's close() waits
            self.close()

    def close_soon(self) -> None:
        """Begin shutting down in the background (seconds for a LocalCluster), overlapping what
        the driver does next; :meth:`close` must still be called: it waits for the end."""
        if self._client is not None and self._closing is None:
            self._closing = threading.Thread(target=self._shutdown, name="dask-stop", daemon=True)
            self._closing.start()

    def close(self) -> None:
        """Shut the client and any LocalCluster down (waits for a start or a stop under way)."""
        if self._threads is not None:
            self._threads.shutdown(wait=True)
            self._threads = None
        if self._starting is not None:
            self._starting.join()
        if self._closing is not None:
            self._closing.join()
        self._shutdown()
        self._starting = self._closing = None

    def _shutdown(self) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def bar(self, total: int, desc: str, unit: str = "page") -> tqdm | _NoBar:
        show = self.progress if self.progress is not None else sys.stderr.isatty()
        if not show:  # tqdm not imported: the parent of `build --all` starts its builds sooner
            return _NoBar()
        from tqdm import tqdm

        return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False)

    def map(self, fn: Callable[[list], list], items: list[Any], desc: str, chunk: int = CHUNK,
            prepare: Callable[[list], list] | None = None) -> Iterator[list]:
        """``fn`` over chunks of ``items``; yields each chunk's results as soon as it is done.

        ``prepare`` turns a chunk of items into the task's input just before it is sent (e.g.
        page ids into their references), so only the chunks in flight are held in memory.
        """
        prepare = prepare or (lambda part: part)
        chunks = [items[i:i + chunk] for i in range(0, len(items), chunk)]
        with self.bar(len(items), desc) as bar:
            if self._threads is not None:
                yield from self._map_threads(fn, chunks, prepare, bar)
                return
            if self._client is None:
                for part in chunks:
                    out = fn(prepare(part))
                    bar.update(len(part))
                    yield out
                return
            from distributed import as_completed

            # A bounded window of chunks in flight: the driver never holds every chunk's payload
            # and result at once (memory stays flat however large the site).
            slots = max(2, 2 * sum(self._client.nthreads().values()))
            pending = iter(chunks)
            sizes: dict[str, int] = {}

            def submit(part: list):
                future = self._client.submit(_run_opaque, fn, Opaque(prepare(part)), pure=False)
                sizes[future.key] = len(part)
                return future

            running = as_completed([submit(part) for part in itertools.islice(pending, slots)])
            for future in running:
                out = future.result()
                bar.update(sizes.pop(future.key))
                future.release()
                part = next(pending, None)
                if part is not None:
                    running.add(submit(part))
                yield out

    def _map_threads(self, fn: Callable[[list], list], chunks: list[list], prepare: Callable[[list], list],
                     bar: tqdm | _NoBar) -> Iterator[list]:
        """``map`` on the thread pool: a bounded window of chunks in flight, results as they end."""
        slots = max(2, 2 * self.workers)
        pending = iter(chunks)
        running = {self._threads.submit(fn, prepare(part)): len(part)
                   for part in itertools.islice(pending, slots)}
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                bar.update(running.pop(future))
                part = next(pending, None)
                if part is not None:
                    running[self._threads.submit(fn, prepare(part))] = len(part)
                yield future.result()
