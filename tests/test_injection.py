"""Hostile markup from Crossref never reaches the report as live markup (HTML, PDF, notebooks).

A stand-in serves the review's records with <script>, onerror= and javascript: payloads in fields
the report shows (journal, publisher, abstract, author names); the real fetch and build run on a
copy of the project, and the outputs are scanned for anything a browser would execute.
"""

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest
from projects import copy_project, run_cli

from evidence_review.records.snapshot import Snapshot
from evidence_review.records.standin import CrossrefStandIn

ROOT = Path(__file__).resolve().parents[1]
REVIEW = "muscle-spasm"
PAYLOADS = {
    # A tag, and the same attack as escaped text: tag stripping removes the first, but the second
    # becomes "<img ...>" as plain text after unescaping, which only output escaping keeps inert.
    "container-title": ['European Journal of Neurology<img src=x onerror="alert(1)">'
                        " &lt;img src=x onerror=alert(5)&gt;"],
    "publisher": '<a href="javascript:alert(2)">Wiley</a>',
    "abstract": "<jats:p>Cramp is <jats:italic>common</jats:italic>.<script>alert(3)</script></jats:p>",
}


class LiveMarkup(HTMLParser):
    """Collects what a browser would run: script elements, on* handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.found.append(f"{tag} {name}=")
            if value and re.match(r"\s*javascript:", value, re.I):
                self.found.append(f"{tag} {name}={value}")


def live_markup(html: str) -> list[str]:
    parser = LiveMarkup()
    parser.feed(html)
    return parser.found


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    copy_project(root)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    records = Snapshot.load(ROOT / "data" / REVIEW / "crossref").works()
    first = sorted(records)[0]
    records[first] = {**records[first], **PAYLOADS,
                      "author": [{**records[first]["author"][0],
                                  "affiliation": [{"name": "<svg onload=alert(4)>Lab</svg>"}]},
                                 *records[first]["author"][1:]]}
    with CrossrefStandIn(list(records.values())) as api:
        fetched = run_cli("fetch", "--refresh", "--no-europepmc", "--base-url", api.base_url, root=root)
    assert fetched.returncode == 0, fetched.stderr
    stored = Snapshot.load(root / "data" / REVIEW / "crossref").work(first)
    assert "<script>" in stored["abstract"]  # the hostile record really is in the snapshot
    built = run_cli("build", root=root, cwd=root)
    assert built.returncode == 0, built.stderr
    return root / "reports" / REVIEW


def test_html_report_holds_no_live_markup(hostile_build):
    html = (hostile_build / "review.html").read_text(encoding="utf-8")
    assert live_markup(html) == []
    assert "European Journal of Neurology" in html  # the value is shown, as text
    assert "&lt;img src=x onerror=alert(5)&gt;" in html  # shown as text, escaped


def test_executed_notebooks_hold_no_live_markup(hostile_build):
    for path in (hostile_build / "notebooks").glob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                html = "".join(output.get("data", {}).get("text/html", []))
                assert live_markup(html) == [], (path.name, cell.get("source"))


def test_pdf_has_no_javascript_actions(hostile_build):
    reader = pypdf.PdfReader(hostile_build / "review.pdf")
    raw = (hostile_build / "review.pdf").read_bytes()
    assert b"/JavaScript" not in raw and b"/JS" not in raw
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A") or {}
            assert not str(action.get("/URI", "")).lower().startswith("javascript:")
