"""The bad-input catalogue: each malformed input ends in one clear message, exit code 2, no traceback.

Every case copies the default review into a temporary project, breaks one thing, runs the command
a reviewer would run (in this process: tests/projects.py `run_cli`), and checks the message names
the file (and row/field where there is one).
The table in docs/reliability.md lists the same cases.
"""

import json
from pathlib import Path

import pytest
from projects import copy_project, run_cli

ROOT = Path(__file__).resolve().parents[1]
REVIEW = "muscle-spasm"


@pytest.fixture
def project(tmp_path):
    copy_project(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname='copy'\n")
    return tmp_path


def run(root, *args):
    return run_cli(*args, root=root)


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture drifted: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def claims(root):
    return root / "data" / REVIEW / "claims.csv"


def replace_line(path: Path, line_no: int, fn) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line_no - 1] = fn(lines[line_no - 1])
    path.write_text("".join(lines), encoding="utf-8")


def _snapshot_work(root) -> Path:
    return sorted((root / "data" / REVIEW / "crossref" / "works").glob("*.json"))[0]


# (name, how to break the project, command, fragments the message must hold)
CASES = [
    ("claims: missing column",
     lambda r: edit(claims(r), "id,section,sentence,quote,text,refs,marker_scope,verdict",
                    "id,section,sentence,quote,text,refs,marker_scope,verdikt"),
     ["check"], ["claims.csv:1", "[verdict]", "missing"]),
    ("claims: unknown ref",
     lambda r: replace_line(claims(r), 2, lambda s: s.replace(",1,sentence,", ",7,sentence,", 1)),
     ["check"], ["claims.csv:2", "[refs]", "[7]"]),
    ("claims: unknown verdict",
     lambda r: replace_line(claims(r), 2, lambda s: s.replace("partially-supported", "mostly-true", 1)),
     ["check"], ["claims.csv:2", "[verdict]", "mostly-true"]),
    ("claims: duplicate id",
     lambda r: replace_line(claims(r), 3, lambda s: s.replace("C02,", "C01,", 1)),
     ["check"], ["claims.csv:3", "[id]", "duplicate id C01"]),
    ("claims: empty text",
     lambda r: replace_line(claims(r), 7, lambda s: s.replace("Spasms can occur in any skeletal muscle.",
                                                             "", 1)),
     ["check"], ["claims.csv:7", "[text]", "empty"]),
    ("claims: not UTF-8",
     lambda r: claims(r).write_bytes(claims(r).read_bytes().replace("’".encode(), b"\x92", 1)),
     ["check"], ["claims.csv", "UTF-8"]),
    ("claims: truncated quoting (unclosed quote)",
     lambda r: claims(r).write_text(claims(r).read_text(encoding="utf-8") + 'C99,X,S01,"no end\n',
                                    encoding="utf-8"),
     ["check"], ["claims.csv", "CSV syntax error"]),
    ("claims: quote edited so it is not in the article",
     lambda r: replace_line(claims(r), 2, lambda s: s.replace("A muscle spasm is a sudden",
                                                             "A muscle spasm is a quick", 1)),
     ["check"], ["claims.csv:2", "[quote]", "verbatim"]),
    ("claims: empty file", lambda r: claims(r).write_text(""), ["check"], ["claims.csv", "empty"]),
    ("claims: missing file", lambda r: claims(r).unlink(), ["claims"], ["claims.csv", "not found"]),
    ("claims: not a boolean",
     lambda r: replace_line(claims(r), 2, lambda s: s.replace(",abstract,true,", ",abstract,yes,", 1)),
     ["check"], ["claims.csv:2", "[needs_citation]"]),
    ("BibTeX syntax error",
     lambda r: edit(r / "refs" / REVIEW / "cited.bib", "@article{ref2,", "@article{ref2,\n  title = {x"),
     ["check"], ["cited.bib", "syntax"]),
    ("malformed DOI in the record facts",
     lambda r: edit(r / "data" / REVIEW / "record-facts.yaml", "DOI: 10.1111/ene.13799",
                    "DOI: 10.11/ene 13799"),
     ["fetch", "--reconstruct"], ["record-facts.yaml", "works[1].DOI", "not a valid DOI"]),
    ("corrupt snapshot file",
     lambda r: _snapshot_work(r).write_text("{not json"),
     ["check"], ["works/", "json"]),
    ("manifest hash does not match",
     lambda r: _snapshot_work(r).write_text(
         json.dumps(json.loads(_snapshot_work(r).read_text()) | {"status": "ok "})),
     ["check"], ["sha256"]),
    ("unknown review name", lambda r: None, ["check", "--review", "nope"],
     ["no review named 'nope'"]),
    ("unknown format", lambda r: None, ["audit", "--format", "yaml"], ["invalid choice: 'yaml'"]),
    ("sources: level outside the scheme",
     lambda r: edit(r / "data" / REVIEW / "sources.yaml", 'cebm_level: "5"', 'cebm_level: "6"'),
     ["check"], ["sources.yaml", "references.1.cebm_level"]),
    ("evidence scheme: not YAML",
     lambda r: (r / "data" / "evidence-levels.yaml").write_text("levels: [unclosed\n"),
     ["check"], ["evidence-levels.yaml", "not valid YAML"]),
    ("review.yaml: not a date",
     lambda r: edit(r / "data" / REVIEW / "review.yaml", "last_updated: 2025-11-08",
                    "last_updated: 8th of November"),
     ["check"], ["review.yaml", "article.last_updated", "not a date"]),
    ("quality: DISCERN score out of range",
     lambda r: edit(r / "data" / REVIEW / "quality.yaml", "score: 3", "score: 9"),
     ["check"], ["quality.yaml", "score"]),
    ("claims: a stray comma adds a cell",
     lambda r: replace_line(claims(r), 4, lambda s: s.rstrip("\n") + ",extra\n"),
     ["check"], ["claims.csv:4", "more cell"]),
    ("claims: one place in a source read from two kinds of material",
     lambda r: edit(claims(r), "(p. 23),full-text,", "(p. 23),abstract,"),
     ["check"], ["claims.csv [basis]", "C04", "C16", "two bases"]),
    ("claims: locator names a page not stored for its source",
     lambda r: edit(claims(r), "Uses content as restated by reference.com",
                    "Uses content as restated by rxlist.com"),
     ["check"], ["claims.csv:70 [locator]", "C69", "rxlist.com", "located_in_store"]),
    ("sources: level contradicting the scheme's level for the design",
     lambda r: edit(r / "data" / REVIEW / "sources.yaml", 'cebm_level: "5"', 'cebm_level: "2"'),
     ["check"], ["sources.yaml [references.1.cebm_level]", "'narrative-review' at level 5"]),
    ("sources: guideline's level-1 rationale names only trials",
     lambda r: edit(r / "data" / REVIEW / "sources.yaml", "systematic review", "review", count=2),
     ["check"], ["sources.yaml [references.3.rationale]", "systematic review"]),
]


@pytest.mark.parametrize("name,breaker,command,fragments", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_message(project, name, breaker, command, fragments):
    breaker(project)
    result = run(project, *command)
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in: {result.stderr}"


def test_the_articles_own_errors_are_findings_not_bad_input(project):
    """Issue 13: a marker without a reference is the article's error: check passes, the audit says so."""
    edit(project / "data" / REVIEW / "article.md", "\n## References",
         "\nGentle stretching before bed may also help some people [9].\n\n## References")
    result = run(project, "check")
    assert result.returncode == 0, result.stderr
    audit = run(project, "audit", "--format", "json")
    assert "The text cites [9] but the list has no reference 9." in audit.stdout


def test_catalogue_is_large_enough():
    assert len(CASES) >= 20


def test_check_lists_all_problems_at_once(project):
    replace_line(claims(project), 2, lambda s: s.replace("partially-supported", "mostly-true", 1))
    replace_line(claims(project), 3, lambda s: s.replace("C02,", "C01,", 1))
    edit(project / "data" / REVIEW / "sources.yaml", 'cebm_level: "5"', 'cebm_level: "6"')
    result = run(project, "check")
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) >= 3, result.stderr
