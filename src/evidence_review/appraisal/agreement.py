"""Agreement between independent reviewers' verdicts: Cohen's κ, Krippendorff's α, conflicts.

Only **cited** claims that the reviewers both judged count (an uncited claim's verdict is forced to
``uncited`` by the rules, so it would inflate agreement). The verdicts are treated as **nominal**
categories for both statistics: κ is Cohen's unweighted kappa (scikit-learn), and α uses the
nominal distance (``krippendorff``). The scale is not ordinal as a whole: ``not-verifiable`` says
the source could not be read and has no place between ``supported`` and ``contradicted``, so an
ordinal α would have to invent one.

κ's 95 % confidence interval is analytic: κ ± 1.96·SE, with the large-sample standard error of
Fleiss, Cohen & Everitt (1969, *Psychological Bulletin* 72:323; Fleiss, Levin & Paik 2003, eq.
18.13), clipped to [-1, 1]. κ is undefined (``None``) when both reviewers used one and the same
verdict throughout (chance agreement is then 1); α likewise when only one verdict occurs.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from statistics import NormalDist

import krippendorff
import numpy as np
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from evidence_review.appraisal.claims import VERDICTS

Z95 = NormalDist().inv_cdf(0.975)
CI_METHOD = "analytic SE (Fleiss, Cohen & Everitt 1969)"
ALPHA_LEVEL = "nominal"


@dataclass
class Agreement:
    """Agreement figures for one review (``to_json`` gives the CLI's JSON shape)."""

    review: str
    reviewers: list[str]
    claims: int
    kappa: float | None
    kappa_ci: tuple[float, float] | None
    alpha: float | None
    observed: float | None  # share of the claims on which all reviewers gave the same verdict
    per_source: dict[str, dict] = field(default_factory=dict)
    conflicts: list[dict] = field(default_factory=list)
    complete: bool = False  # every reviewer has judged every claim

    def summary_lines(self) -> list[str]:
        """The agreement as plain-text lines and small tables (the CLI's table format)."""
        def num(v):
            return "undefined" if v is None else f"{v:.2f}"

        by = "both" if len(self.reviewers) == 2 else "two or more"
        lines = [f"{self.review}: {len(self.reviewers)} reviewers ({', '.join(self.reviewers)}), "
                 f"{self.claims} cited claims judged by {by}"
                 + ("" if self.complete else " (not every reviewer has finished)")]
        ci = (f" (95% CI {num(self.kappa_ci[0])} to {num(self.kappa_ci[1])}; {CI_METHOD})"
              if self.kappa_ci else "")
        lines.append(f"Cohen's kappa {num(self.kappa)}{ci}")
        lines.append(f"Krippendorff's alpha ({ALPHA_LEVEL}) {num(self.alpha)}; observed agreement "
                     f"{num(self.observed)}")
        rows = [["source", "claims", "kappa", "alpha", "agreement"]]
        rows += [[f"[{ref}]", str(s["n"]), num(s["kappa"]), num(s["alpha"]), num(s["observed_agreement"])]
                 for ref, s in self.per_source.items()]
        if len(rows) > 1:
            lines += ["", *_columns(rows)]
        settled = sum(1 for c in self.conflicts if c["settled"])
        lines += ["", f"{len(self.conflicts)} conflict(s), {settled} settled in claims.csv"]
        if self.conflicts:
            rows = [["claim", *self.reviewers, "final"]]
            for c in self.conflicts:
                s = c["settled"]
                final = f"{s['verdict']} ({s['reviewer']}, {s['decided']})" if s else "not yet settled"
                rows.append([c["id"], *(c["verdicts"].get(r, "") for r in self.reviewers), final])
            lines += _columns(rows)
        return lines

    def to_json(self) -> dict:
        return {"review": self.review, "reviewers": self.reviewers, "claims": self.claims,
                "kappa": _round(self.kappa),
                "kappa_ci": [_round(v) for v in self.kappa_ci] if self.kappa_ci else None,
                "kappa_ci_method": CI_METHOD, "alpha": _round(self.alpha),
                "alpha_level": ALPHA_LEVEL, "observed_agreement": _round(self.observed),
                "complete": self.complete, "per_source": self.per_source, "conflicts": self.conflicts}


def _columns(rows: list[list[str]]) -> list[str]:
    """Rows of cells as left-aligned text columns."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def cohen_kappa(a: list[str], b: list[str]) -> float | None:
    """Cohen's unweighted κ of two equally long lists of verdicts (None when undefined)."""
    if not a or len(set(a) | set(b)) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = cohen_kappa_score(a, b)
    return None if math.isnan(value) else float(value)


def kappa_se(a: list[str], b: list[str], kappa: float) -> float:
    """Large-sample standard error of κ (Fleiss, Cohen & Everitt 1969), not assuming κ = 0."""
    labels = sorted(set(a) | set(b))
    p = confusion_matrix(a, b, labels=labels).astype(float) / len(a)
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    pe = float((rows * cols).sum())
    k = len(labels)
    diag = sum(p[i, i] * (1 - (rows[i] + cols[i]) * (1 - kappa)) ** 2 for i in range(k))
    off = (1 - kappa) ** 2 * sum(p[i, j] * (cols[i] + rows[j]) ** 2
                                  for i in range(k) for j in range(k) if i != j)
    var = (diag + off - (kappa - pe * (1 - kappa)) ** 2) / (len(a) * (1 - pe) ** 2)
    return math.sqrt(max(var, 0.0))


def kappa_interval(a: list[str], b: list[str], kappa: float | None) -> tuple[float, float] | None:
    if kappa is None:
        return None
    half = Z95 * kappa_se(a, b, kappa)
    return (max(-1.0, kappa - half), min(1.0, kappa + half))


def kripp_alpha(matrix: list[list[str | None]]) -> float | None:
    """Krippendorff's nominal α of a reviewers × claims matrix (None = not judged)."""
    code = {v: i for i, v in enumerate(VERDICTS)}
    data = np.array([[np.nan if v is None else code[v] for v in row] for row in matrix], dtype=float)
    values = set(data[~np.isnan(data)].tolist())
    pairable = int((np.sum(~np.isnan(data), axis=0) >= 2).sum())
    if len(values) < 2 or pairable == 0:
        return None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=ALPHA_LEVEL))


def _stats(ratings: dict[str, dict[str, str]], reviewers: list[str], ids: list[str]) -> dict:
    out: dict = {"n": len(ids)}
    if len(reviewers) == 2:
        a = [ratings[reviewers[0]][i] for i in ids]
        b = [ratings[reviewers[1]][i] for i in ids]
        out["kappa"] = cohen_kappa(a, b)
        out["kappa_ci"] = kappa_interval(a, b, out["kappa"])
    else:
        out["kappa"], out["kappa_ci"] = None, None
    out["alpha"] = kripp_alpha([[ratings[r].get(i) for i in ids] for r in reviewers])
    same = [len({ratings[r][i] for r in reviewers if i in ratings[r]}) == 1 for i in ids]
    out["observed"] = sum(same) / len(same) if same else None
    return out


def compute(review: str, ratings: dict[str, dict[str, str]], claim_refs: dict[str, list[str]],
            final: dict[str, dict[str, str]] | None = None,
            decided: dict[str, dict[str, str]] | None = None) -> Agreement:
    """Agreement of ``ratings`` (reviewer → claim id → verdict) over the review's claims.

    ``claim_refs`` maps each claim id of claims.csv to its refs (in the table's order). With two
    reviewers the claims counted are the cited ones both judged; with more, those at least two
    judged (α copes with gaps; κ is then None). ``final`` (claims.csv's rows) and ``decided``
    (reviewer → claim id → date) tell whether a conflict was settled: claims.csv holds a verdict
    with a trail dated on or after every reviewer's own decision.
    """
    reviewers = sorted(ratings)
    cited = [i for i, refs in claim_refs.items() if refs]
    ids = [i for i in cited if sum(i in ratings[r] for r in reviewers) >= 2]  # two: both judged
    overall = _stats(ratings, reviewers, ids)
    per_source = {}
    sources = sorted({ref for i in ids for ref in claim_refs[i]}, key=lambda r: (len(r), r))
    for ref in sources:
        sub = [i for i in ids if ref in claim_refs[i]]
        s = _stats(ratings, reviewers, sub)
        per_source[ref] = {"kappa": _round(s["kappa"]), "n": s["n"], "alpha": _round(s["alpha"]),
                           "observed_agreement": _round(s["observed"])}
    conflicts = []
    for cid in claim_refs:
        given = {r: ratings[r][cid] for r in reviewers if cid in ratings[r]}
        if len(given) >= 2 and len(set(given.values())) > 1:
            entry = {"id": cid, "verdicts": given, "settled": None}
            row = (final or {}).get(cid) or {}
            latest = max(((decided or {}).get(r, {}).get(cid, "") for r in given), default="")
            if row.get("reviewer", "").strip() and row.get("decided", "").strip() >= latest \
                    and row.get("verdict", "").strip():
                entry["settled"] = {"verdict": row["verdict"].strip(),
                                    "reviewer": row["reviewer"].strip(),
                                    "decided": row["decided"].strip()}
            conflicts.append(entry)
    complete = bool(reviewers) and all(set(claim_refs) <= set(ratings[r]) for r in reviewers)
    return Agreement(review=review, reviewers=reviewers, claims=len(ids), kappa=overall["kappa"],
                     kappa_ci=overall["kappa_ci"], alpha=overall["alpha"],
                     observed=overall["observed"], per_source=per_source, conflicts=conflicts,
                     complete=complete)
