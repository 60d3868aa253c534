"""Where a review's files live. One review = data/NAME/, refs/NAME/ and reports/NAME/ under a root."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from evidence_review.core.atomic import write_text
from evidence_review.core.errors import InputError, Problem

_NAME = re.compile(r"\A[a-z0-9][a-z0-9._-]*\Z")  # \Z, not $: "name\n" is not a name


def find_root(start: Path | None = None) -> Path:
    """The project root: ``EVIDENCE_REVIEW_ROOT``, else the nearest folder above ``start`` with data/."""
    env = os.environ.get("EVIDENCE_REVIEW_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "data").is_dir() and (folder / "pyproject.toml").is_file():
            return folder
    for folder in (here, *here.parents):
        if (folder / "data").is_dir():
            return folder
    return here


def cache_dir() -> Path:
    """Where work kept between runs lives (readability scores, the CMU syllable counts, drawn
    charts): ``EVIDENCE_REVIEW_CACHE``, else the user's cache folder (platformdirs:
    ``$XDG_CACHE_HOME/evidence-review`` or ``~/.cache/evidence-review`` on Linux,
    ``~/Library/Caches/evidence-review`` on macOS). Not the shared temp folder: another account
    there could plant entries that a review would then print. Each kind of entry has its own folder
    in it (made with :func:`private_dir`), named after what its entries depend on."""
    return Path(os.environ.get("EVIDENCE_REVIEW_CACHE") or platformdirs.user_cache_dir("evidence-review"))


def private_dir(path: Path) -> None:
    """Create ``path`` (and its parents) readable and writable by this user only."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def keep_in_cache(path: Path, text: str) -> None:
    """Write the entry ``path`` under :func:`cache_dir` (its folder made with :func:`private_dir`);
    a cache that cannot be written only costs the next process the same work, so a failure is not
    an error."""
    try:
        private_dir(path.parent)
        write_text(path, text)
    except (OSError, InputError):
        pass


@dataclass(frozen=True)
class Review:
    """The files of one named review under a project root."""

    name: str
    root: Path

    @classmethod
    def open(cls, name: str | None = None, root: Path | str | None = None,
             must_exist: bool = True) -> Review:
        """The review ``name`` under ``root``; with no name, the project's default review."""
        root = Path(root).resolve() if root else find_root()
        if name is None:
            name = default_review(root)
        if not isinstance(name, str) or not _NAME.match(name):
            shown = name if isinstance(name, str) and name.isprintable() else repr(name)
            raise InputError(Problem(file=shown, field="review",
                                     message="a review name uses lower-case letters, digits, '-', "
                                             "'.' and '_' only"))
        review = cls(name=name, root=root)
        if must_exist and not review.data_dir.is_dir():
            known = ", ".join(available_reviews(root)) or "none"
            raise InputError(Problem(file=str(review.data_dir), field="review",
                                     message=f"no review named '{name}' (known reviews: {known})"))
        return review

    # inputs a reviewer edits
    @property
    def data_dir(self) -> Path:
        return self.root / "data" / self.name

    @property
    def refs_dir(self) -> Path:
        return self.root / "refs" / self.name

    @property
    def article(self) -> Path:
        return self.data_dir / "article.md"

    @property
    def claims(self) -> Path:
        return self.data_dir / "claims.csv"

    @property
    def sources(self) -> Path:
        """Per-reference design, evidence level and annotation (reviewer's judgement)."""
        return self.data_dir / "sources.yaml"

    @property
    def review_meta(self) -> Path:
        """Article title, URL, dates, reviewer: the title block of the report."""
        return self.data_dir / "review.yaml"

    @property
    def cited_bib(self) -> Path:
        return self.refs_dir / "cited.bib"

    @property
    def corrected_bib(self) -> Path:
        return self.refs_dir / "corrected.bib"

    # the Crossref snapshot (raw responses + manifest)
    @property
    def snapshot_dir(self) -> Path:
        return self.data_dir / "crossref"

    # the Europe PMC part of the snapshot: source texts, raw answers + manifest
    @property
    def europepmc_dir(self) -> Path:
        return self.data_dir / "europepmc"

    # generated outputs
    @property
    def reports_dir(self) -> Path:
        return self.root / "reports" / self.name

    def rel(self, path: Path) -> str:
        """A path relative to the root, for messages and outputs (never absolute: nbval compares them)."""
        try:
            return str(Path(path).resolve().relative_to(self.root))
        except ValueError:
            return str(path)


def available_reviews(root: Path) -> list[str]:
    data = Path(root) / "data"
    if not data.is_dir():
        return []
    return sorted(p.name for p in data.iterdir() if p.is_dir() and (p / "article.md").exists())


def default_review(root: Path) -> str:
    """The review a command works on when none is named: the project's choice.

    ``[tool.evidence-review] default-review`` in the project's pyproject.toml, else the only
    review under data/. Several reviews and no setting is a question only the user can answer.
    """
    setting = _project_setting(Path(root), "default-review")
    if setting is not None:
        return str(setting)
    reviews = available_reviews(root)
    if len(reviews) == 1:
        return reviews[0]
    where = Path(root) / "data"
    if not reviews:
        raise InputError(Problem(file=str(where), field="review",
                                 message="no review here yet: start one with `evidence-review init`"))
    raise InputError(Problem(file=str(where), field="review",
                             message=f"{len(reviews)} reviews ({', '.join(reviews)}): name one with "
                                     "--review, or set [tool.evidence-review] default-review in "
                                     "pyproject.toml"))


def _project_setting(root: Path, key: str):
    path = root / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(Problem(file=str(path), message=f"not valid TOML: {exc}")) from None
    return (config.get("tool", {}).get("evidence-review") or {}).get(key)
