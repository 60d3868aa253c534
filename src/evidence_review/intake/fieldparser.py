"""A learned parser for ONE printed reference: a CRF labels its tokens, the labels become fields.

The model (``fieldparser_data/model.crfsuite``, trained by :mod:`evidence_review.intake.fieldtrain`,
``make model``) gives every token one label of :data:`LABELS`; runs of equal labels are spans, and
spans become the fields of :func:`parse`. Values are cut from the printed string by character
offsets, so they keep their printed spelling, dashes and spacing. DOIs, URLs, PMIDs and PMCIDs have
near-certain patterns: those patterns are features of the model and the fallback when it labels none.
"et al." has a label of its own and is never an author.

Example
-------
>>> fields = parse("Lindqvist AB, Oyelaran F. A title. Some J. 2019;3(1):1-2.")
>>> fields["authors"]
[{'family': 'Lindqvist', 'given': 'AB'}, {'family': 'Oyelaran', 'given': 'F'}]
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import pycrfsuite

LABELS = ("family", "given", "etal", "org", "year", "date", "title", "container", "volume", "issue",
          "pages", "doi", "url", "pmid", "pmcid", "accessed", "publisher", "place", "edition", "sep")
MODEL = "model.crfsuite"
KINDS = ("journal", "web", "book", "other")

# --- tokens -------------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]+"          # a URL, kept whole
    r"|10\.\d{4,9}/[^\s<>\"]+"                 # a bare DOI
    r"|(?i:doi):[^\s<>\"]+"                     # "doi:10.x/y", also a broken "doi:5555/y"
    r"|(?<!\S)/[\w\-.~%/?=&#]+"                # a relative URL ("/health/iron")
    r"|\w+(?:['’\-]\w+)*"                      # a word: O'Brien, Smith-Jones, 101-9, Jan-Feb
    r"|[^\w\s]",                               # one punctuation character
    re.UNICODE,
)
_LINKLIKE = re.compile(r"^(?:https?://|www\.|10\.\d|/|doi:)", re.I)
# Capital letters of the Latin scripts, accented ones included ("É", "Ø", "Ł"): initials are printed
# in them ("Roux É", "Ødegård ÅK"), and an ASCII-only [A-Z] would read such a name as an organisation.
UPPER = "A-Z" + "".join(c for c in map(chr, range(0xC0, 0x250)) if c.isupper() and c.isalpha())
_INITIALS = re.compile(f"^[{UPPER}]{{1,3}}$")
_INITIAL = re.compile(f"^[{UPPER}]$")


class Token(NamedTuple):
    """One token and its character offsets in the reference's text (a named tuple: made ~25 times
    a reference, it is built about twice as fast as a frozen dataclass)."""

    text: str
    start: int
    end: int


def _trim_link(text: str, start: int, end: int) -> int:
    """End offset of a URL/DOI token without trailing sentence punctuation or an unbalanced ')'."""
    value = text[start:end]
    while value:
        if value[-1] in ".,;:]>'\"":
            value = value[:-1]
        elif value[-1] == ")" and value.count("(") < value.count(")"):
            value = value[:-1]
        else:
            break
    return start + len(value)


def tokenize(text: str) -> list[Token]:
    """Tokens with character offsets into ``text`` (punctuation apart, links whole)."""
    tokens: list[Token] = []
    search, linklike, append = _TOKEN.search, _LINKLIKE.match, tokens.append
    pos = 0
    while True:
        match = search(text, pos)
        if not match:
            return tokens
        start, end = match.span()
        value = match.group(0)
        if end - start > 1 and linklike(value):
            end = max(_trim_link(text, start, end), start + 1)
            value = text[start:end]
        append(Token(value, start, end))
        pos = end


# --- features -----------------------------------------------------------------------------------
MONTHS = {m.lower() for m in (
    "January February March April May June July August September October November December "
    "Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Spring Summer Autumn Fall Winter").split()}
# Words whose identity is a feature; any other word is seen only through its shape and lexicons.
KEYWORDS = set("""
accessed cited retrieved available from at internet published online updated revised reviewed epub
ahead print doi pmid pmcid pmc vol volume no issue pp p pg page pages in ed eds edn edition editor
editors press university publisher publishers and et al url viewed last modified n d date web
website site report chapter series suppl supplement part the of for on a an to with by
""".split())
ORG_WORDS = set("""
association institute institutes agency department society organization organisation foundation
centre center centers centres ministry service services council college clinic hospital health
national board nhs group committee collaboration network office administration commission authority
trust federation alliance library world international american british european food drug force
task working writing consortium investigators inc ltd llc company pharmacy medicine medical
academy program programme unit team government public care who cdc fda nih nice
""".split())
JOURNAL_WORDS = set("""
journal j annals ann review rev reviews proceedings proc bulletin bull archives arch med clin clinical
res research int am br eur sci science lancet jama bmj nutr neurol pract ther rep lett acta open
medicine health nurs physiol pharmacol epidemiol public endocrinol metab sports cochrane database
syst
""".split())
PARTICLES = set("van von de der den del della di da du la le ten ter dos das st".split())
_QUOTES = {'"', "“", "”", "‘", "’", "'", "«", "»"}
_YEAR = re.compile(r"^(?:1[6-9]|20)\d{2}[a-z]?$")
_ROMAN = re.compile(r"^[ivxlc]+$", re.I)


def _shape(word: str) -> str:
    """"Xxxx", "XX", "dd-dd": capitals, small letters (accented ones too) and digits."""
    shape = "".join("X" if c.isupper() else "x" if c.islower() else "d" if c.isdigit() else c for c in word)
    return re.sub(r"(.)\1{2,}", r"\1\1", shape)[:6]


@lru_cache(maxsize=200_000)
def _word_features(tok: str) -> tuple[str, ...]:
    """Features of one token's text alone (cached: the same words recur in every list)."""
    return tuple(_compute_word_features(tok))


def _compute_word_features(tok: str) -> list[str]:
    low = tok.lower()
    out: list[str] = []
    if re.match(r"^(?:https?://)?(?:dx\.)?doi\.org/", low) or low.startswith(("10.", "doi:")):
        out.append("doi")
    elif _LINKLIKE.match(tok) and len(tok) > 1:
        out.append("url")
    if not tok[0].isalnum():
        out.append("p=" + ("quote" if tok in _QUOTES else "dash" if tok in "-–—" else tok))
        return out
    out.append("s=" + _shape(tok))
    if low in KEYWORDS:
        out.append("w=" + low)
    if low in MONTHS or low.split("-")[0] in MONTHS:
        out.append("month")
    if low in ORG_WORDS:
        out.append("orgw")
    if low in JOURNAL_WORDS:
        out.append("jw")
    if low in PARTICLES:
        out.append("particle")
    if _YEAR.match(tok):
        out.append("year")
    if tok.isdigit():
        out.append(f"num{min(len(tok), 9)}")
        if len(tok) in (7, 8):
            out.append("pmidlike")
    if re.match(r"^PMC\d+$", tok):
        out.append("pmc")
    if _INITIALS.match(tok):
        out.append("initials")
    if len(tok) > 1 and tok[0].isupper() and tok[1].islower():
        out.append("cap")
    if tok.islower():
        out.append("lower")
    if _ROMAN.match(tok) and len(tok) < 5:
        out.append("roman")
    if re.match(r"^[A-Za-z]?\d+[A-Za-z]?[-–]\d+$", tok):
        out.append("range")
    if re.match(r"^\d+(?:st|nd|rd|th)$", low):
        out.append("ordinal")
    return out


@lru_cache(maxsize=200_000)
def _around(tok: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...],
                                tuple[str, ...]]:
    """A token's features as its neighbours see them: two before ("-2:"), one before ("-1:"), one
    after ("1:"), two after ("2:"), and as the first token of the next segment ("ns:"). Two away,
    the shape of a word ("s=X…", "s=x…") is left out; as the next segment's start, a capitalised
    shape is. (Cached with :func:`_word_features`: the prefixed strings are built once per word.)"""
    own = _word_features(tok)
    far = tuple(x for x in own if not x.startswith(("s=X", "s=x")))
    return (tuple("-2:" + x for x in far), tuple("-1:" + x for x in own), tuple("1:" + x for x in own),
            tuple("2:" + x for x in far), tuple("ns:" + x for x in own if not x.startswith("s=X")))


@lru_cache(maxsize=200_000)
def _initials(tok: str) -> tuple[bool, bool]:
    """(one to three capitals, one capital): the shapes of printed initials ("MA", "M")."""
    return bool(_INITIALS.match(tok)), bool(_INITIAL.match(tok))


def _doc_features(tokens: list[Token]) -> list[str]:
    texts = [t.text for t in tokens]
    joined = " ".join(texts)
    out = []
    if re.search(r"\( (?:1[6-9]|20)\d{2}[a-z]? [,)]", joined):
        out.append("D:paren-year")
    if re.search(f"(?:^| )[{UPPER}] \\. (?:[,&]|[{UPPER}] \\.)", joined):
        out.append("D:dotted-initials")
    if re.search(r"\d{4} ; \d", joined) or re.search(r"\d{4} [A-Z][a-z]{2} ; ", joined):
        out.append("D:year-semicolon")
    if any(t in _QUOTES for t in texts):
        out.append("D:quotes")
    # initials printed bare ("Okafor MA, Berg J") or with full stops ("Okafor, M. A.")
    # (a list of bare initials ends with one full stop, so a tie counts as bare)
    bare = dotted = 0
    for a, b in zip(texts, texts[1:], strict=False):
        if b not in _AFTER_INITIAL:
            continue
        several, one = _initials(a)
        if several and len(a) > 1 and b in (",", ";", ".") or one and b in (",", ";"):
            bare += 1
        if one and b == ".":
            dotted += 1
    if bare >= dotted and bare:
        out.append("D:bare-initials")
    elif dotted:
        out.append("D:dot-initials")
    return out


_AFTER_INITIAL = frozenset((",", ";", "."))
_POS = tuple(f"pos={k}" for k in range(10))
_SEG = tuple(f"seg={k}" for k in range(7))
_PAREN = {"(": 1, ")": -1}
_BRACK = {"[": 1, "]": -1}
_ACCESS_WORDS = frozenset(("accessed", "cited", "retrieved", "viewed", "consulted"))


def features(tokens: list[Token], hints: dict[int, str] | None = None) -> list[list[str]]:
    """Feature strings of every token (its own, its neighbours', its place, the rule parse's label)."""
    texts = [t.text for t in tokens]
    own = [_word_features(t) for t in texts]
    around = [_around(t) for t in texts]
    doc = _doc_features(tokens)
    initials = "bare" if "D:bare-initials" in doc else "dotted" if "D:dot-initials" in doc else "none"
    n = len(tokens)
    segs = _segments(tokens, bare=initials == "bare")
    seg_first: dict[int, int] = {}
    for i, s in enumerate(segs):
        seg_first.setdefault(s, i)
    out: list[list[str]] = []
    depth_paren = depth_brack = 0
    quote = False
    seen_year = seen_url = False
    access_kw = -99  # index of the last "Accessed", "cited", "Retrieved", "viewed"
    hints = hints or {}
    initial_dot = "initial-dot:" + initials
    for i, tok in enumerate(tokens):
        text = texts[i]
        f = ["bias", *own[i], *doc, _POS[min(10 * i // n, 9)], _SEG[min(segs[i], 6)]]
        if i == 0:
            f.append("first")
        if i == n - 1:
            f.append("last")
        if depth_paren:
            f.append("in-paren")
        if depth_brack:
            f.append("in-brack")
        if quote:
            f.append("in-quote")
        if seen_year:
            f.append("after-year")
        if seen_url:
            f.append("after-url")
        if 0 < i - access_kw <= 6:
            f.append("after-accessed")
        # the neighbours' own features, two either side ("-2:none" beyond the ends)
        if i >= 2:
            f += around[i - 2][0]
        else:
            f.append("-2:none")
        if i >= 1:
            f += around[i - 1][1]
        else:
            f.append("-1:none")
        if i + 1 < n:
            f += around[i + 1][2]
        else:
            f.append("1:none")
        if i + 2 < n:
            f += around[i + 2][3]
        else:
            f.append("2:none")
        if i + 1 < n and tokens[i + 1].start == tok.end:
            f.append("glued-next")
        if i and tokens[i - 1].end == tok.start:
            f.append("glued-prev")
        if i in hints:
            f.append("rule=" + hints[i])
        if text == "." and i and _initials(texts[i - 1])[0]:
            f.append(initial_dot)  # part of "M. A." or the full stop after "Okafor MA"
        nxt = seg_first.get(segs[i] + 1)
        if nxt is not None:  # how the next segment ("2nd ed.", "2019;3:1-2", "Place:") begins
            f += around[nxt][4]
        out.append(f)
        if depth_paren or text == "(":
            depth_paren = max(depth_paren + _PAREN.get(text, 0), 0)
        if depth_brack or text == "[":
            depth_brack = max(depth_brack + _BRACK.get(text, 0), 0)
        if text in _QUOTES and text != "’":
            quote = text in ("“", "‘", "«") or (text in ('"', "'") and not quote)
        mine = own[i]
        if "year" in mine:
            seen_year = True
        if text.lower() in _ACCESS_WORDS:
            access_kw = i
        elif text in ("]", ")") or (text == "." and i + 1 < n and tokens[i + 1].start > tok.end):
            access_kw = -99
        if "url" in mine or "doi" in mine:
            seen_url = True
    return out


def _segments(tokens: list[Token], bare: bool = False) -> list[int]:
    """Segment number of every token: a new segment starts after ". ", "? " or "! ", not after a
    dotted initial ("M. "), unless the reference prints its initials bare ("Okafor MA, Berg J."):
    there the full stop after a one-letter initial ends the author list like the one after "MA"."""
    out, segment = [], 0
    last = len(tokens) - 1
    for i, tok in enumerate(tokens):
        out.append(segment)
        if tok.text in _STOPS and i < last and tokens[i + 1].start > tok.end:
            if bare or not (i and _initials(tokens[i - 1].text)[1]):
                segment += 1
    return out


_STOPS = frozenset((".", "?", "!"))


# --- rule hints ---------------------------------------------------------------------------------
def hint_labels(text: str, tokens: list[Token], hints: list[tuple[str, str]] | None) -> dict[int, str]:
    """Token index -> label, from (label, value) pairs a rule parser found in ``text``."""
    if not hints:
        return {}
    found: dict[int, str] = {}
    cursor = 0
    for label, value in hints:
        if not value:
            continue
        at = text.find(value, cursor)
        if at < 0:
            at = text.find(value)
        if at < 0:
            continue
        end = at + len(value)
        for i, tok in enumerate(tokens):
            if tok.start >= at and tok.end <= end and i not in found:
                found[i] = label
        if label in ("family", "given", "org"):
            cursor = end
    return found


# --- the model ----------------------------------------------------------------------------------
@cache  # called once per reference: resolving the package resource costs ~0.1 ms each time
def model_path() -> Path:
    return Path(str(resources.files("evidence_review.intake").joinpath("fieldparser_data", MODEL)))


@cache
def _tagger(path: str) -> pycrfsuite.Tagger | None:
    if not Path(path).is_file():
        return None
    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    return tagger


def label(text: str, hints: list[tuple[str, str]] | None = None,
          model: Path | None = None) -> list[tuple[Token, str]]:
    """Every token of ``text`` with its label; an empty list when the model is missing."""
    tokens = tokenize(text)
    tagger = _tagger(str(model or model_path()))
    if not tokens or tagger is None:
        return []
    labels = tagger.tag(features(tokens, hint_labels(text, tokens, hints)))
    return _et_al(list(zip(tokens, labels, strict=True)))


def _et_al(labelled: list[tuple[Token, str]]) -> list[tuple[Token, str]]:
    """ "et al" (and its full stop) is always the et-al label: a rule the model is never allowed to
    break, so "et al." can never become an author or part of a title."""
    out = list(labelled)
    for i in range(len(out) - 1):
        if out[i][0].text.lower() == "et" and out[i + 1][0].text.lower() == "al":
            out[i], out[i + 1] = (out[i][0], "etal"), (out[i + 1][0], "etal")
            if i + 2 < len(out) and out[i + 2][0].text == "." and out[i + 2][0].start == out[i + 1][0].end:
                out[i + 2] = (out[i + 2][0], "etal")
    return out


# --- labels -> fields ---------------------------------------------------------------------------
_DOI_RULE = re.compile(r"(?:\bdoi:\s*|https?://(?:dx\.)?doi\.org/)10\.\S+|\b10\.\d{4,9}/\S+", re.I)
_URL_RULE = re.compile(r"(?<!\S)(?:https?://|www\.)\S+", re.I)
_PMID_RULE = re.compile(r"\bPMID:?\s*(\d{1,9})\b")
_PMCID_RULE = re.compile(r"\bPMCID:?\s*(PMC\d+)\b|\b(PMC\d{5,})\b")
_YEAR_IN = re.compile(r"\b(?:1[6-9]|20)\d{2}\b")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:?\s*)", re.I)


def spans(labelled: list[tuple[Token, str]]) -> list[tuple[str, int, int]]:
    """Runs of equal labels as (label, start offset, end offset); "sep" runs are dropped."""
    out: list[tuple[str, int, int]] = []
    for tok, lab in labelled:
        if out and out[-1][0] == lab:
            out[-1] = (lab, out[-1][1], tok.end)
        else:
            out.append((lab, tok.start, tok.end))
    return [s for s in out if s[0] != "sep"]


def _clean(value: str) -> str:
    return value.strip().strip(",;:").strip()


def _authors(text: str, runs: list[tuple[str, int, int]]) -> list[dict]:
    """Family/given runs grouped into names: a new name starts when a part repeats."""
    authors: list[dict] = []
    current: dict = {}
    for lab, start, end in runs:
        if lab not in ("family", "given"):
            continue
        if lab in current:
            authors.append(current)
            current = {}
        current[lab] = re.sub(r"\s*(?:&|\band)$", "", _clean(text[start:end]))
        if "family" in current and "given" in current:
            authors.append(current)
            current = {}
    if current:
        authors.append(current)
    return [{"family": a.get("family"), "given": a.get("given")} for a in authors if a.get("family")
            or a.get("given")]


def _date_run(labelled: list[tuple[Token, str]], text: str) -> tuple[str | None, str | None]:
    """(year, printed date): the first run of date/year tokens that holds a year (or any date run)."""
    runs: list[tuple[int, int, str | None]] = []
    run: list[tuple[Token, str]] = []
    for tok, lab in [*labelled, (None, "sep")]:
        if lab in ("date", "year"):
            run.append((tok, lab))
            continue
        if run:
            year = next((t.text for t, lab2 in run if lab2 == "year"), None)
            runs.append((run[0][0].start, run[-1][0].end, year))
            run = []
    if not runs:
        return None, None
    start, end, year = next((r for r in runs if r[2]), runs[0])
    printed = _clean(text[start:end]).rstrip(".").strip() or None
    if year is None and printed:
        found = _YEAR_IN.search(printed)
        year = found.group(0) if found else None
    return year, printed


def _kind(fields: dict) -> str:
    if fields.get("container") and (fields.get("volume") or fields.get("issue") or fields.get("pages")):
        return "journal"
    if fields.get("doi") and fields.get("container"):
        return "journal"
    if fields.get("url") and not fields.get("doi"):
        return "web"
    if fields.get("publisher") or fields.get("edition") or fields.get("place"):
        return "book"
    return "other"


def fields_from_labels(text: str, labelled: list[tuple[Token, str]]) -> dict:
    """The fields of one reference from its labelled tokens (values cut from ``text``)."""
    runs = spans(labelled)
    first: dict[str, str] = {}
    for lab, start, end in runs:
        if lab in ("family", "given"):
            continue
        value = _clean(text[start:end])
        if value and lab not in first:
            first[lab] = value
    year, date = _date_run(labelled, text)
    out: dict = {
        "authors": _authors(text, runs),
        "et_al": any(lab == "etal" for _, lab in labelled),
        "organisation": first.get("org"),
        "year": year, "date": date,
    }
    for key in ("title", "container", "volume", "issue", "pages", "publisher", "place", "edition"):
        out[key] = first.get(key)
    for key in ("organisation", "title", "container", "publisher", "place"):
        if out[key]:  # a separator the model took in ("Title |", "Site -") is not part of the value
            out[key] = out[key].rstrip(" |-–—/").strip() or None
    if out["title"]:
        out["title"] = re.sub(r"\s*\[Internet\]$", "", out["title"]).rstrip(" .,;:") or None
    out["accessed"] = first.get("accessed", "").rstrip(".").strip() or None
    out.update(_links(text, first))
    out["kind"] = _kind(out)
    return out


def _links(text: str, first: dict[str, str]) -> dict:
    """doi, url, pmid, pmcid: the model's spans, else their patterns in the text."""
    doi = first.get("doi")
    if doi:  # the "doi:" before a DOI is part of it as printed (kept, like every printed value)
        at = text.find(doi)
        prefix = re.search(r"\bdoi:?\s*$", text[:at], re.I) if at > 0 else None
        if prefix and not _DOI_PREFIX.match(doi):
            doi = text[prefix.start():at] + doi
    else:
        doi = printed_doi(text)
    url = first.get("url")
    if url and _DOI_PREFIX.match(url) and "doi.org/" in url.lower() and not doi:
        doi, url = url, None
    if not url:
        for found in _URL_RULE.finditer(text):
            if not doi or found.group(0).rstrip(".") not in doi:
                if "doi.org/" not in found.group(0).lower():
                    url = found.group(0)
                    break
    pmid = first.get("pmid")
    if not pmid or not pmid.isdigit():
        found = _PMID_RULE.search(text)
        pmid = found.group(1) if found else None
    pmcid = first.get("pmcid")
    if not pmcid or not pmcid.startswith("PMC"):
        found = _PMCID_RULE.search(text)
        pmcid = (found.group(1) or found.group(2)) if found else None
    return {"doi": tidy_link(doi), "url": tidy_link(url), "pmid": pmid, "pmcid": pmcid}


# Where a match of _DOI_RULE can start: each of its forms begins with one of these (found by a
# plain scan, ~3 times faster than _DOI_RULE's own, which then starts there).
_DOI_START = re.compile(r"doi:|http|10\.", re.I)


def printed_doi(text: str) -> str | None:
    """The first DOI printed in ``text`` by its pattern (``doi:10.…``, ``https://doi.org/10.…``,
    a bare ``10.…/…``), as printed: the parse's fallback when the model labels no DOI, and what
    ``init`` asks Crossref for while the list is being parsed."""
    start = _DOI_START.search(text)
    if start is None:
        return None
    found = _DOI_RULE.search(text, start.start())  # its \b still sees the character before
    return found.group(0) if found else None


def tidy_link(value: str | None) -> str | None:
    """A printed URL or DOI without surrounding spaces, trailing punctuation or an unbalanced ")"
    (``- Title - (https://example.org/a)`` prints the link in parentheses: they are not part of it)."""
    if not value:
        return None
    value = value.strip()
    return value[: _trim_link(value, 0, len(value))] or None


def parse(text: str, hints: list[tuple[str, str]] | None = None, model: Path | None = None) -> dict | None:
    """The fields of one printed reference, or None when no model is available.

    Returns a dict: ``authors`` ([{"family", "given"}], never "et al."), ``et_al`` (the list was cut
    short), ``organisation``, ``year``, ``date`` (as printed), ``title``, ``container``, ``volume``,
    ``issue``, ``pages``, ``doi``, ``url``, ``pmid``, ``pmcid``, ``accessed``, ``publisher``,
    ``place``, ``edition`` and ``kind`` (journal, web, book or other). Absent fields are None.
    """
    labelled = label(text, hints, model)
    if not labelled:
        return None
    return fields_from_labels(text, labelled)
