"""DOIs: normalise, validate, and recognise the usual breakages in printed reference lists.

``normalise`` and ``is_valid`` give the canonical key a DOI is matched and cached on. ``diagnose``
names what is wrong with a printed DOI in sentences a reviewer can read, and ``candidates`` proposes
repaired DOIs. A candidate is only a guess: :mod:`evidence_review.records.resolve` accepts one only when the
record it resolves to matches the cited authors, year and title.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote

# Crossref's recommended pattern for modern DOIs (case-insensitive).
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/[-._;()/:A-Z0-9]+$", re.IGNORECASE)

_PREFIXES = re.compile(
    r"^(?:https?://)?(?:dx\.)?(?:www\.)?doi\.org/|^doi\s*:\s*|^https?://hdl\.handle\.net/",
    re.IGNORECASE,
)
# Characters that sentence punctuation glues to the end of a DOI. ")" is handled separately:
# DOIs may legitimately end in a balanced parenthesis, e.g. 10.1002/(sici)...(199601)1:1.
_TRAILING = ".,;:]}>\"'"
# Typographic look-alikes that word processors put into printed DOIs.
_LOOKALIKES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
                             "\u2014": "-", "\u2212": "-", "\u00ad": None, "\u200b": None,
                             "\u200c": None, "\u200d": None, "\ufeff": None})
_ELLIPSIS = ("...", "\u2026")

_NO_DIRECTORY = re.compile(r"^(\d{4,9})/(.+)$")  # "5555/abc..." lost its "10."
_DIRECTORY_NO_DOT = re.compile(r"^10[,/_-]?(\d{4,9})/(.+)$")  # "10,1212/..." or "101212/..."
_GLUED = re.compile(r"(?<=.)(10\.\d{4,9}/\S+)$", re.IGNORECASE)  # "x.10.1212/..." glued to text


def _strip_prefixes(text: str) -> str:
    """Remove every resolver prefix, including doubled ones such as 'doi:https://doi.org/'."""
    previous = None
    while previous != text:
        previous = text
        text = _PREFIXES.sub("", text).strip()
    return text


def _strip_trailing(text: str) -> str:
    """Remove sentence punctuation from the end, keeping a closing parenthesis that is balanced."""
    while text:
        if text[-1] in _TRAILING:
            text = text[:-1]
        elif text[-1] == ")" and text.count(")") > text.count("("):
            text = text[:-1]
        else:
            break
    return text


@lru_cache(maxsize=1 << 16)  # a pure function of a string, asked ~10 times per reference
def normalise(raw: str) -> str:
    """The canonical form of a printed DOI: no resolver prefix, decoded, trimmed, lower-case.

    DOIs compare case-insensitively, so lower case is the key we match and cache on. Spaces inside
    the DOI are kept (they are a breakage that :func:`candidates` repairs, not a formatting detail).

    Parameters
    ----------
    raw : str
        The DOI as printed, possibly as a URL (``https://doi.org/...``, ``http://dx.doi.org/...``),
        with a ``doi:`` label, URL-encoded, or with trailing sentence punctuation.

    Returns
    -------
    str
        The normalised DOI; not necessarily valid (see :func:`is_valid`).

    Examples
    --------
    >>> normalise(" https://doi.org/10.5555/ABC.0b0123. ")
    '10.5555/abc.0b0123'
    >>> normalise("doi:10.1177%2F1941738109357299")
    '10.1177/1941738109357299'
    """
    text = unquote(raw.strip())
    text = _strip_prefixes(text)
    text = _strip_trailing(text).strip()
    return text.lower()


def is_valid(doi: str) -> bool:
    """Whether a normalised DOI fits Crossref's recommended pattern."""
    return bool(DOI_PATTERN.match(doi))


def _cleaned(raw: str) -> str:
    """Normalise after removing look-alike dashes, invisible characters and inner whitespace."""
    text = normalise(raw.translate(_LOOKALIKES))
    return re.sub(r"\s+", "", text)


def looks_truncated(raw: str) -> bool:
    """Whether a printed DOI seems cut short: an ellipsis, an empty suffix or a dangling separator.

    A truncated suffix cannot be repaired by rule; the reference has to be found by a
    bibliographic query instead.
    """
    text = raw.strip()
    if text.endswith(_ELLIPSIS):
        return True
    key = _cleaned(text)
    if re.match(r"^10\.\d{4,9}/?$", key):
        return True
    # A DOI never ends in a separator; after trimming sentence punctuation one left means a cut.
    return bool(re.match(r"^10\.\d{4,9}/.*[-_/]$", key))


def diagnose(raw: str) -> list[str]:
    """Name what is wrong with a printed DOI, one sentence per breakage.

    Parameters
    ----------
    raw : str
        The DOI as printed.

    Returns
    -------
    list of str
        Empty when the printed DOI normalises to a valid DOI with nothing to remark.

    Examples
    --------
    >>> diagnose("https://doi.org/5555/abc.0b0123")
    ["The DOI lacks the '10.' directory indicator before its registrant code '5555'."]
    """
    text = raw.strip()
    if not text:
        return ["No DOI is printed."]
    problems: list[str] = []
    key = normalise(text)
    stripped = _strip_prefixes(unquote(text))
    if stripped != _strip_trailing(stripped):
        extra = stripped[len(_strip_trailing(stripped)):]
        problems.append(f"The DOI ends in punctuation ('{extra}') that is not part of it.")
    if text.translate(_LOOKALIKES) != text:
        problems.append("The DOI contains typographic dashes or invisible characters.")
    if re.search(r"\s", key):
        problems.append("The DOI contains spaces.")
    if is_valid(key) or is_valid(_cleaned(text)):
        if looks_truncated(text):
            problems.append("The DOI seems truncated; its end is missing.")
        return problems
    cleaned = _cleaned(text)
    if (m := _DIRECTORY_NO_DOT.match(cleaned)) and not cleaned[2].isdigit():
        problems.append(f"The DOI's directory indicator '10' is followed by '{cleaned[2]}' instead "
                        f"of a dot before the registrant code '{m.group(1)}'.")
    elif m := _NO_DIRECTORY.match(cleaned):
        problems.append(f"The DOI lacks the '10.' directory indicator before its registrant code "
                        f"'{m.group(1)}'.")
    elif _GLUED.search(cleaned):
        problems.append("The DOI is glued to preceding text; the DOI starts at '10.'.")
    elif looks_truncated(text):
        problems.append("The DOI seems truncated; its end is missing.")
    else:
        problems.append("The DOI does not fit Crossref's pattern '10.<registrant>/<suffix>'.")
    return problems


def as_clause(sentence: str) -> str:
    """A diagnosis sentence as a clause to embed: 'The DOI lacks ...' -> 'the DOI lacks ...'."""
    return sentence[:1].lower() + sentence[1:].rstrip(".")


def candidates(raw: str) -> list[str]:
    """Propose repaired DOIs for a printed DOI that is broken, most plausible first.

    Repairs made by rule: look-alike dashes and invisible characters, spaces inside, trailing
    punctuation, a missing ``10.`` before the registrant code, ``10`` without its dot, and a DOI
    glued to preceding text. A truncated suffix gets no candidate: resolve it by a bibliographic
    query. Every candidate fits :data:`DOI_PATTERN`; none is known to exist.

    Parameters
    ----------
    raw : str
        The DOI as printed.

    Returns
    -------
    list of str
        Normalised candidate DOIs, excluding ``normalise(raw)`` itself.

    Examples
    --------
    >>> candidates("https://doi.org/5555/abc.0b0123")
    ['10.5555/abc.0b0123']
    """
    if not raw.strip() or (raw.strip().endswith(_ELLIPSIS)):
        return []
    cleaned = _cleaned(raw)
    proposals = [cleaned]
    if m := _NO_DIRECTORY.match(cleaned):
        proposals.append(f"10.{m.group(1)}/{m.group(2)}")
    if m := _DIRECTORY_NO_DOT.match(cleaned):
        proposals.append(f"10.{m.group(1)}/{m.group(2)}")
    if m := _GLUED.search(cleaned):
        proposals.append(m.group(1))
    own = normalise(raw)
    out: list[str] = []
    for proposal in proposals:
        proposal = _strip_trailing(proposal)
        if is_valid(proposal) and proposal != own and proposal not in out:
            out.append(proposal)
    return out
