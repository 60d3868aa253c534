"""Build a review: execute the notebooks, export the report as self-contained HTML and as PDF.

Execution (papermill) and storage (nbconvert, WeasyPrint) are separate steps, as in papermill's own
design. Each stage is timed so that ``build`` can say where the time went.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from evidence_review.core.atomic import write_bytes, write_text
from evidence_review.core.errors import EvidenceReviewError, InputError
from evidence_review.core.lean_imports import without_unused_format_checkers
from evidence_review.core.paths import Review
from evidence_review.report.pdf_scope import PdfScope, printable
from evidence_review.report.style import report_css

NOTEBOOK_STYLE_ID = "er-notebook-style"  # views.style(); not imported: views loads pandas

NOTEBOOKS = ["01-references", "02-claims", "03-report"]
# Notebooks committed with their outputs (nbval compares them): the report's, and the review form.
COMMITTED = [*NOTEBOOKS, "04-review"]
FINGERPRINT_KEY = "evidence_review"  # notebook metadata: the review and data the outputs come from
REPORT_NOTEBOOK = "03-report"
# What a build executes: only the notebook whose output is exported. 01 and 02 are the reviewer's
# working views; the test suite re-executes and compares them (nbval) and `make notebooks`
# refreshes them, but no report reads them, so a build does not run them.
BUILD_NOTEBOOKS = [REPORT_NOTEBOOK]
# Kernels run on this machine only; their start-up warnings (e.g. about local TCP) are noise in a
# build log, so the kernel logs errors only. The kernel is IPython's without its debugger, which
# nobody attaches to a build and which costs every build ~0.15 s of CPU to import (report/kernel.py).
KERNEL_ARGS = ["--log-level=ERROR", "--IPKernelApp.kernel_class=evidence_review.report.kernel.BuildKernel"]
log = logging.getLogger(__name__)
without_unused_format_checkers()  # before papermill, nbconvert or nbformat is first imported (lazily)


class BuildError(EvidenceReviewError):
    """A notebook failed to execute, or an export failed."""


@dataclass
class BuildResult:
    html: Path | None = None
    pdf: Path | None = None
    executed: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    pdf_scope: PdfScope | None = None  # what the PDF left to the HTML report (None: no PDF)


def _say(progress: Callable[[str], None] | None, message: str) -> None:
    if progress:
        progress(message)


def notebooks_dir(review: Review) -> Path:
    return review.root / "notebooks"


ENGINE_ENV = "EVIDENCE_REVIEW_NOTEBOOK_ENGINE"
ENGINES = ("kernel", "in-process")
ENGINE_KEY = "evidence_review_engine"  # executed notebook metadata: "in-process" (a kernel's run: absent)


def engine(chosen: str | None = None) -> str:
    """How a build executes its report notebook: ``in-process`` (the default,
    :mod:`report.inprocess`: the cells run in this process, which has already imported pandas and
    the package to check the review, so a build costs about what the notebook's own work costs) or
    ``kernel`` (papermill, a Jupyter kernel of its own, as JupyterLab runs it: for a notebook that
    needs a kernel, such as widgets or magics; ~2.5 s of CPU more a build). ``chosen`` wins over
    the environment variable EVIDENCE_REVIEW_NOTEBOOK_ENGINE (``build --kernel`` chooses it)."""
    chosen = chosen or os.environ.get(ENGINE_ENV) or "in-process"
    if chosen not in ENGINES:
        raise BuildError(f"{ENGINE_ENV}={chosen!r}: the notebook engine is one of {', '.join(ENGINES)}")
    return chosen


def execute_notebooks(review: Review, out_dir: Path, names: list[str] = NOTEBOOKS,
                      progress: Callable[[str], None] | None = None,
                      timings: dict[str, float] | None = None, parallel: int = 2,
                      engine_name: str | None = None) -> list[Path]:
    """Run each notebook with papermill (parameter ``review``) into ``out_dir``.

    Notebooks only read the review's data, so they can run side by side; two at a time fits the
    2-core machines this is built on. With the ``in-process`` engine (see :func:`engine`) they run
    one after another in this process instead.
    """
    chosen = engine(engine_name)
    if chosen == "in-process":
        from evidence_review.report import inprocess
    else:
        import papermill  # imported here: loading it costs ~1 s that other commands need not pay

    out_dir.mkdir(parents=True, exist_ok=True)
    timings = timings if timings is not None else {}

    def run(name: str) -> Path:
        src = notebooks_dir(review) / f"{name}.ipynb"
        if not src.is_file():
            raise BuildError(f"notebook {review.rel(src)} not found")
        dst = out_dir / f"{name}.ipynb"
        start = time.perf_counter()
        if chosen == "in-process":
            try:
                inprocess.execute(src, dst, {"review": review.name, "root": str(review.root)})
            except inprocess.CellError as exc:
                kept = _keep_failed(dst, review.reports_dir / "notebooks" / f"{name}.failed.ipynb")
                raise BuildError(f"notebook {name} failed in cell {exc.exec_count}: {exc.ename}: "
                                 f"{exc.evalue} (the executed copy is {review.rel(kept)})") from None
            timings[f"notebook {name}"] = time.perf_counter() - start
            _say(progress, f"  executed {name} in process in {timings[f'notebook {name}']:.1f} s")
            return dst
        try:
            papermill.execute_notebook(
                str(src), str(dst), parameters={"review": review.name, "root": str(review.root)},
                # no cwd=: papermill would chdir this whole process, which races between the
                # threads here; the notebooks get the project root as a parameter instead.
                # request_save_on_cell_execute=False: papermill would rewrite (and validate) the
                # whole notebook twice per cell, ~1.5 s of CPU on the default review; it is
                # written once at the end, and on a failure before the error is raised.
                kernel_name="python3", progress_bar=False, log_output=False,
                extra_arguments=KERNEL_ARGS, request_save_on_cell_execute=False)
        except papermill.PapermillExecutionError as exc:
            kept = _keep_failed(dst, review.reports_dir / "notebooks" / f"{name}.failed.ipynb")
            raise BuildError(f"notebook {name} failed in cell {exc.exec_count}: {exc.ename}: "
                             f"{exc.evalue} (the executed copy is {review.rel(kept)})") from None
        except RuntimeError as exc:  # jupyter_client: the kernel died or never answered
            raise BuildError(f"notebook {name}: its kernel could not start ({exc}); run the build "
                             "again") from None
        timings[f"notebook {name}"] = time.perf_counter() - start
        _say(progress, f"  executed {name} in {timings[f'notebook {name}']:.1f} s")
        return dst

    if chosen == "in-process":
        return [run(name) for name in names]
    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        return list(pool.map(run, names))


def _keep_failed(executed: Path, keep: Path) -> Path:
    """Keep a failed notebook's executed copy beside (never over) the last good one."""
    try:
        keep.parent.mkdir(parents=True, exist_ok=True)
        os.replace(executed, keep)
        return keep
    except OSError:
        return executed


_HEADING = re.compile(r"<h([23])([^>]*)>(.*?)</h\1>", re.S)
_ANCHOR = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>', re.S)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def add_toc(body: str) -> tuple[str, str]:
    """Give every h2/h3 a stable id and return (body, table-of-contents HTML)."""
    items: list[tuple[int, str, str]] = []
    used: set[str] = set()

    def repl(match: re.Match) -> str:
        level, attrs, inner = int(match.group(1)), match.group(2), _ANCHOR.sub("", match.group(3))
        text = html.unescape(re.sub(r"<[^>]+>", "", inner)).strip()
        found = re.search(r'id="([^"]+)"', attrs)
        hid = found.group(1) if found else _slug(text)
        while hid in used:
            hid += "-x"
        used.add(hid)
        attrs = re.sub(r'\s*id="[^"]*"', "", attrs)
        items.append((level, hid, text))
        return f'<h{level}{attrs} id="{hid}">{inner}</h{level}>'

    body = _HEADING.sub(repl, body)
    lines = ['<nav class="toc" aria-label="Contents"><h2 class="toc-title">Contents</h2><ol>']
    open_sub = False
    for level, hid, text in items:
        if text == "Contents":
            continue
        link = f'<a href="#{hid}">{html.escape(text)}</a>'
        if level == 3:
            lines.append(("" if open_sub else "<ol class=\"sub\">") + f"<li>{link}</li>")
            open_sub = True
            continue
        if open_sub:
            lines.append("</ol>")
            open_sub = False
        lines.append(("</li>" if len(lines) > 1 else "") + f"<li>{link}")
    lines.append(("</ol>" if open_sub else "") + "</li></ol></nav>")
    return body, "\n".join(lines)


def export_html(executed: Path, title: str, out: Path, footer: str = "") -> Path:
    """One self-contained HTML file: notebook outputs without code, our CSS inlined, no scripts."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="basic")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    # the notebooks' own copy of the component styles: the page carries the full stylesheet
    body = re.sub(rf'<style id="{NOTEBOOK_STYLE_ID}">.*?</style>', "", body, flags=re.S)
    body, toc = add_toc(body)
    body = body.replace("<!-- TOC -->", toc, 1) if "<!-- TOC -->" in body else toc + body
    css = report_css()
    page = (resources.files("evidence_review.report").joinpath("templates/report.html")
            .read_text("utf-8")
            .replace("{{title}}", html.escape(title))
            .replace("{{css}}", css)
            .replace("{{body}}", body)
            .replace("{{footer}}", footer))
    write_text(out, page)
    return out


def export_pdf(html_path: Path, out: Path, full: bool = False) -> PdfScope:
    """Print the HTML report to an A4 PDF with WeasyPrint (system Pango).

    A large report leaves its two long parts to the HTML (see :mod:`evidence_review.report.pdf_scope`)
    unless ``full``; the returned scope says what was left out.
    """
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango missing: say how to get it rather than a loader traceback
        raise BuildError(f"WeasyPrint cannot load the Pango library ({exc}); install it with "
                         "`apt-get install libpango-1.0-0 libpangoft2-1.0-0` or use --no-pdf") from None
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    page, chosen = printable(html_path.read_text(encoding="utf-8"), full)
    if chosen.omitted:
        doc = HTML(string=page, base_url=str(html_path.parent), encoding="utf-8")
    else:  # the whole report: WeasyPrint reads review.html itself, as it always has
        doc = HTML(filename=str(html_path), base_url=str(html_path.parent))
    write_bytes(out, doc.write_pdf())
    return chosen


def footer(review: Review) -> str:
    """The report's footer line (HTML)."""
    return (f"Generated by evidence-review from data/{review.name}/ — rebuild with "
            f"<code>evidence-review build --review {review.name}</code>; do not edit.")


_OWNER = ".owner-pid"
_UNOWNED_GRACE_S = 3600


def _remove_abandoned(out: Path) -> None:
    """Remove hidden build folders whose process is gone (a build killed before its clean-up ran).

    A folder whose owner is still running is another build of the same review: it is left alone.
    """
    for staging in out.glob(".build-*"):
        try:
            pid = int((staging / _OWNER).read_text(encoding="ascii"))
        except (OSError, ValueError):
            pid = None  # left by an older version, or a build between mkdtemp and its owner file
        if pid is None:
            try:
                if time.time() - staging.stat().st_mtime < _UNOWNED_GRACE_S:
                    continue
            except OSError:
                continue
        elif pid != os.getpid() and _alive(pid):
            continue
        shutil.rmtree(staging, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def build(review: Review, pdf: bool = True, progress: Callable[[str], None] | None = None,
          title: str | None = None, full_pdf: bool = False,
          engine_name: str | None = None) -> BuildResult:
    """Execute the review's notebooks and write reports/NAME/review.html (and review.pdf).

    Everything is written into a hidden sibling folder first and renamed into place only when the
    whole build succeeded, so a failed, interrupted or disk-full build leaves the previous report,
    PDF and executed notebooks whole. A file-system failure is a :class:`BuildError` naming the path.
    ``full_pdf`` prints the whole report into the PDF whatever its size (see ``pdf_scope``);
    ``engine_name`` is how the notebook runs (see :func:`engine`).
    """
    out = review.reports_dir
    try:
        out.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(out)
        staging = Path(tempfile.mkdtemp(prefix=".build-", dir=out))
        (staging / _OWNER).write_text(str(os.getpid()), encoding="ascii")
    except OSError as exc:
        raise BuildError(_cannot_write(review, exc, out)) from None
    try:
        result = _build_into(review, staging, out, pdf, progress, title, full_pdf, engine(engine_name))
        _move_into_place(staging, out)
    except OSError as exc:
        raise BuildError(_cannot_write(review, exc, staging)) from None
    except (InputError, BuildError) as exc:  # a write that failed, or a notebook: both named
        raise BuildError(f"{exc}; the previous report in {review.rel(out)}/ is unchanged") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not pdf and (out / "review.pdf").exists():
        # an older PDF would contradict the HTML just written (say a verdict changed): remove it
        (out / "review.pdf").unlink()
        _say(progress, f"  removed the older {review.rel(out / 'review.pdf')}: it no longer matches "
                       "the HTML (build without --no-pdf to get a new one)")
    result.html = out / "review.html"
    result.pdf = out / "review.pdf" if pdf else None
    result.executed = [out / "notebooks" / p.name for p in result.executed]
    _say(progress, f"  wrote {review.rel(result.html)}"
                   + (f" and {review.rel(result.pdf)}" if result.pdf else ""))
    return result


def _build_into(review: Review, staging: Path, out: Path, pdf: bool,
                progress: Callable[[str], None] | None, title: str | None,
                full_pdf: bool = False, engine_name: str = "in-process") -> BuildResult:
    result = BuildResult()
    _say(progress, f"Building review '{review.name}' into {review.rel(out)}/")
    start = time.perf_counter()
    importer = None
    if engine_name == "kernel":
        import papermill  # noqa: F401 - here, so that the importer below does not slow the kernel's start

        # while the kernel runs the notebook this process waits: it imports the exporters meanwhile
        # (in process, the cells hold this process's interpreter: nothing to overlap)
        importer = threading.Thread(target=_import_exporters, args=(pdf,), name="import-exporters",
                                    daemon=True)
        importer.start()
    try:
        result.executed = execute_notebooks(review, staging / "notebooks", BUILD_NOTEBOOKS,
                                            progress=progress, timings=result.timings,
                                            engine_name=engine_name)
    finally:
        if importer is not None:
            importer.join()
    result.timings["notebooks (wall)"] = time.perf_counter() - start
    t = time.perf_counter()
    report_nb = staging / "notebooks" / f"{REPORT_NOTEBOOK}.ipynb"
    result.html = export_html(report_nb, title or review.name, staging / "review.html", footer(review))
    result.timings["html"] = time.perf_counter() - t
    if pdf:
        t = time.perf_counter()
        result.pdf_scope = export_pdf(result.html, staging / "review.pdf", full_pdf)
        result.pdf = staging / "review.pdf"
        result.timings["pdf"] = time.perf_counter() - t
        if result.pdf_scope.omitted:
            _say(progress, f"  {result.pdf_scope.summary()}")
    return result


def _import_exporters(pdf: bool) -> None:
    """Import what :func:`export_html` (and :func:`export_pdf`) need: nbconvert's HTML exporter
    (with BeautifulSoup and mistune, ~0.5 s of CPU) and WeasyPrint (~0.6 s). Run in a thread while
    the kernel executes the notebook, on the core this process leaves idle then, so the exports start
    at once; the CPU is the same. A failed import is left to the export, which says what is missing."""
    try:
        import nbconvert.exporters.html  # noqa: F401
        if pdf:
            import weasyprint  # noqa: F401
    except Exception:  # noqa: BLE001 - the export itself raises the error, with its message
        pass


def _move_into_place(staging: Path, out: Path) -> None:
    """Rename each finished file over its previous version (each rename is atomic)."""
    (out / "notebooks").mkdir(exist_ok=True)
    for path in sorted((staging / "notebooks").glob("*.ipynb")):
        os.replace(path, out / "notebooks" / path.name)
    for name in ("review.html", "review.pdf"):
        if (staging / name).is_file():
            os.replace(staging / name, out / name)


def _cannot_write(review: Review, exc: OSError, fallback: Path) -> str:
    where = review.rel(Path(exc.filename)) if exc.filename else review.rel(fallback)
    return (f"{where}: cannot write ({exc.strerror or exc}); the previous report in "
            f"{review.rel(review.reports_dir)}/ is unchanged")


def stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def refresh_notebooks(review: Review, names: list[str] = COMMITTED, parallel: int = 2) -> list[Path]:
    """Re-execute the committed notebooks in place (default parameters) so their stored outputs
    match the data; nbval then compares against exactly these outputs. No timing metadata is
    recorded, so re-running on unchanged data leaves the files unchanged. Each notebook records a
    fingerprint of the data it was run on (see :func:`stale_notebooks`)."""
    import nbformat
    from nbclient import NotebookClient

    def run(name: str) -> Path:
        path = notebooks_dir(review) / f"{name}.ipynb"
        nb = nbformat.read(path, as_version=4)
        reads = (nb.metadata.get(FINGERPRINT_KEY) or {}).get("reads")
        NotebookClient(nb, kernel_name="python3", record_timing=False, timeout=300,
                       extra_arguments=KERNEL_ARGS,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        nb.metadata[FINGERPRINT_KEY] = {"review": review.name, **({"reads": reads} if reads else {}),
                                        "data": input_fingerprint(review, reads)}
        # widget state holds random model ids and is rebuilt when the notebook runs: not kept
        nb.metadata.pop("widgets", None)
        _stable_widget_ids(nb)
        nbformat.write(nb, path)
        return path

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        return list(pool.map(run, names))


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _stable_widget_ids(nb) -> None:
    """Give stored widget outputs a fixed model id (the real one is random and dies with the kernel;
    nbval does not compare widget views), so an unchanged notebook re-runs to the same file."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view:
                view["model_id"] = "run-the-notebook-to-show-this-widget"


def _visible_files(path: Path) -> list[Path]:
    """``path`` itself when it is a file; else every file below it outside hidden folders
    (editor checkpoints, a build's staging folder)."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        return []
    return [p for p in path.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)]


def _digests(review: Review, files: list[Path]) -> dict[str, str]:
    """Path (relative to the project) → SHA-256 of its bytes."""
    return {review.rel(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def data_files(review: Review) -> list[Path]:
    """The files a review's notebooks read: its data/ and refs/ folders and the shared scales."""
    root = review.root
    found = [*_visible_files(review.data_dir), *_visible_files(review.refs_dir),
             *_visible_files(root / "data" / "evidence-levels.yaml")]
    if (root / "data" / "quality").is_dir():
        found += [p for p in (root / "data" / "quality").glob("*.yaml")]
    return sorted(found)


def data_fingerprint(review: Review) -> dict[str, str]:
    """Path (relative to the project) → SHA-256 of its bytes, for every file of :func:`data_files`."""
    return _digests(review, data_files(review))


def input_fingerprint(review: Review, reads: list[str] | None = None) -> dict[str, str]:
    """The fingerprint of what a notebook reads: the review's data, or the project folders its
    metadata names under ``reads`` (the site notebook reads a site's pages, not a review)."""
    if not reads:
        return data_fingerprint(review)
    return _digests(review, sorted(p for rel in reads for p in _visible_files(review.root / rel)))


def stale_notebooks(root: Path, names: list[str] = COMMITTED) -> dict[str, str]:
    """Committed notebooks whose outputs were made from other data than the project now holds.

    Returns notebook path → one line naming the first changed file and what to run. A notebook
    without a recorded fingerprint (never refreshed by :func:`refresh_notebooks`) is not judged.
    """
    import json

    out = {}
    for name in names:
        path = Path(root) / "notebooks" / f"{name}.ipynb"
        if not path.is_file():
            continue
        recorded = (json.loads(path.read_text(encoding="utf-8")).get("metadata") or {}).get(FINGERPRINT_KEY)
        if not recorded:
            continue
        try:
            review = Review.open(recorded["review"], root)
        except EvidenceReviewError:
            continue
        now = input_fingerprint(review, recorded.get("reads"))
        then = recorded.get("data") or {}
        changed = sorted(k for k in set(now) | set(then) if now.get(k) != then.get(k))
        if changed:
            more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
            rel = f"notebooks/{name}.ipynb"
            out[rel] = (f"committed outputs of {rel} are older than {changed[0]}{more}: "
                        f"run `make notebooks`")
    return out
