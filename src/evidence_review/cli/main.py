"""The command line: ``evidence-review COMMAND [options]`` (see docs in README.md).

Exit codes: 0 success; 1 the work ran but found blocking problems; 2 bad input or usage, with one
line per problem naming file, row and field. Every command is a thin call into the package.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from evidence_review import __version__
from evidence_review.core.errors import EvidenceReviewError, InputError, Problem, SnapshotError
from evidence_review.core.safety import base_url_problem, mailto_problem
from evidence_review.report.pdf_scope import PDF_FULL_MAX_ENTRIES
from evidence_review.site.questions import QUESTIONS as SITE_QUESTIONS

FORMATS = ("table", "json", "csv")
LIGHT = ("parse", "init", "fetch")  # commands served by cli/light.py (init --from-scan is not)
REVIEW = ("check", "claims", "agreement", "export", "prepare")  # served by cli/review.py


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one clear line (argparse already uses 2 for usage errors)."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        self.print_usage(sys.stderr)
        print(f"evidence-review: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _common(p: argparse.ArgumentParser, review: bool = True) -> None:
    p.add_argument("--root", type=Path, default=None,
                   help="project folder holding data/ and refs/ (default: found from the current "
                        "directory)")
    if review:
        p.add_argument("--review", default=None,
                       help="review name: data/NAME/ (default: the only review under data/, or "
                            "[tool.evidence-review] default-review in pyproject.toml)")


def _checked(problem):
    """An argparse ``type`` that refuses a value ``problem`` finds fault with (exit 2, option named)."""
    def check(value: str) -> str:
        why = problem(value)
        if why:
            raise argparse.ArgumentTypeError(why)
        return value
    return check


def _crossref_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base-url", default=None, type=_checked(base_url_problem),
                   help="Crossref API base URL, http(s) only (else $CROSSREF_BASE_URL, else the "
                        "public API)")
    p.add_argument("--mailto", default=None, type=_checked(mailto_problem),
                   help="contact e-mail for Crossref's polite pool (else $CROSSREF_MAILTO)")


def _europepmc_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-europepmc", action="store_true",
                   help="do not ask Europe PMC for PMIDs, abstracts and open full texts")
    p.add_argument("--europepmc-url", default=None, type=_checked(base_url_problem),
                   help="Europe PMC REST base URL (else $EUROPEPMC_BASE_URL, else "
                        "https://www.ebi.ac.uk/europepmc/webservices/rest)")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="evidence-review",
                     description="Audit a health article against the sources it cites and build "
                                 "a reproducible review report.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("build", help="execute the notebooks and write the HTML and PDF report")
    _common(p)
    which_pdf = p.add_mutually_exclusive_group()
    which_pdf.add_argument("--no-pdf", action="store_true", help="write the HTML report only")
    which_pdf.add_argument("--full-pdf", action="store_true",
                           help="print the whole report into the PDF at any size (by default a review "
                                f"of more than {PDF_FULL_MAX_ENTRIES} references or claims gets the "
                                "editor's PDF: the parts with a row per reference or claim stay in the "
                                "HTML report)")
    p.add_argument("--all", action="store_true", help="build every review under data/")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when the publication gate fails (see `check --strict`)")
    p.add_argument("--refresh-notebooks", action="store_true",
                   help="also re-run the committed notebooks in notebooks/ in place, so that CI's "
                        "nbval comparison matches the data (the default review only)")
    p.add_argument("--kernel", action="store_true",
                   help="run the report notebook in a Jupyter kernel of its own, as JupyterLab "
                        "does, instead of in this process (for a notebook that needs a kernel; "
                        "~2.5 s of CPU more a build)")
    _dask_opts(p, "with --all: ", "one per review, at most the number of cores",
               "threads, each running its build in a child process", local="threads of this process",
               zero="one build after the other")

    p = sub.add_parser("fetch", help="resolve every reference through Crossref, then look the DOIs "
                                     "up in Europe PMC; update the snapshot")
    _common(p)
    _crossref_opts(p)
    p.add_argument("--refresh", action="store_true",
                   help="ask Crossref again even for references already in the cache/snapshot")
    _europepmc_opts(p)
    p.add_argument("--reconstruct", action="store_true",
                   help="rebuild the snapshot offline from data/NAME/record-facts.yaml "
                        "(provenance: reconstructed)")

    for name, what in (("audit", "the reference audit: cited vs record, field by field"),
                       ("claims", "the claims table with sources, verdicts and evidence levels")):
        p = sub.add_parser(name, help=what)
        _common(p)
        p.add_argument("--format", choices=FORMATS, default="table")

    p = sub.add_parser("export", help="machine-readable exports")
    _common(p)
    p.add_argument("--format", required=True,
                   choices=("bibtex", "ris", "csl-json", "claimreview"))
    p.add_argument("-o", "--output", type=Path, default=None, help="write to FILE (default: stdout)")

    p = sub.add_parser("prepare", help="rebuild the files derived from data/NAME/article.md "
                                       "(cited.bib, candidates.csv) after editing it")
    _common(p)

    p = sub.add_parser("check", help="validate every input of the review; report all problems")
    _common(p)
    p.add_argument("--strict", action="store_true",
                   help="also fail (exit 1) on a retracted or unresolved source, a major reference "
                        "error, or a contradicted/unsupported claim without a reviewer note")

    p = sub.add_parser("agreement", help="agreement between reviewers' verdict files "
                                         "(data/NAME/verdicts/REVIEWER.csv): kappa, alpha, conflicts")
    _common(p)
    p.add_argument("--format", choices=("table", "json"), default="table")

    p = sub.add_parser("init", help="start a new review from an article file")
    _common(p, review=False)
    p.add_argument("article", type=Path, help="the article: .md, .txt or a saved .html page (with "
                                              "--from-scan: the page's id or location in the scan)")
    p.add_argument("--name", required=True, help="the new review's name (data/NAME/)")
    p.add_argument("--force", action="store_true", help="overwrite an existing review of that name")
    p.add_argument("--no-fetch", action="store_true",
                   help="do not resolve the references now (run `evidence-review fetch` later)")
    p.add_argument("--from-scan", metavar="SITE", default=None,
                   help="take the article from a scanned site: ARTICLE is then one of its pages")
    _crossref_opts(p)
    _europepmc_opts(p)

    p = sub.add_parser("parse", help="what intake reads from a page (references, fields, markers), "
                                     "without creating a review")
    p.add_argument("article", type=Path, help="the article: .md, .txt or a saved .html page")
    p.add_argument("--format", choices=("json",), default="json")
    _site_commands(sub)
    return parser


def _site_commands(sub) -> None:
    p = sub.add_parser("scan", help="reference audit of many pages (files, folders, globs, URL lists, "
                                    "sitemaps) into one store, data/SITE/site.duckdb")
    _common(p, review=False)
    p.add_argument("sources", nargs="+", metavar="SOURCES",
                   help="saved pages, folders, globs, a file listing URLs, a sitemap (file or URL) "
                        "or page URLs")
    p.add_argument("--name", required=True, help="the site's name (data/SITE/)")
    _crossref_opts(p)
    _dask_opts(p)
    p.add_argument("--page-interval", type=float, default=1.0,
                   help="seconds between two page requests to one host (default 1)")
    p.add_argument("--no-report", action="store_true", help="do not write reports/SITE/site.html")

    p = sub.add_parser("site-query", help="ask a scanned site's store a QA question")
    _common(p, review=False)
    p.add_argument("--name", required=True, help="the site's name (data/SITE/)")
    p.add_argument("question", choices=SITE_QUESTIONS,
                   help="; ".join(f"{k}: {v}" for k, v in SITE_QUESTIONS.items()))
    p.add_argument("--format", choices=("table", "csv", "json", "parquet"), default="table")
    p.add_argument("-o", "--output", type=Path, default=None,
                   help="write to FILE (default: stdout; parquet needs a FILE)")
    p.add_argument("--years", type=float, default=None,
                   help="old-sources: the age threshold in years (default 10)")
    p.add_argument("--limit", type=int, default=None, help="most-cited: how many works (default 20)")

    p = sub.add_parser("recheck", help="re-resolve a scanned site's DOIs; list what changed "
                                       "(retractions, corrections); exit 1 when action is needed")
    _common(p, review=False)
    p.add_argument("--name", required=True, help="the site's name (data/SITE/)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    _crossref_opts(p)


def _dask_opts(p: argparse.ArgumentParser, prefix: str = "", workers: str = "the number of cores",
               kind: str = "processes", local: str = "a LocalCluster", zero: str = "in-process") -> None:
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help=prefix + "an existing Dask scheduler (else $DASK_SCHEDULER_ADDRESS; else "
                        f"{local} for large runs, in-process for small ones)")
    p.add_argument("--workers", type=int, default=None,
                   help=prefix + f"local worker {kind} (default: {workers}; 0: {zero})")


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)


def _os_problem(exc: OSError) -> str:
    """One line for a file-system failure: the path, then what went wrong."""
    where = exc.filename or "-"
    return f"{where}: {exc.strerror or exc}"


def _done(argv: list[str] | None) -> None:
    """The process's own command (``argv`` None: the console script, ``python -m``) has finished: a
    Ctrl-C from now on, as the interpreter shuts down, would kill it by the signal (silently, or
    with a traceback from the last lines of Python) instead of letting it exit with its code."""
    if argv is None:
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:  # not the main thread: the process is not ours to change
            pass


def main(argv: list[str] | None = None) -> int:
    args = None
    try:
        args = make_parser().parse_args(argv)
        # after parsing: --help need not load pandas, nor the report stack
        if args.command == "audit":  # the audit's own module: none of init's and parse's stages
            from evidence_review.cli import audit as commands
        elif args.command in LIGHT and not getattr(args, "from_scan", None):
            from evidence_review.cli import light as commands
        elif args.command in REVIEW:  # the review's session, not the site's stack nor the charts
            from evidence_review.cli import review as commands
        elif args.command == "build" and args.all:  # starts child builds: no report stack here
            from evidence_review.cli import parallel as commands
        elif args.command == "build":  # the report stack only: not the site's, nor the charts
            from evidence_review.cli import build_one as commands
        else:
            from evidence_review.cli import commands

        code = getattr(commands, f"cmd_{args.command.replace('-', '_')}")(args)
        _done(argv)
        return code
    except InputError as exc:
        _print_problems(exc.problems)
        return 2
    except SnapshotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except EvidenceReviewError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a read-only folder, a full disk, a size limit: name the path
        print(f"error: {_os_problem(exc)}", file=sys.stderr)
        return 1 if getattr(args, "command", None) == "build" else 2
    except MemoryError:
        print("error: out of memory (an input far larger than a review's files?)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        _done(argv)
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
