"""Citation markers: which reference numbers a marker names (one home for every stage).

``article.md`` holds one canonical form, ``[1]``, ``[1,2]``, ``[1-3]``, ``[1–3]`` and ``[1, 3–5]``;
a descending range is kept as its two ends (the article's error, reported by the audit) rather than
expanded. Pages print markers in other forms too; :func:`to_brackets` rewrites those into the
canonical form when intake writes ``article.md``, precision first (a dose, a year or ``(n = 30)`` is
never a marker):

- parenthesised numbers ``(1)``, ``(1, 2)``, ``(1–3)`` after a word or a full stop;
- Unicode superscripts ``¹``, ``¹,²``, ``¹⁻³`` (not after a digit or a unit: ``m²``);
- digits flattened from superscripts, ``pressure.12 The``, ``sleep3,4 and``, only when the page
  shows that pattern at least twice (a page copied as text loses its ``<sup>``).

Every number must name an entry of the list (1..n), so a year or a count is never taken.
"""

from __future__ import annotations

import re

MARKER = re.compile(r"\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")
_RANGE = re.compile(r"^\s*(\d+)\s*[-\u2013]\s*(\d+)\s*$")

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUP_TABLE = str.maketrans(SUPERSCRIPT_DIGITS + "⁻", "0123456789-")
_NUMBERS = r"\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*"
# "(1)", "(1, 2)", "(1–3)" after a word, a closing quote or bracket, or glued to a full stop.
_PAREN = re.compile(r"(?:(?<=[\w%”’\"')\]])\s?|(?<=[.,;]))\((" + _NUMBERS + r")\)")
# A word before "(2)" that makes it a label, not a citation ("Figure (2)", "and (2)", "step (3)").
_PAREN_LABEL = re.compile(r"\b(?:fig|figure|table|step|type|grade|stage|phase|level|and|or|eq|"
                          r"equation|part|chapter|section|appendix|box|item|no|number)\.?\s?$",
                          re.IGNORECASE)
_UNICODE = re.compile(r"(?<![\d⁰¹²³⁴⁵⁶⁷⁸⁹])([⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3}(?:\s*[,⁻–-]\s*[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})*)")
# Units after which a raised or glued number is a power: "m²", "cm2", "kg/m2".
_UNIT = re.compile(r"(?:^|[\s/(\d])(?:mm|cm|km|m|kg|g|mg|mcg|µg|ml|dl|ft|in|x|iu)$", re.IGNORECASE)
# Digits glued after a lower-case word or a stop: "pressure.12 The", "sleep3,4 and".
_FLAT = re.compile(r"(?:(?<=[a-z]{2})|(?<=[a-z][.,;:)]))(\d{1,2}(?:[,–-]\d{1,2})*)(?=[\s.,;:)]|$)")


def expand(marker: str) -> list[str]:
    """The numbers one marker names: '[1, 3–5]' -> ['1', '3', '4', '5']."""
    numbers: list[str] = []
    for part in re.split(r"[,;]", marker.strip("[]() ")):
        m = _RANGE.match(part)
        if m and int(m.group(1)) <= int(m.group(2)):
            numbers += [str(n) for n in range(int(m.group(1)), int(m.group(2)) + 1)]
        elif m:
            numbers += [m.group(1), m.group(2)]
        elif part.strip():
            numbers.append(part.strip())
    return numbers


def numbers_in(text: str) -> list[str]:
    """Numbers named by all the [n] markers of a text, in text order."""
    return [n for match in MARKER.finditer(text) for n in expand(match.group(1))]


def canonical(numbers: str) -> str:
    """'1, 2' / '1–3' / '¹⁻³' as the bracketed marker '[1,2]' / '[1–3]' / '[1-3]'."""
    text = numbers.translate(_SUP_TABLE)
    return "[" + re.sub(r"\s*([,;])\s*", r"\1", re.sub(r"\s*([–-])\s*", r"\1", text)).replace(";", ",") + "]"


def _in_list(numbers: str, n_refs: int) -> bool:
    found = expand(numbers.translate(_SUP_TABLE))
    return bool(found) and all(n.isdigit() and 1 <= int(n) <= n_refs for n in found)


def _glue(before: str) -> str:
    return " " if before and before[-1].isalnum() else ""


def paren_markers(text: str, n_refs: int) -> list[re.Match[str]]:
    """The ``(1)``/``(1, 2)`` citation markers of a text whose reference list has ``n_refs`` entries."""
    out = []
    for match in _PAREN.finditer(text):
        before = text[: match.start()].rstrip()
        if _PAREN_LABEL.search(before) or _UNIT.search(before) or not _in_list(match.group(1), n_refs):
            continue
        out.append(match)
    return out


def unicode_markers(text: str, n_refs: int) -> list[re.Match[str]]:
    """The Unicode superscript markers (``¹,²``) of a text, powers after units and digits left out."""
    return [m for m in _UNICODE.finditer(text)
            if not _UNIT.search(text[: m.start()]) and _in_list(m.group(1), n_refs)]


def flattened_markers(text: str, n_refs: int) -> list[re.Match[str]]:
    """Digits flattened from superscripts (``pressure.12 The``), when the text shows the pattern.

    At least two such spots must occur in the text (one ``word3`` alone is more likely a name such
    as a product code than a citation), each after a lower-case word that is not a unit.
    """
    found = _flat(text, n_refs)
    return found if len(found) >= 2 else []


def _flat(text: str, n_refs: int) -> list[re.Match[str]]:
    return [m for m in _FLAT.finditer(text)
            if not _UNIT.search(text[: m.start()]) and _in_list(m.group(1), n_refs)]


def to_brackets(text: str, n_refs: int, paren: bool = True, flattened: bool = False) -> tuple[str, int]:
    """Rewrite every non-canonical marker form of ``text`` as ``[n]``; return (text, how many).

    Parameters
    ----------
    text : the article body (the reference list excluded).
    n_refs : how many entries the reference list has (a number outside 1..n is never a marker).
    paren : read ``(1)`` markers (a page with ``[n]`` markers of its own does not use them).
    flattened : also read digits flattened from superscripts; the caller decides, for the whole
        page, that it shows the pattern (:func:`flattened_markers`).

    >>> to_brackets("Sleep lowers it (1, 2). Doses of 5 mg (n = 30) in 2019 (3).", 3)
    ('Sleep lowers it [1,2]. Doses of 5 mg (n = 30) in 2019 [3].', 2)
    >>> to_brackets("A cream¹ helps; 3 m² of skin¹⁻³.", 3)
    ('A cream [1] helps; 3 m² of skin [1-3].', 2)
    """
    if n_refs <= 0:
        return text, 0
    count = 0
    finders = [*((paren_markers,) if paren else ()), unicode_markers, *((_flat,) if flattened else ())]
    for finder in finders:
        matches = finder(text, n_refs)
        for match in reversed(matches):
            start = match.start()
            while start > 0 and text[start - 1] == " " and finder is paren_markers:
                start -= 1
            before = text[:start]
            text = before + _glue(before) + canonical(match.group(1)) + text[match.end():]
        count += len(matches)
    return text, count


# --- author-date citations ------------------------------------------------------------------------

_NAME = r"[A-Z][\w'’-]+(?:\s(?:[a-z]{1,3}\s)?[A-Z][\w'’-]+)?"
_AUTHOR_DATE = re.compile(
    r"(?P<who>(?:[a-z]{1,3}\s)?" + _NAME + r"(?:\s+et\s+al\.?|\s*(?:&|and)\s*" + _NAME + r")?),?\s+"
    r"(?P<year>(?:19|20)\d{2})[a-z]?")
_PAREN_GROUP = re.compile(r"\(([^()]{4,200})\)")
_NARRATIVE = re.compile(r"(?P<who>" + _NAME + r"(?:\s+et\s+al\.?|\s*(?:&|and)\s*" + _NAME + r")?)\s+"
                        r"\((?P<year>(?:19|20)\d{2})[a-z]?\)")


def _first_family(who: str) -> str:
    who = re.sub(r"\s+et\s+al\.?$", "", who.strip())
    return re.split(r"\s*(?:&|\band\b)\s*", who)[0].strip().casefold()


def author_date_markers(text: str, index: dict[tuple[str, str], str]) -> tuple[str, int]:
    """Add ``[n]`` after each author-date citation that names an entry of an unnumbered list.

    ``index`` maps (first author's family name in lower case, year) to the entry's number. A
    citation is ``(Family, 2019)``, ``(Family et al., 2019; Other & Else, 2020)`` or the narrative
    ``Family et al. (2019)``; one that names no entry is left alone (precision first).

    >>> author_date_markers("Sleep helps (Okafor et al., 2019; WHO, 2021).",
    ...                     {("okafor", "2019"): "1", ("who", "2021"): "2"})
    ('Sleep helps (Okafor et al., 2019; WHO, 2021) [1,2].', 1)
    """
    if not index:
        return text, 0
    spans: list[tuple[int, list[str]]] = []
    for group in _PAREN_GROUP.finditer(text):
        found = [index.get((_first_family(m["who"]), m["year"]))
                 for m in _AUTHOR_DATE.finditer(group.group(1))]
        numbers = [n for n in found if n]
        if numbers:
            spans.append((group.end(), numbers))
    for m in _NARRATIVE.finditer(text):
        number = index.get((_first_family(m["who"]), m["year"]))
        if number:
            spans.append((m.end(), [number]))
    for end, numbers in sorted(spans, reverse=True):
        text = text[:end] + " [" + ",".join(dict.fromkeys(numbers)) + "]" + text[end:]
    return text, len(spans)
