"""Hostile markup from Crossref never reaches the report as live markup (HTML, PDF, notebooks).

The session's built report (tests/conftest.py `built_report`) is built from a snapshot fetched from a
stand-in whose record of one reference carries <script>, onerror= and javascript: payloads in fields
the report shows (journal, publisher, abstract, author affiliation: projects.HOSTILE); the real
fetch and build ran on a copy of the project, and the outputs are scanned here for anything a
browser would execute.
"""

import json
import re
from html.parser import HTMLParser

from projects import REVIEW, hostile_records

from evidence_review.records.snapshot import Snapshot


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


def test_the_hostile_record_really_is_in_the_snapshot(built_report):
    first, _ = hostile_records()
    stored = Snapshot.load(built_report.root / "data" / REVIEW / "crossref").work(first)
    assert "<script>" in stored["abstract"] and "onerror" in stored["container-title"][0]


def test_html_report_holds_no_live_markup(built_report):
    html = built_report.text
    assert live_markup(html) == []
    assert "European Journal of Neurology" in html  # the value is shown, as text
    assert "&lt;img src=x onerror=alert(5)&gt;" in html  # shown as text, escaped


def test_executed_notebooks_hold_no_live_markup(built_report):
    executed = sorted((built_report.html.parent / "notebooks").glob("*.ipynb"))
    assert executed
    for path in executed:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                html = "".join(output.get("data", {}).get("text/html", []))
                assert live_markup(html) == [], (path.name, cell.get("source"))


def test_pdf_has_no_javascript_actions(built_report):
    import pypdf

    reader = pypdf.PdfReader(built_report.pdf)
    raw = built_report.pdf.read_bytes()
    assert b"/JavaScript" not in raw and b"/JS" not in raw
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A") or {}
            assert not str(action.get("/URI", "")).lower().startswith("javascript:")
