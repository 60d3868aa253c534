"""Issue 19: `init` at scale gives the same files as before, by other roads.

- a long reference list is parsed in worker processes: the same parse as in this process;
- the CRF features are built from per-word caches: the same features as the plain construction
  kept below (the one they replaced);
- cited.bib is written directly: the same text as bibtexparser's writer;
- Crossref is asked for the printed DOIs while the list parses: the same snapshot, no extra request.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from concurrent import futures
from pathlib import Path

import bibtexparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence_review.cli import main as cli
from evidence_review.core.paths import Review
from evidence_review.intake import citedbib, fieldparser, fieldtrain, reflist
from evidence_review.intake.references import CitedReference
from evidence_review.records import snapshot
from evidence_review.records.snapshot import StagedWorks
from evidence_review.records.standin import CrossrefStandIn, synthetic_doi, synthetic_work
from evidence_review.workflow import init

ROOT = Path(__file__).resolve().parents[1]
HAND = ROOT / "src" / "evidence_review" / "intake" / "fieldparser_data" / "hand_train.txt"

# Entries of several shapes, written for this test (fictional works, 10.5555 DOIs, example.org).
MIXED = [
    "[1] Okafor MA, Berg J. Night cramps in older adults. J Fict Med. 2019;3(1):1-9. doi:10.5555/fx.001",
    "[2] Lindqvist, A. B., & Oyelaran, F. (2020). Stretching before sleep. Sleep Fict, 4(2), 10–19. "
    "https://doi.org/10.5555/fx.002",
    "[3] Fictional Health Service. Leg cramps. Updated 2023. Accessed March 3, 2024. "
    "https://www.example.org/leg-cramps",
    "[4] Roux É, Østby Å, et al. Magnesium and muscle. Nord Fict J. 2021 Jun;15(2):101-9.",
    "[5] Selenium in the diet - (https://www.example.org/minerals/selenium)",
    "[6] Tanaka H. Hydration [Internet]. Fictville: Example Press; 2022 [cited 2024 Feb 12]. "
    "Available from: https://www.example.org/hydration",
    "[7] Something odd without a year https://example.org/x",
    "[8] Mwangi, K. (n.d.). A page without a date. Example Site. https://example.org/n-d",
]


def _long_list(n: int) -> list[str]:
    return [MIXED[i % len(MIXED)].replace(f"[{i % len(MIXED) + 1}]", f"[{i + 1}]", 1) for i in range(n)]


@pytest.fixture
def fresh(monkeypatch):
    """Nothing parsed yet in this process (the parse of a list is kept per process)."""
    monkeypatch.setattr(reflist, "_PARSED", {})
    monkeypatch.setattr(reflist, "_STYLE", {})


def _parse(entries, monkeypatch, pool_min, **kwargs):
    monkeypatch.setattr(reflist, "_PARSED", {})
    monkeypatch.setattr(reflist, "_STYLE", {})
    monkeypatch.setattr(reflist, "POOL_MIN", pool_min)
    return [r.to_dict() for r in reflist.parse_list(entries, **kwargs)]


@pytest.mark.skipif(reflist.pool_workers(10**6) == 0, reason="one core: no worker processes")
@pytest.mark.parametrize("one_thread", [True, False], ids=["fork", "spawn"])
def test_a_long_list_parsed_in_worker_processes_is_the_parse_made_here(monkeypatch, one_thread):
    # one thread as on the command line; several as in a notebook's kernel or this test run
    monkeypatch.setattr(reflist.threading, "active_count", lambda: 1 if one_thread else 3)
    assert reflist._pool_context().get_start_method() == ("fork" if one_thread else "spawn")
    entries = _long_list(70)
    pools = []

    class Recorded(futures.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(futures, "ProcessPoolExecutor", Recorded)
    here = _parse(entries, monkeypatch, pool_min=10**9)
    assert not pools
    there = _parse(entries, monkeypatch, pool_min=10)
    assert pools and pools[0][0] >= 2  # worker processes did the parse
    assert there == here
    assert [r["number"] for r in there] == [str(i) for i in range(1, 71)]
    # the style, counted piece by piece in the workers, is the style of the whole list
    assert reflist._STYLE[reflist._list_key(entries)] == reflist.detect_style(entries)


def test_unlabelled_entries_keep_their_numbers_across_the_pieces(monkeypatch):
    entries = [e.split("] ", 1)[1] for e in _long_list(30)]  # no "[n]": numbered by position
    assert _parse(entries, monkeypatch, pool_min=5) == _parse(entries, monkeypatch, pool_min=10**9)


@pytest.mark.parametrize("pool_min", [5, 10**9])
def test_meanwhile_runs_before_the_parse_and_its_result_while_it_runs(monkeypatch, tmp_path, pool_min):
    calls = []

    def meanwhile():
        calls.append("before")
        return lambda: calls.append("during")

    _parse(_long_list(12), monkeypatch, pool_min, meanwhile=meanwhile, cache_dir=tmp_path)
    assert calls == ["before", "during"]
    calls.clear()
    _parse(_long_list(12), monkeypatch, pool_min, meanwhile=meanwhile, cache_dir=tmp_path)  # kept
    assert calls == ["before", "during"]


def test_style_counts_of_pieces_add_up_to_the_list_style():
    entries = [e for e in _long_list(24) if "doi:" in e or "Accessed" in e or "(20" in e]
    counts, marks = reflist.style_counts(entries)
    assert reflist._style_of(counts, marks) == reflist.detect_style(entries)
    halves = [reflist.style_counts(entries[:5]), reflist.style_counts(entries[5:])]
    total = {k: sum(c.get(k, 0) for c, _ in halves) for k in counts}
    assert total == counts and any(m for _, m in halves) == marks


# --- the features: the plain construction they replaced, kept as the specification -------------
def _plain_features(tokens, hints=None):
    own = [fieldparser._word_features(t.text) for t in tokens]
    doc = _plain_doc_features(tokens)
    initials = "bare" if "D:bare-initials" in doc else "dotted" if "D:dot-initials" in doc else "none"
    n = len(tokens)
    segs = fieldparser._segments(tokens, bare=initials == "bare")
    seg_first = {}
    for i, s in enumerate(segs):
        seg_first.setdefault(s, i)
    out = []
    depth_paren = depth_brack = 0
    quote = seen_year = seen_url = False
    access_kw = -99
    for i, tok in enumerate(tokens):
        f = ["bias", *own[i], *doc, f"pos={min(10 * i // max(n, 1), 9)}", f"seg={min(segs[i], 6)}"]
        for flag, name in ((i == 0, "first"), (i == n - 1, "last"), (depth_paren, "in-paren"),
                           (depth_brack, "in-brack"), (quote, "in-quote"), (seen_year, "after-year"),
                           (seen_url, "after-url"), (0 < i - access_kw <= 6, "after-accessed")):
            if flag:
                f.append(name)
        for off in (-2, -1, 1, 2):
            j = i + off
            if 0 <= j < n:
                f.extend(f"{off}:{x}" for x in own[j] if not x.startswith(("s=X", "s=x")) or off in (-1, 1))
            else:
                f.append(f"{off}:none")
        if i + 1 < n and tokens[i + 1].start == tok.end:
            f.append("glued-next")
        if i and tokens[i - 1].end == tok.start:
            f.append("glued-prev")
        if hints and i in hints:
            f.append("rule=" + hints[i])
        if tok.text == "." and i and fieldparser._INITIALS.match(tokens[i - 1].text):
            f.append("initial-dot:" + initials)
        nxt = seg_first.get(segs[i] + 1)
        if nxt is not None:
            f.extend("ns:" + x for x in own[nxt] if not x.startswith("s=X"))
        out.append(f)
        text = tok.text
        depth_paren += {"(": 1, ")": -1}.get(text, 0) if depth_paren or text == "(" else 0
        depth_brack += {"[": 1, "]": -1}.get(text, 0) if depth_brack or text == "[" else 0
        depth_paren, depth_brack = max(depth_paren, 0), max(depth_brack, 0)
        if text in fieldparser._QUOTES and text != "’":
            quote = text in ("“", "‘", "«") or (text in ('"', "'") and not quote)
        seen_year = seen_year or "year" in own[i]
        if text.lower() in ("accessed", "cited", "retrieved", "viewed", "consulted"):
            access_kw = i
        elif text in ("]", ")") or (text == "." and i + 1 < n and tokens[i + 1].start > tok.end):
            access_kw = -99
        seen_url = seen_url or "url" in own[i] or "doi" in own[i]
    return out


def _plain_doc_features(tokens):
    texts = [t.text for t in tokens]
    joined = " ".join(texts)
    up = fieldparser.UPPER
    out = []
    if re.search(r"\( (?:1[6-9]|20)\d{2}[a-z]? [,)]", joined):
        out.append("D:paren-year")
    if re.search(f"(?:^| )[{up}] \\. (?:[,&]|[{up}] \\.)", joined):
        out.append("D:dotted-initials")
    if re.search(r"\d{4} ; \d", joined) or re.search(r"\d{4} [A-Z][a-z]{2} ; ", joined):
        out.append("D:year-semicolon")
    if any(t in fieldparser._QUOTES for t in texts):
        out.append("D:quotes")
    pairs = list(zip(texts, texts[1:], strict=False))
    bare = sum(1 for a, b in pairs if fieldparser._INITIALS.match(a) and len(a) > 1 and b in (",", ";", ".")
               or fieldparser._INITIAL.match(a) and b in (",", ";"))
    dotted = sum(1 for a, b in pairs if fieldparser._INITIAL.match(a) and b == ".")
    if bare >= dotted and bare:
        out.append("D:bare-initials")
    elif dotted:
        out.append("D:dot-initials")
    return out


def test_features_are_those_of_the_plain_construction():
    texts = [ex.text for ex in fieldtrain.read_labelled(HAND)] + [e.split("] ", 1)[1] for e in MIXED]
    assert len(texts) > 100
    for text in texts:
        tokens = fieldparser.tokenize(text)
        hints = fieldparser.hint_labels(text, tokens, fieldtrain.rule_hints(text))
        assert fieldparser.features(tokens, hints) == _plain_features(tokens, hints), text


# --- cited.bib ------------------------------------------------------------------------------------
def _bibtexparser_text(refs, review):
    library = bibtexparser.Library([citedbib.to_entry(r) for r in refs])
    return citedbib.HEADER.format(review=review) + citedbib.write_library(library)


def test_cited_bib_is_the_text_bibtexparser_writes(fresh):
    refs = reflist.parse_list(MIXED)
    refs.append(CitedReference(number="9", printed="Odd % & \"quoted\" {braced} ünïcode – entry",
                               kind="web", authors=["Ngata, T"], et_al=True, url="https://example.org/%7E"))
    refs.append(CitedReference(number="10", printed="Only the printed text"))
    assert citedbib.cited_text(refs, "demo") == _bibtexparser_text(refs, "demo")
    assert citedbib.cited_text([], "demo") == _bibtexparser_text([], "demo")
    assert citedbib.cited_text(refs[:1], "demo") == _bibtexparser_text(refs[:1], "demo")


def test_a_number_printed_twice_is_refused_as_before(fresh):
    refs = reflist.parse_list(MIXED[:2])
    refs[1].number = refs[0].number
    with pytest.raises(ValueError, match="Duplicate"):
        _bibtexparser_text(refs, "demo")
    with pytest.raises(ValueError, match="Duplicate"):
        citedbib.cited_text(refs, "demo")


# --- Crossref asked while the list parses ---------------------------------------------------------
def _article(n: int) -> str:
    body = " ".join(f"Finding {i} [{i}]." for i in range(1, n + 1))
    refs = "\n\n".join(f"[{i}] Synthetic, A. (2020). Synthetic benchmark work {i - 1}. Journal of "
                       f"Synthetic Records, 1, {i}–{i + 8}. https://doi.org/{synthetic_doi(i - 1)}"
                       for i in range(1, n + 1))
    return f"# Synthetic article\n\n## Findings\n\n{body}\n\n## References\n\n{refs}\n"


def _project(tmp_path: Path, name: str, n: int) -> tuple[Path, Path]:
    root = tmp_path / name
    (root / "data").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "evidence-levels.yaml", root / "data")
    article = root / "article.md"
    article.write_text(_article(n), encoding="utf-8")
    return root, article


def _snapshot(root: Path) -> dict[str, str]:
    folder = Review.open("synth", root).snapshot_dir
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_dois_asked_while_the_list_parses_give_the_same_snapshot_and_no_extra_request(
        tmp_path, monkeypatch, capsys, fresh):
    n = 30
    with CrossrefStandIn([synthetic_work(i) for i in range(n)], rate_limit=1000) as api:
        def run_init(name: str, prefetch_min: int) -> tuple[int, int]:
            monkeypatch.setattr(init, "PREFETCH_MIN", prefetch_min)
            monkeypatch.setattr(reflist, "_PARSED", {})
            root, article = _project(tmp_path, name, n)
            before = api.total_requests
            status = cli.main(["init", "--root", str(root), str(article), "--name", "synth",
                               "--base-url", api.base_url, "--mailto", "a@example.org", "--no-europepmc"])
            return status, api.total_requests - before

        assert run_init("plain", 10**9) == (0, 1)  # one batch of 30 DOIs, asked by fetch
        assert "meanwhile" not in capsys.readouterr().err
        assert run_init("early", 5) == (0, 1)  # the same batch, asked during the parse
        assert f"init: asking Crossref for the {n} printed DOIs meanwhile" in capsys.readouterr().err
    plain, early = _snapshot(tmp_path / "plain"), _snapshot(tmp_path / "early")
    assert plain == early and len(plain) > n
    manifest = json.loads(early["manifest.json"])
    assert sum(e["status"] == "matched" for e in manifest["references"].values()) == n


def test_early_answers_works_are_staged_as_they_arrive_and_moved_into_place(tmp_path, monkeypatch,
                                                                           fresh):
    n = 30
    staged_by: list[str] = []
    put_answer = StagedWorks.put_answer

    def spy(self, doi, answer, checked=False):
        staged_by.append(threading.current_thread().name)
        put_answer(self, doi, answer, checked)

    built: list[int] = []
    build = snapshot._build

    def build_spy(staging, works, manifest, previous=None, staged=None, carried=frozenset()):
        built.append(sum(1 for d in works if d not in (staged.entries if staged else {})))
        return build(staging, works, manifest, previous, staged, carried)

    monkeypatch.setattr(StagedWorks, "put_answer", spy)
    monkeypatch.setattr(snapshot, "_build", build_spy)
    monkeypatch.setattr(init, "PREFETCH_MIN", 5)
    with CrossrefStandIn([synthetic_work(i) for i in range(n)], rate_limit=1000) as api:
        root, article = _project(tmp_path, "early", n)
        assert cli.main(["init", "--root", str(root), str(article), "--name", "synth", "--base-url",
                         api.base_url, "--mailto", "a@example.org", "--no-europepmc"]) == 0
    assert staged_by == ["crossref-early"] * n  # every answer's work, in the thread that asked
    assert built == [0]  # the snapshot's write had none left to write
    manifest = json.loads(_snapshot(root)["manifest.json"])
    assert len(manifest["works"]) == n
    assert not [p.name for p in root.iterdir() if p.name.startswith(".init-")]  # moved or removed


def test_a_failed_init_leaves_no_works_staged_early(tmp_path, monkeypatch, fresh):
    n = 30
    monkeypatch.setattr(init, "PREFETCH_MIN", 5)

    seen: list[str] = []

    def fail(*args, **kwargs):
        for thread in threading.enumerate():
            if thread.name == "crossref-early":
                thread.join(timeout=10)  # its answers' works are staged now
        seen.extend(p.name for p in root.iterdir() if p.name.startswith(".init-synth-crossref.staging"))
        raise OSError(28, "No space left on device")

    with CrossrefStandIn([synthetic_work(i) for i in range(n)], rate_limit=1000) as api:
        root, article = _project(tmp_path, "failed", n)
        monkeypatch.setattr(init, "sources_scaffold", fail)  # after the parse: the early thread ran
        assert cli.main(["init", "--root", str(root), str(article), "--name", "synth", "--base-url",
                         api.base_url, "--mailto", "a@example.org", "--no-europepmc"]) == 2
    assert len(seen) == 1  # the works were staged before the failure
    assert not (root / "data" / "synth").exists()
    assert not [p.name for p in root.iterdir() if p.name.startswith(".init-")]


class _Client:
    def __init__(self):
        self.asked = []
        self.closed = False

    def get_works(self, dois, refresh=False):
        self.asked.append((list(dois), refresh))
        return {d: f"answer {d}" for d in dois}

    def close(self):
        self.closed = True


def test_early_answers_are_given_and_only_other_dois_are_asked_again(monkeypatch):
    client = _Client()
    entries = [f"[{i}] Work {i}. https://doi.org/10.5555/X.{i}" for i in range(1, 4)]
    monkeypatch.setattr(init, "PREFETCH_MIN", 1)
    early = init.EarlyAnswers(client, entries, progress=lambda line: None)
    early.begin()
    got = early.get_works(["10.5555/x.2", "https://doi.org/10.5555/x.9", "10.5555/x.1"])
    assert client.asked == [(["10.5555/x.1", "10.5555/x.2", "10.5555/x.3"], False), (["10.5555/x.9"], False)]
    assert list(got) == ["10.5555/x.2", "10.5555/x.9", "10.5555/x.1"]
    assert early.get_works(["10.5555/x.1"], refresh=True) == {"10.5555/x.1": "answer 10.5555/x.1"}
    assert client.asked[-1] == (["10.5555/x.1"], True)  # refresh: asked again
    early.close()
    assert client.closed  # everything else is the client's own


def test_printed_dois_are_found_by_the_parsers_doi_pattern():
    entries = ["[1] A. Title. J. 2020;1:1-2. doi:10.5555/ABC.1.", "[2] B. https://doi.org/10.5555/abc.1",
               "[3] C. https://example.org/page", "[4] D. doi: 10.5555/x y(1)", "[5] E. 10.5555/bare.2)"]
    assert init.printed_dois(entries) == ["10.5555/abc.1", "10.5555/bare.2", "10.5555/x"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["doi:", "DOI: ", "Doi:", "https://", "HTTP://dx.doi.org/", "doi.org/",
                                 "https://doi.org/10.5555/", "10.", "10.5555/", "5555", "/", "x", "a10.",
                                 "İ", " ", ".", "(", ")", "1", "0", "h", "http://example.org/"]),
                max_size=12).map("".join))
def test_printed_doi_finds_what_the_doi_pattern_alone_finds(text):
    found = fieldparser._DOI_RULE.search(text)
    assert fieldparser.printed_doi(text) == (found.group(0) if found else None)


class _SlowStreamingClient(_Client):
    """Answers in two batches, the second only once the test lets it go."""

    def __init__(self):
        super().__init__()
        self.second = threading.Event()

    def get_works(self, dois, refresh=False, on_settled=None):
        dois = list(dois)
        self.asked.append((dois, refresh))
        first, second = dois[:2], dois[2:]
        if on_settled:
            on_settled({d: f"answer {d}" for d in first})
        self.second.wait(timeout=10)
        if on_settled and second:
            on_settled({d: f"answer {d}" for d in second})
        return {d: f"answer {d}" for d in dois}


def test_early_answers_reach_fetch_as_they_arrive_not_after_the_last():
    client = _SlowStreamingClient()
    entries = [f"[{i}] Work {i}. https://doi.org/10.5555/X.{i}" for i in range(1, 5)]
    early = init.EarlyAnswers(client, entries, progress=lambda line: None)
    settled: list[list[str]] = []

    def on_settled(batch):
        settled.append(sorted(batch))
        client.second.set()  # the second batch lands only after fetch had the first

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(init, "PREFETCH_MIN", 1)
        early.begin()
        got = early.get_works([f"10.5555/x.{i}" for i in (4, 3, 2, 1)] + ["10.5555/x.9"],
                              on_settled=on_settled)
    assert settled[0] == ["10.5555/x.1", "10.5555/x.2"]  # before the thread had the rest
    assert sorted(d for batch in settled for d in batch) == [f"10.5555/x.{i}" for i in (1, 2, 3, 4, 9)]
    assert list(got) == ["10.5555/x.4", "10.5555/x.3", "10.5555/x.2", "10.5555/x.1", "10.5555/x.9"]
    assert client.asked[-1] == (["10.5555/x.9"], False)  # only the DOI not printed is asked again
    early.close()


def test_early_answers_are_handed_on_without_waiting_for_the_thread_to_end():
    """Once every DOI fetch wants has an answer, fetch goes on while the early thread finishes
    (the client still writing its cache); a query, which needs the client, waits for it."""
    release = threading.Event()

    class Client(_Client):
        def get_works(self, dois, refresh=False, on_settled=None):
            dois = list(dois)
            self.asked.append((dois, refresh))
            if on_settled:
                on_settled({d: f"answer {d}" for d in dois})
            release.wait(timeout=10)  # the last cache writes
            return {d: f"answer {d}" for d in dois}

        def query_bibliographic(self, text, rows=5):
            self.asked.append((text, "query"))
            return []

    client = Client()
    entries = [f"[{i}] Work {i}. https://doi.org/10.5555/X.{i}" for i in range(1, 4)]
    early = init.EarlyAnswers(client, entries, progress=lambda line: None)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(init, "PREFETCH_MIN", 1)
        early.begin()
        got = early.get_works(["10.5555/x.1", "10.5555/x.3"], on_settled=lambda batch: None)
        assert got == {"10.5555/x.1": "answer 10.5555/x.1", "10.5555/x.3": "answer 10.5555/x.3"}
        assert early._thread.is_alive()  # handed on before the thread ended
        threading.Timer(0.2, release.set).start()
        assert early.query_bibliographic("Work 2") == []
        assert not early._thread.is_alive()  # the query waited for the client to be free
    early.close()
