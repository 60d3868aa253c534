"""Matching printed text against record text: titles, family names, initials (one home for both
the resolution of references and their audit)."""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import lru_cache

TITLE_SIMILAR = 0.9  # key similarity above which a title differs only in wording, not identity
_SUBTITLE_SEPARATOR = re.compile(r"\s*[:.?!]\s+|\s+[-\u2013\u2014]\s+")
_NON_WORD = re.compile(r"[^\w]+")
_NOT_CAPITAL = re.compile(r"[^A-Z]")


@lru_cache(maxsize=1 << 16)  # a pure function of a string; the audit asks it ~12 times a reference
def text_key(text: str | None) -> str:
    """Case-, accent- and punctuation-insensitive key: 'Sports Health: A…' -> 'sports health a…'."""
    if not text:
        return ""
    if text.isascii():  # nothing to decompose or strip: the same key, without a pass per character
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    return " ".join(_NON_WORD.sub(" ", text).split())


def appears_in(value: str | None, printed: str | None) -> bool:
    """Whether a value appears, as whole words, in a printed text (case, accents, punctuation ignored).

    >>> appears_in("Sleep Medicine Trials", "Abara T. CPAP trial. Sleep Medicine Trials. 2020;6:1-9.")
    True
    >>> appears_in("6", "Sleep Med. 2016;16:1-9.")
    False
    """
    key, text = text_key(value), text_key(printed)
    return bool(key) and f" {key} " in f" {text} "


def similarity(a: str, b: str) -> float:
    """Similarity of two texts' keys, 0 to 1."""
    return difflib.SequenceMatcher(None, text_key(a), text_key(b)).ratio()


def title_relation(cited: str | None, full: str | None,
                   main: str | None = None) -> tuple[str, str | None]:
    """How a cited title relates to the record's title.

    Returns
    -------
    tuple
        (``"same"`` | ``"dropped-subtitle"`` | ``"extra-subtitle"`` | ``"similar"`` |
        ``"different"``, the subtitle one side lacks, or None). Case and punctuation never count.
    """
    if not cited or not full:
        return "different", None
    key = text_key(cited)
    if key == text_key(full):
        return "same", None
    if main and key == text_key(main):
        return "dropped-subtitle", full[len(main):].lstrip(" :.-\u2013\u2014")
    for m in _SUBTITLE_SEPARATOR.finditer(full):
        if key == text_key(full[:m.start()]):
            return "dropped-subtitle", full[m.end():]
    for m in _SUBTITLE_SEPARATOR.finditer(cited):
        if text_key(cited[:m.start()]) == text_key(full):
            return "extra-subtitle", cited[m.end():]
    if similarity(cited, full) >= TITLE_SIMILAR:
        return "similar", None
    return "different", None


def title_similarity(cited: str | None, full: str | None, main: str | None = None) -> float:
    """1.0 for the same title or the title without its subtitle, else the key similarity."""
    kind, _ = title_relation(cited, full, main)
    if kind in ("same", "dropped-subtitle", "extra-subtitle"):
        return 1.0
    return similarity(cited or "", full or "")


def initials(given: str | None) -> str:
    """APA initials of given names: 'Baziel G.M.' -> 'B. G. M.', 'Jean-Pierre' -> 'J.-P.'."""
    out = []
    for token in (given or "").replace(".", ". ").split():
        if "-" not in token:  # most names: one part, no hyphen to keep
            if part := token.strip("."):
                out.append(part[0].upper() + ".")
            continue
        parts = [p.strip(".") for p in token.split("-") if p.strip(".")]
        if parts:
            out.append("-".join(p[0].upper() + "." for p in parts))
    return " ".join(out)


def initial_letters(initials_text: str) -> str:
    """Only the capital letters of initials: 'B. G.-M.' -> 'BGM'."""
    text = initials_text.upper()
    if not text.isascii():  # NFKD leaves ASCII as it is: decompose only what it can change
        text = unicodedata.normalize("NFKD", text)
    return _NOT_CAPITAL.sub("", text)


def record_family(name: dict) -> str:
    """A CSL name's family name with its particle, e.g. 'de Carvalho'."""
    if "literal" in name:
        return name["literal"]
    particle = name.get("non-dropping-particle")
    return f"{particle} {name['family']}" if particle else name.get("family", "")


def family_matches(a: str, b: str) -> bool:
    """Whether two family names (with or without particle) name the same person."""
    ka, kb = text_key(a), text_key(b)
    return ka == kb or ka.endswith(" " + kb) or kb.endswith(" " + ka)
