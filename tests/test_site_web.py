"""Scanning a site over HTTP (a local server on 127.0.0.1): robots.txt, sitemaps, bad answers."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from evidence_review.records.standin import CrossrefStandIn
from evidence_review.site import scan as scan_mod
from evidence_review.site.store import SiteStore
from evidence_review.site.web import PoliteFetcher

FIXTURE = Path(__file__).parent / "fixtures" / "site"
RECORDS = json.loads((FIXTURE / "records.json").read_text(encoding="utf-8"))
GOOD = (FIXTURE / "pages" / "knee-exercise.html").read_bytes()
NO_REFS = (FIXTURE / "pages" / "about-us.html").read_bytes()
HUGE = 50 * 2**20  # bytes the server offers for /articles/huge.html
SMALL_LIMIT = 2**20  # the fetcher's cap in this test


class Site(BaseHTTPRequestHandler):
    """A tiny publisher: pages, robots.txt, a sitemap index that lists itself, 404, a PDF, 50 MB."""

    seen: list[str] = []

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, ctype: str, body: bytes, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self.seen.append(self.path)
        base = f"http://{self.headers['Host']}"
        if self.path == "/robots.txt":
            return self._send(200, "text/plain", b"User-agent: *\nDisallow: /private/\n")
        if self.path == "/sitemap.xml":
            body = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<sitemap><loc>{base}/sitemap-articles.xml</loc></sitemap>"
                    f"<sitemap><loc>{base}/sitemap.xml</loc></sitemap></sitemapindex>")
            return self._send(200, "application/xml", body.encode())
        if self.path == "/sitemap-articles.xml":
            urls = ["/articles/knee.html", "/articles/about.html", "/articles/gone.html",
                    "/files/leaflet.pdf", "/articles/huge.html", "/private/draft.html"]
            body = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    + "".join(f"<url><loc>{base}{u}</loc></url>" for u in urls) + "</urlset>")
            return self._send(200, "application/xml", body.encode())
        if self.path == "/articles/knee.html":
            return self._send(200, "text/html; charset=utf-8", GOOD)
        if self.path == "/articles/about.html":
            return self._send(200, "text/html; charset=utf-8", NO_REFS)
        if self.path == "/files/leaflet.pdf":
            return self._send(200, "application/pdf", b"%PDF-1.4 not a web page")
        if self.path == "/articles/huge.html":  # no Content-Length: the client must stop reading
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"<p>" + b"x" * 65530 + b"</p>"
            try:
                for _ in range(HUGE // len(chunk)):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return None
        return self._send(404, "text/html", b"<h1>Not found</h1>")


@pytest.fixture
def site():
    Site.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_every_bad_input_is_recorded_and_the_scan_goes_on(site, tmp_path):
    (tmp_path / "data").mkdir()
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# pages the editor added by hand\n{site}/articles/knee.html\n{site}/nowhere.html\n",
                       encoding="utf-8")
    sources = [f"{site}/sitemap.xml", str(listing), str(tmp_path / "missing.html"),
               str(tmp_path / "none-*.html")]
    with CrossrefStandIn(RECORDS, rate_limit=1000, max_lifetime=120) as api, \
            PoliteFetcher(interval=0.0, max_bytes=SMALL_LIMIT) as fetcher:
        result = scan_mod.scan(sources, "web", tmp_path, base_url=api.base_url, fetcher=fetcher,
                               client_options={"rate": 1000.0}, say=None, report=False, workers=0)
    assert result.stages == {"audited": 1, "failed": 6}
    with SiteStore("web", tmp_path, read_only=True) as store:
        pages = {loc.removeprefix(site): (problem, reason) for loc, problem, reason in store.con.execute(
            "SELECT location, problem, reason FROM pages").fetchall()}
        notes = store.frame("SELECT source, kind, status, reason, pages FROM sources")
        saved = store.con.execute("SELECT local_path FROM pages WHERE stage = 'audited'").fetchone()[0]
    assert pages["/articles/knee.html"] == (None, None)
    assert (tmp_path / saved).read_bytes() == GOOD  # the fetched copy is kept for init --from-scan
    assert pages["/articles/about.html"][0] == "no-references"
    assert pages["/articles/gone.html"] == ("http-404", "the server answered 404 Not Found")
    assert pages["/nowhere.html"][0] == "http-404"
    assert pages["/files/leaflet.pdf"] == ("not-html", "the server sent application/pdf, not a web page")
    assert pages["/articles/huge.html"][0] == "too-large"
    assert pages["/private/draft.html"][0] == "robots" and "disallows /private/draft.html" in \
        pages["/private/draft.html"][1]
    assert "/private/draft.html" not in Site.seen  # robots.txt was obeyed, not just noted
    by_source = {(r.source.removeprefix(site), r.status): r for r in notes.itertuples()}
    assert by_source[("/sitemap.xml", "skipped")].reason.startswith("the sitemap loops")
    assert by_source[("/sitemap-articles.xml", "ok")].pages == 6
    assert by_source[(str(tmp_path / "missing.html"), "failed")].reason == "no such file, folder or URL"
    assert by_source[(str(tmp_path / "none-*.html"), "empty")].reason == "no file matches the pattern"
    assert Site.seen.count("/sitemap.xml") == 1 and Site.seen.count("/robots.txt") == 1


def test_a_scan_with_no_page_at_all_is_a_usage_error(tmp_path, capsys):
    from evidence_review.cli import main as cli

    (tmp_path / "data").mkdir()
    code = cli.main(["scan", "--root", str(tmp_path), str(tmp_path / "nothing-here"), "--name", "empty"])
    assert code == 2
    assert "nothing-here [SOURCES]: failed: no such file, folder or URL" in capsys.readouterr().err
    assert not (tmp_path / "data" / "empty").exists()  # the typo leaves no empty store behind


def test_a_scan_of_bad_sources_into_a_review_folder_removes_only_its_store(tmp_path, capsys):
    from evidence_review.cli import main as cli

    kept = tmp_path / "data" / "mine" / "notes.txt"
    kept.parent.mkdir(parents=True)
    kept.write_text("the reviewer's file\n")
    assert cli.main(["scan", "--root", str(tmp_path), str(tmp_path / "nothing"), "--name", "mine"]) == 2
    assert sorted(p.name for p in kept.parent.iterdir()) == ["notes.txt"]


def test_a_second_scan_of_bad_sources_keeps_the_site(tmp_path, capsys):
    from evidence_review.cli import main as cli
    from evidence_review.site.store import SiteStore

    (tmp_path / "data").mkdir()
    SiteStore("kept", tmp_path, create=True).close()
    assert cli.main(["scan", "--root", str(tmp_path), str(tmp_path / "nothing"), "--name", "kept"]) == 2
    assert (tmp_path / "data" / "kept" / "site.duckdb").is_file()


def test_pages_of_one_host_are_spaced(site):
    with PoliteFetcher(interval=0.2) as fetcher:
        fetcher.robots(site + "/")  # robots.txt first (it takes one slot)
        import time

        start = time.monotonic()
        for _ in range(3):
            assert fetcher.get(site + "/articles/knee.html").ok
        assert time.monotonic() - start >= 0.4  # three requests: at least two intervals apart
