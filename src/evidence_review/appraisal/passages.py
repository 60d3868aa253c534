"""Passages: for each cited claim, the sentences and paragraphs of its sources that best match it.

The source texts (abstracts and open full texts from Europe PMC, see
:mod:`evidence_review.records.sourcetext`) are split into paragraphs and sentences, each with its
locator ("Results, para 2"). For a claim, every unit of the sources it cites is ranked with BM25
(bm25s) and the three best distinct locators are kept, best first. They are suggestions for the
reviewer, never a verdict: nothing here changes a claim's verdict, locator or level.

Tokenising suited to medical text (measured in ``benchmarks/bench_passages.py``): lower case;
hyphenated terms give their parts and the joined form ("random-effects" → random, effects,
randomeffects); decimal numbers and percentages stay whole ("2.1", "95%" → "95"); a short list of
English function words (not negations) is dropped; no stemming: an S-stemmer (Harman 1991,
plurals only) and a longer stop list both measured worse (docs/benchmarks.md).

A text without an open licence is ranked like any other, but a passage from it is shown only as a
short quotation (:func:`~evidence_review.records.sourcetext.short_quotation`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass

from evidence_review.records.sourcetext import SourceText, short_quotation

__all__ = ["Passage", "tokenize", "rank_passages", "claim_passages", "TOKENIZERS", "TOP_K"]

TOP_K = 3
_WORD = re.compile(r"\d+(?:[.,]\d+)*%?|[a-z0-9]+(?:[-'][a-z0-9]+)*")
# Function words that carry no meaning in a claim. Negations and comparisons ("no", "not",
# "did", "than", "more", "less") are kept on purpose: they matter in medical statements, and
# dropping them measured worse (benchmarks/bench_passages.py, variant "long-stoplist").
STOPWORDS = frozenset("a an the of and or to in on at for is are was were be been it its this that "
                      "these those as".split())
LONG_STOPWORDS = frozenset("""a about after all also an and any are as at be been but by can could did
do does for from had has have he her his how i if in into is it its may more most no not of on or our
she so such than that the their them then there these they this those to was we were what when which
who will with would you""".split())


@dataclass(frozen=True)
class Passage:
    """One suggested passage: which source, where in it, its text, and its BM25 score."""

    ref: str
    locator: str
    text: str
    score: float
    open_licence: bool = True

    def to_dict(self) -> dict:
        return asdict(self)


def s_stem(token: str) -> str:
    """Harman's S-stemmer: fold plurals only ("trials" → "trial", "studies" → "study")."""
    if len(token) <= 3 or not token.isalpha():
        return token
    if token.endswith("ies") and not token.endswith(("eies", "aies")):
        return token[:-3] + "y"
    if token.endswith("es") and not token.endswith(("aes", "ees", "oes")):
        return token[:-1]
    if token.endswith("s") and not token.endswith(("us", "ss")):
        return token[:-1]
    return token


def _tokens(text: str, stem: Callable[[str], str] | None, stopwords: frozenset[str],
            hyphens: bool) -> list[str]:
    out = []
    for match in _WORD.finditer(text.lower()):
        word = match.group(0).rstrip("%")
        if "-" in word and hyphens:
            parts = [p for p in word.split("-") if p]
            out.extend(stem(p) if stem else p for p in parts if p not in stopwords)
            word = "".join(parts)
        if word in stopwords:
            continue
        out.append(stem(word) if stem else word)
    return out


def tokenize(text: str) -> list[str]:
    """The tokens BM25 sees (see the module docstring).

    >>> tokenize("Random-effects models of 95% of trials did not differ")
    ['random', 'effects', 'randomeffects', 'models', '95', 'trials', 'did', 'not', 'differ']
    """
    return _tokens(text, None, STOPWORDS, hyphens=True)


# The variants the benchmark compares; "medical" (no stemming) is the default: on the evaluation
# set the S-stemmer found the same passages in the top three but ranked one fewer first.
TOKENIZERS: dict[str, Callable[[str], list[str]]] = {
    "plain": lambda text: re.findall(r"\w+", text.lower()),
    "s-stem": lambda text: _tokens(text, s_stem, STOPWORDS, hyphens=True),
    "long-stoplist": lambda text: _tokens(text, None, LONG_STOPWORDS, hyphens=True),
    "no-hyphen-split": lambda text: _tokens(text, None, STOPWORDS, hyphens=False),
    "medical": tokenize,
}


def rank_passages(query: str, texts: Mapping[str, SourceText], k: int = TOP_K,
                  tokenizer: Callable[[str], list[str]] = tokenize) -> list[Passage]:
    """The ``k`` best passages for ``query`` among ``texts`` (keyed by reference number).

    Paragraphs and sentences are ranked together in one BM25 index over every text given (so the
    scores compare across sources); of the units sharing a locator only the best is kept.
    """
    units: list[tuple[str, str, str, bool]] = []
    for ref, text in texts.items():
        for _kind, locator, body in text.units():
            units.append((ref, locator, body, text.open_licence))
    query_tokens = tokenizer(query)
    if not units or not query_tokens:
        return []
    corpus = [tokenizer(u[2]) or ["\u2205"] for u in units]
    # imported here: bm25s loads SciPy's sparse matrices (~0.25 s of CPU), which the processes that
    # only check or export a review (the parent of `build`) need not pay
    import bm25s

    index = bm25s.BM25()
    index.index(corpus, show_progress=False)
    scores = index.get_scores(query_tokens)
    order = sorted(range(len(units)), key=lambda i: (-float(scores[i]), i))
    seen: set[tuple[str, str]] = set()
    out = []
    for i in order:
        score = float(scores[i])
        if score <= 0 or len(out) == k:
            break
        ref, locator, body, is_open = units[i]
        if (ref, locator) in seen:
            continue
        seen.add((ref, locator))
        out.append(Passage(ref, locator, body if is_open else short_quotation(body),
                           round(score, 3), is_open))
    return out


def claim_passages(claims: Iterable[Mapping], texts_by_ref: Mapping[str, SourceText],
                   k: int = TOP_K) -> dict[str, list[Passage]]:
    """Passages for every claim (``id``, ``text``, ``refs``), from the texts of the refs it cites.

    A claim whose sources have no text gets an empty list.
    """
    out = {}
    for claim in claims:
        texts = {r: texts_by_ref[r] for r in claim["refs"] if r in texts_by_ref}
        out[str(claim["id"])] = rank_passages(str(claim["text"]), texts, k) if texts else []
    return out


def hits(passages: list[Passage], where: Iterable[str], refs: list[str]) -> bool:
    """Whether any passage sits at one of the gold locators (``"REF: locator"`` or ``"locator"``)."""
    gold = set()
    for item in where:
        ref, sep, loc = item.partition(": ")
        if sep and ref in refs:
            gold.add((ref, loc))
        else:
            gold.update((r, item) for r in refs)
    return any((p.ref, p.locator) in gold for p in passages)


def evaluate(cases: Iterable[Mapping], texts_by_ref: Mapping[str, SourceText], k: int = TOP_K,
             tokenizer: Callable[[str], list[str]] = tokenize) -> dict:
    """Recall@1, recall@k and mean reciprocal rank of ``cases`` (``text``, ``refs``, ``where``)."""
    cases = list(cases)
    at1 = atk = 0
    rr = 0.0
    misses = []
    for case in cases:
        texts = {r: texts_by_ref[r] for r in case["refs"] if r in texts_by_ref}
        ranked = rank_passages(case["text"], texts, k=max(k, 10), tokenizer=tokenizer)
        rank = next((i for i, p in enumerate(ranked, 1)
                     if hits([p], case["where"], list(case["refs"]))), None)
        at1 += rank == 1
        atk += rank is not None and rank <= k
        rr += 1.0 / rank if rank else 0.0
        if rank is None or rank > k:
            misses.append(str(case.get("id")))
    n = len(cases) or 1
    return {"n": len(cases), "recall@1": at1 / n, f"recall@{k}": atk / n, "mrr": rr / n,
            "misses": misses}
