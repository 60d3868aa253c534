"""Rules across rows and files: a claims table and a sources file that each pass alone can still disagree.

Each rule returns ``Problem`` lines (never raises), so ``check`` lists them with every other problem:

- one basis per place in a source: the same reference and locator must not be read from two kinds of
  material (``locator_basis_problems``);
- a source's level must agree with the evidence scheme: a design the scheme puts at one level gives
  that level, and a source whose design has no fixed level (an evidence-based guideline) must say in
  its rationale which evidence of its level it rests on (``level_problems``);
- a locator that names a web page must name a stored copy recorded for that source in
  ``sources.yaml`` (``located_in_store``), not some other document (``locator_host_problems``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from evidence_review.appraisal.claims import BASES
from evidence_review.appraisal.evidence import PENDING, Scheme, Source
from evidence_review.core.errors import Problem

# BASES runs from the most direct material (full text) to none: a lower index is more direct.
_DIRECTNESS = {basis: i for i, basis in enumerate(BASES)}
_HOST = re.compile(r"(?<![\w@/.-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24})(?![\w-])",
                   re.IGNORECASE)


def _clean(part: str) -> str:
    return re.sub(r"\s+", " ", part).strip(" .")


def locator_parts(locator: str) -> frozenset[str]:
    """The places a locator names (``;``-separated), compared without case or spacing differences."""
    return frozenset(p.casefold() for p in map(_clean, (locator or "").split(";")) if p)


def _rows(claims) -> list[dict]:
    """Claim rows as dicts from a claims DataFrame (refs as lists)."""
    return claims.to_dict(orient="records") if hasattr(claims, "to_dict") else list(claims)


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(sorted(ids))


def locator_basis_problems(claims, label: str) -> list[Problem]:
    """The same reference and locator read from two kinds of material.

    Only claims citing one reference are compared (with several, a locator may belong to either).
    Two rules: claims with the same reference and the same locator share one basis; and when a
    place is a claim's whole locator, a claim whose locator names that place among others cannot
    rest on less direct material (e.g. "Introduction p. 23" is full text in one claim, so
    "Abstract; Introduction p. 23" cannot be "abstract" in another).
    """
    groups: dict[tuple[str, frozenset[str]], dict[str, list[str]]] = {}
    shown: dict[str, str] = {}  # a place as first written, for the message
    for row in _rows(claims):
        refs, basis = list(row.get("refs") or []), str(row.get("basis", "")).strip()
        locator = str(row.get("locator", ""))
        parts = locator_parts(locator)
        for part in filter(None, map(_clean, locator.split(";"))):
            shown.setdefault(part.casefold(), part)
        if len(refs) != 1 or not parts or basis in ("", "none") or basis not in _DIRECTNESS:
            continue
        groups.setdefault((refs[0], parts), {}).setdefault(basis, []).append(str(row["id"]))
    out: list[Problem] = []
    for (ref, parts), by_basis in sorted(groups.items(), key=lambda kv: (kv[0][0], sorted(kv[0][1]))):
        if len(by_basis) > 1:
            where = " but ".join(f"{b} in {_ids(ids)}" for b, ids in sorted(by_basis.items()))
            place = "; ".join(shown[p] for p in sorted(parts))
            out.append(Problem(label, f"[{ref}] locator {place!r} has two bases: "
                                      f"{where} (one place in a source is read from one kind of material)",
                               field="basis"))
    singles = {(ref, next(iter(parts))): by_basis for (ref, parts), by_basis in groups.items()
               if len(parts) == 1}
    for (ref, parts), by_basis in sorted(groups.items(), key=lambda kv: (kv[0][0], sorted(kv[0][1]))):
        if len(parts) < 2:
            continue
        for part in sorted(parts):
            alone = singles.get((ref, part))
            if not alone:
                continue
            best_alone = min(alone, key=_DIRECTNESS.__getitem__)
            for basis, ids in sorted(by_basis.items()):
                if _DIRECTNESS[basis] > _DIRECTNESS[best_alone]:
                    out.append(Problem(label, f"[{ref}] {shown[part]!r} is {best_alone} in "
                                              f"{_ids(alone[best_alone])} but {_ids(ids)}, citing it with "
                                              f"other places, give{'s' if len(ids) == 1 else ''} basis "
                                              f"{basis}", field="basis"))
    return out


def level_problems(sources: Mapping[str, Source], scheme: Scheme, label: str) -> list[Problem]:
    """Sources whose level disagrees with the evidence scheme (evidence-levels.yaml)."""
    fixed = {design: lvl for lvl, item in scheme.levels.items() for design in item.get("designs") or []}
    out: list[Problem] = []
    for ref, src in sorted(sources.items(), key=lambda kv: kv[0]):
        if src.design == PENDING or src.cebm_level not in scheme.levels:
            continue
        field = f"references.{ref}"
        own = fixed.get(src.design)
        if own is not None and own != src.cebm_level:
            out.append(Problem(label, f"[{ref}] is given level {src.cebm_level}, but the scheme puts design "
                                      f"{src.design!r} at level {own}", field=f"{field}.cebm_level"))
        elif own is None:
            terms = [str(t) for t in scheme.levels[src.cebm_level].get("rationale_terms") or []]
            text = src.rationale.casefold()
            if terms and not any(t.casefold() in text for t in terms):
                lvl = src.cebm_level
                out.append(Problem(label, f"[{ref}] design {src.design!r} has no fixed level, so its "
                                          f"rationale for level {lvl} must name the level-{lvl} evidence "
                                          f"it rests on (one of: {', '.join(terms)})",
                                   field=f"{field}.rationale"))
        for cid, override in sorted(src.claim_levels.items()):
            lvl = str(override.get("level"))
            if lvl.isdigit() and src.cebm_level.isdigit() and int(lvl) < int(src.cebm_level):
                out.append(Problem(label, f"[{ref}] claim_levels.{cid} gives level {lvl}, better than the "
                                          f"source's own level {src.cebm_level} (a claim can only get the "
                                          "source's level or a lower one)", field=f"{field}.claim_levels"))
    return out


def _store_hosts(src: Source) -> set[str]:
    hosts = set()
    for url in src.raw.get("located_in_store") or []:
        host = urlsplit(str(url)).hostname or ""
        if host:
            hosts.add(host.casefold().removeprefix("www."))
    return hosts


def _host_matches(token: str, hosts: set[str]) -> bool:
    return any(token == h or h.endswith("." + token) or token.endswith("." + h) for h in hosts)


def locator_host_problems(claims, sources: Mapping[str, Source], label: str,
                          rows: Mapping[str, int] | None = None) -> list[Problem]:
    """A locator naming a web page (a host such as example.org) that is not a stored copy of its source."""
    out: list[Problem] = []
    for row in _rows(claims):
        refs = [r for r in row.get("refs") or [] if r in sources]
        hosts = set().union(*(_store_hosts(sources[r]) for r in refs)) if refs else set()
        if not hosts:
            continue  # no stored copies recorded: nothing to compare with
        cid = str(row["id"])
        for token in dict.fromkeys(m.casefold().removeprefix("www.")
                                   for m in _HOST.findall(str(row.get("locator", "")))):
            if not _host_matches(token, hosts):
                cited = ", ".join(f"[{r}]" for r in refs)
                out.append(Problem(label, f"{cid} locator names {token}, which is not a stored copy of "
                                          f"{cited} (add it to located_in_store in sources.yaml, or name "
                                          "the cited source)",
                                   row=(rows or {}).get(cid), field="locator"))
    return out


def review_problems(claims, sources: Mapping[str, Source], scheme: Scheme, claims_label: str,
                    sources_label: str, rows: Mapping[str, int] | None = None) -> list[Problem]:
    """Every cross-row and cross-file rule at once."""
    return (locator_basis_problems(claims, claims_label)
            + level_problems(sources, scheme, sources_label)
            + locator_host_problems(claims, sources, claims_label, rows))
