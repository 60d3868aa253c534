"""The Crossref snapshot: layout, manifest, verification on load, atomic replacement, merging."""

from __future__ import annotations

import hashlib
import json

import pytest
from sample_records import SAMPLE_RECORDS as RECORDS

from evidence_review.core.errors import SnapshotError
from evidence_review.records.snapshot import (
    Snapshot,
    StagedWorks,
    merge,
    safe_name,
    stable_message,
    write_snapshot,
)

HEADER = {"provenance": "crossref-api", "retrieved": "2026-05-09",
          "base_url": "https://api.crossref.org",
          "client": "evidence-review 0.1.0 / habanero 2.9.2"}
REFS = {
    "1": {"status": "matched", "doi": "10.5555/sample.13799", "doi_cited": "10.5555/sample.13799",
          "reason": None},
    "2": {"status": "repaired", "doi": "10.5555/sample.0b0002",
          "doi_cited": "https://doi.org/5555/sample.0b0002", "reason": "missing 10. prefix"},
    "3": {"status": "not-found", "doi": None, "doi_cited": None, "reason": "no DOI printed"},
}


def works_v1() -> dict[str, dict]:
    return {k.lower(): v for k, v in RECORDS.items() if "cd012345" not in k.lower()}


@pytest.fixture
def snap_dir(tmp_path):
    return tmp_path / "data" / "muscle-spasm" / "crossref"


def test_layout_and_manifest(snap_dir):
    snap = write_snapshot(snap_dir, works_v1(), REFS, note="first fetch", **HEADER)
    text = (snap_dir / "manifest.json").read_text("utf-8")
    manifest = json.loads(text)
    assert text.endswith("}\n") and text == json.dumps(manifest, sort_keys=True, indent=2,
                                                       ensure_ascii=False) + "\n"
    assert manifest["schema"] == 1 and manifest["review"] == "muscle-spasm"
    assert manifest["mailto_used"] is False and manifest["note"] == "first fetch"
    entry = manifest["works"]["10.5555/sample.13799"]
    assert entry["file"] == "works/10.5555_sample.13799.json"
    data = (snap_dir / entry["file"]).read_bytes()
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    envelope = json.loads(data)
    assert envelope["message-type"] == "work" and envelope["status"] == "ok"
    assert envelope["message-version"] == "1.0.0"
    assert envelope["message"]["indexed"]  # raw answers keep volatile fields
    assert manifest["references"] == REFS
    assert snap.provenance == "crossref-api" and snap.retrieved == "2026-05-09"
    assert snap.work("https://doi.org/10.5555/SAMPLE.0B0002")["volume"] == "74"
    assert snap.work("10.9999/absent") is None
    assert set(snap.works()) == {"10.5555/sample.13799", "10.5555/sample.0b0002"}


def test_writing_is_deterministic(snap_dir, tmp_path):
    write_snapshot(snap_dir, works_v1(), REFS, **HEADER)
    other = tmp_path / "other" / "muscle-spasm" / "crossref"
    write_snapshot(other, dict(reversed(works_v1().items())), REFS, **HEADER)
    for name in ("manifest.json", "works/10.5555_sample.13799.json"):
        assert (snap_dir / name).read_bytes() == (other / name).read_bytes()


@pytest.mark.parametrize(("doi", "name"), [
    ("10.5555/SAMPLE.13799", "10.5555_sample.13799"),
    ("10.1002/(SICI)1097-4636(199706)35:4<1::AID>3.0.CO;2-X",
     "10.1002_(sici)1097-4636(199706)35%3A4%3C1%3A%3Aaid%3E3.0.co;2-x"),
    ("10.1000/a_b/c", "10.1000_a_b_c"),
    ("10.1000/é", "10.1000_%C3%A9"),
])
def test_safe_name(doi, name):
    assert safe_name(doi) == name


def test_stable_message_drops_volatile_fields():
    message = RECORDS["10.5555/sample.13799"]
    stable = stable_message({**message, "score": 12.5})
    for volatile in ("indexed", "deposited", "is-referenced-by-count", "score", "reference-count"):
        assert volatile not in stable
    assert stable["title"] == message["title"] and "indexed" in message  # input untouched


def test_stale_work_files_are_removed(snap_dir):
    write_snapshot(snap_dir, works_v1(), REFS, **HEADER)
    only = {"10.5555/sample.13799": RECORDS["10.5555/sample.13799"]}
    write_snapshot(snap_dir, only, {"1": REFS["1"]}, **HEADER)
    assert sorted(p.name for p in (snap_dir / "works").iterdir()) == ["10.5555_sample.13799.json"]
    assert not list(snap_dir.parent.glob(".crossref.*"))  # no working directories left behind


def test_files_next_to_the_snapshot_survive_a_rewrite(snap_dir):
    write_snapshot(snap_dir, works_v1(), REFS, **HEADER)
    (snap_dir / "README.md").write_text("Fetched for the muscle-spasm review.\n")
    write_snapshot(snap_dir, works_v1(), REFS, **{**HEADER, "retrieved": "2026-05-10"})
    assert (snap_dir / "README.md").read_text() == "Fetched for the muscle-spasm review.\n"


def test_works_without_atomic_exchange(snap_dir, monkeypatch):
    from evidence_review.records import snapshot

    monkeypatch.setattr(snapshot, "_exchange", lambda a, b: False)
    write_snapshot(snap_dir, works_v1(), REFS, **HEADER)
    changed = {**works_v1(), "10.5555/sample.13799": {**RECORDS["10.5555/sample.13799"],
                                                      "volume": "99"}}  # a new folder is swapped in
    write_snapshot(snap_dir, changed, REFS, **{**HEADER, "retrieved": "2026-05-10"})
    assert Snapshot.load(snap_dir).retrieved == "2026-05-10"
    assert Snapshot.load(snap_dir).work("10.5555/sample.13799")["volume"] == "99"
    assert not list(snap_dir.parent.glob(".crossref.*"))


def test_hash_mismatch_names_the_file(snap_dir):
    write_snapshot(snap_dir, works_v1(), REFS, **HEADER)
    path = snap_dir / "works" / "10.5555_sample.13799.json"
    path.write_text(path.read_text().replace("Muscle cramps", "Muscle crumps"))
    with pytest.raises(SnapshotError, match=r"10\.5555_sample\.13799\.json: contents do not match"):
        Snapshot.load(snap_dir)


def _rehash(snap_dir, doi: str, data: bytes) -> None:
    """Replace a work file and fix its hash, to reach the checks behind the hash check."""
    manifest = json.loads((snap_dir / "manifest.json").read_text())
    entry = manifest["works"][doi]
    (snap_dir / entry["file"]).write_bytes(data)
    entry["sha256"] = hashlib.sha256(data).hexdigest()
    (snap_dir / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(("data", "message"), [
    (b'{"status": "ok", "message-type": "wo', "not JSON"),
    (b'{"status": "ok", "message-type": "work-list", "message": {}}', "not a Crossref work"),
    (b'{"status": "ok", "message-type": "work", "message": {"DOI": "10.1/x"}}', "holds DOI"),
])
def test_corrupt_work_file_names_the_file(snap_dir, data, message):
    write_snapshot(snap_dir, works_v1(), REFS, **HEADER)
    _rehash(snap_dir, "10.5555/sample.13799", data)
    with pytest.raises(SnapshotError, match=rf"10\.5555_sample\.13799\.json: {message}"):
        Snapshot.load(snap_dir)


def test_missing_work_file_names_the_file(snap_dir):
    write_snapshot(snap_dir, works_v1(), REFS, **HEADER)
    (snap_dir / "works" / "10.5555_sample.13799.json").unlink()
    with pytest.raises(SnapshotError, match=r"10\.5555_sample\.13799\.json: missing work file"):
        Snapshot.load(snap_dir)


@pytest.mark.parametrize(("text", "message"), [
    (None, "no snapshot manifest"),
    ("{oops", "not readable JSON"),
    ('{"schema": 1}', r"not a snapshot manifest \(missing provenance"),
    ('{"schema": 9, "provenance": "x", "retrieved": "x", "works": {}, "references": {}}',
     "schema 9"),
])
def test_bad_manifest_names_the_file(snap_dir, text, message):
    snap_dir.mkdir(parents=True)
    if text is not None:
        (snap_dir / "manifest.json").write_text(text)
    with pytest.raises(SnapshotError, match=rf"manifest\.json: {message}"):
        Snapshot.load(snap_dir)


def test_manifest_cannot_point_outside_works(snap_dir):
    write_snapshot(snap_dir, works_v1(), REFS, **HEADER)
    manifest = json.loads((snap_dir / "manifest.json").read_text())
    manifest["works"]["10.5555/sample.13799"]["file"] = "../../../etc/passwd"
    (snap_dir / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match="outside works/"):
        Snapshot.load(snap_dir)


@pytest.mark.parametrize(("works", "refs", "header", "message"), [
    ({"10.5555/sample.13799": RECORDS["10.5555/SAMPLE.0b0002"]}, {}, {}, "is for DOI"),
    ({"10.5555/sample.13799": ["not", "a", "dict"]}, {}, {}, "not a work message"),
    ({}, {"1": {"status": "found"}}, {}, "reference 1: status"),
    ({}, {}, {"provenance": "guessed"}, "provenance"),
    ({}, {}, {"retrieved": "9 May 2026"}, "retrieved"),
    ({"10.1000/a/b_c": {"DOI": "10.1000/a/b_c"}, "10.1000/a_b/c": {"DOI": "10.1000/a_b/c"}}, {},
     {}, "would share the file"),
])
def test_invalid_input_writes_nothing(snap_dir, works, refs, header, message):
    write_snapshot(snap_dir, works_v1(), REFS, **HEADER)
    before = {p: p.read_bytes() for p in snap_dir.rglob("*") if p.is_file()}
    with pytest.raises(SnapshotError, match=message):
        write_snapshot(snap_dir, works, refs, **{**HEADER, **header})
    assert {p: p.read_bytes() for p in snap_dir.rglob("*") if p.is_file()} == before
    assert not list(snap_dir.parent.glob(".crossref.*"))


def test_failed_refresh_keeps_the_previous_good_record(snap_dir):
    write_snapshot(snap_dir, works_v1(), REFS, **HEADER)
    failed = {**REFS, "1": {"status": "error", "doi": "10.5555/sample.13799",
                            "doi_cited": "10.5555/sample.13799",
                            "reason": "gave up after 5 attempts: 503 Service Unavailable"}}
    newer = {"10.5555/sample.0b0002": RECORDS["10.5555/SAMPLE.0b0002"]}
    snap = write_snapshot(snap_dir, newer, failed, **{**HEADER, "retrieved": "2026-06-01"})
    assert snap.references["1"]["status"] == "matched"
    assert snap.references["1"]["reason"] == (
        "Refresh failed (gave up after 5 attempts: 503 Service Unavailable); kept the record "
        "retrieved 2026-05-09.")
    assert snap.work("10.5555/sample.13799")["title"] == ["Muscle cramps: a review of treatment"]
    assert "reference(s) 1" in snap.manifest["note"]


def test_merge_without_previous_or_when_disabled(snap_dir):
    assert merge(None, works_v1(), REFS)[2] == []
    write_snapshot(snap_dir, works_v1(), REFS, **HEADER)
    failed = {"1": {**REFS["1"], "status": "error", "reason": "boom"}}
    snap = write_snapshot(snap_dir, {}, failed, keep_previous=False, **HEADER)
    assert snap.references["1"]["status"] == "error" and snap.works() == {}


def test_the_same_works_again_replace_only_the_manifest(snap_dir):
    write_snapshot(snap_dir, works_v1(), REFS, **HEADER)
    works_folder = (snap_dir / "works").stat().st_ino
    manifest = snap_dir / "manifest.json"
    before = manifest.stat().st_mtime_ns
    write_snapshot(snap_dir, works_v1(), REFS, **HEADER)  # byte for byte the same: not written
    assert manifest.stat().st_mtime_ns == before
    snap = write_snapshot(snap_dir, works_v1(), REFS, **{**HEADER, "retrieved": "2026-05-10"})
    assert (snap_dir / "works").stat().st_ino == works_folder  # the work files stayed in place
    assert Snapshot.load(snap_dir).retrieved == "2026-05-10" == snap.retrieved
    other = snap_dir.parent.parent / "other" / "muscle-spasm" / "crossref"
    write_snapshot(other, works_v1(), REFS, **{**HEADER, "retrieved": "2026-05-10"})
    assert manifest.read_bytes() == (other / "manifest.json").read_bytes()  # as a full write
    assert not list(snap_dir.parent.glob(".crossref.*")) and not list(snap_dir.glob(".*"))


def test_a_stray_work_file_makes_a_full_rewrite(snap_dir):
    write_snapshot(snap_dir, works_v1(), REFS, **HEADER)
    (snap_dir / "works" / "10.5555_stray.json").write_text("{}")
    write_snapshot(snap_dir, works_v1(), REFS, **{**HEADER, "retrieved": "2026-05-10"})
    assert sorted(p.name for p in (snap_dir / "works").iterdir()) == [
        "10.5555_sample.0b0002.json", "10.5555_sample.13799.json"]
    assert Snapshot.load(snap_dir).retrieved == "2026-05-10"


def test_lazy_load_checks_hashes_now_and_shapes_when_asked(snap_dir):
    write_snapshot(snap_dir, works_v1(), REFS, **HEADER)
    _rehash(snap_dir, "10.5555/sample.13799",
            b'{"status": "ok", "message-type": "work", "message": {"DOI": "10.1/x"}}')
    lazy = Snapshot.load(snap_dir, lazy=True)  # every sha256 matches
    assert lazy.holds("10.5555/sample.13799") and lazy.work("10.5555/sample.0b0002")["volume"] == "74"
    with pytest.raises(SnapshotError, match=r"10\.5555_sample\.13799\.json: holds DOI"):
        lazy.work("10.5555/sample.13799")
    path = snap_dir / "works" / "10.5555_sample.0b0002.json"
    path.write_bytes(path.read_bytes().replace(b"74", b"75"))
    with pytest.raises(SnapshotError, match=r"10\.5555_sample\.0b0002\.json: contents do not match"):
        Snapshot.load(snap_dir, lazy=True)


def test_carried_works_are_linked_unread(snap_dir):
    write_snapshot(snap_dir, works_v1(), REFS, **HEADER)
    previous = Snapshot.load(snap_dir, lazy=True)
    newer = {k.lower(): v for k, v in RECORDS.items() if "cd012345" in k.lower()}
    refs = {**REFS, "4": {"status": "matched", "doi": "10.5555/sample.cd012345",
                          "doi_cited": None, "reason": None}}
    snap = write_snapshot(snap_dir, newer, refs, **{**HEADER, "retrieved": "2026-05-10"},
                          previous=previous, carried=["10.5555/sample.13799", "10.5555/SAMPLE.0b0002"])
    assert previous._pending  # nothing carried was parsed to write it
    again = Snapshot.load(snap_dir)
    assert set(again.works()) == set(snap.works()) == {
        "10.5555/sample.13799", "10.5555/sample.0b0002", "10.5555/sample.cd012345"}
    assert again.works() == snap.works() and again.manifest == snap.manifest
    with pytest.raises(SnapshotError, match="carried over"):
        write_snapshot(snap_dir, {}, REFS, **HEADER, previous=again, carried=["10.9999/none"])


def test_staged_works_are_the_files_a_full_write_makes(snap_dir, tmp_path):
    staged = StagedWorks(snap_dir)
    works = works_v1()
    for doi, message in works.items():
        staged.put(doi, message)
    staged.put("10.5555/dropped", {"DOI": "10.5555/dropped", "title": ["Not kept"]})
    staged.put("10.5555/bad", {"DOI": "10.5555/bad", "title": 7})  # not staged: refused later
    assert staged.staging.is_dir() and "10.5555/bad" not in staged.entries
    snap = write_snapshot(snap_dir, works, REFS, **HEADER, staged=staged)
    staged.discard()
    other = tmp_path / "other" / "muscle-spasm" / "crossref"
    write_snapshot(other, works_v1(), REFS, **HEADER)
    files = sorted(p.relative_to(snap_dir) for p in snap_dir.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(other) for p in other.rglob("*") if p.is_file())
    assert all((snap_dir / f).read_bytes() == (other / f).read_bytes() for f in files)
    assert snap.works() == Snapshot.load(snap_dir).works()
    assert not list(snap_dir.parent.glob(".crossref.*"))
    refused = StagedWorks(snap_dir)
    refused.put("10.5555/bad", {"DOI": "10.5555/bad", "title": 7})
    with pytest.raises(SnapshotError, match="not a Crossref work"):
        write_snapshot(snap_dir, {"10.5555/bad": {"DOI": "10.5555/bad", "title": 7}}, {}, **HEADER,
                       staged=refused)
    refused.discard()
    assert Snapshot.load(snap_dir).works() == snap.works()
    assert not list(snap_dir.parent.glob(".crossref.*"))


def test_works_staged_from_answers_are_the_copies_kept_and_the_files_a_full_write_makes(
        snap_dir, tmp_path, monkeypatch):
    from evidence_review.records import snapshot as snapshot_mod

    staged = StagedWorks(snap_dir, near=tmp_path / "init-muscle-spasm-crossref")
    answers = {doi: {**m, "score": 1.0} for doi, m in works_v1().items()}  # a volatile field
    for doi, answer in answers.items():
        staged.put_answer(doi, answer)
    staged.put_answer("10.5555/dropped", {"DOI": "10.5555/dropped", "title": ["Not kept"]})
    assert staged.staging.parent == tmp_path and not snap_dir.parent.exists()  # made near, not in data/
    kept = {doi: staged.stable(answer) for doi, answer in answers.items()}
    assert all(kept[doi] is staged.entries[doi][0] for doi in kept)  # the very copies staged
    first = next(iter(answers))
    assert kept[first] == stable_message(answers[first]) and "score" not in kept[first]
    other_object = dict(answers[first])
    assert staged.stable(other_object) is not kept[first]  # not an answer staged: a new copy
    staged.flush()
    assert staged.durable == set(staged.entries)
    synced: list = []
    monkeypatch.setattr(snapshot_mod, "_sync_files", lambda staging, paths: synced.extend(paths))
    snap_dir.parent.mkdir(parents=True)
    snap = write_snapshot(snap_dir, kept, REFS, **HEADER, staged=staged)
    staged.discard()
    monkeypatch.undo()
    assert synced == []  # every staged file was flushed already; none was written again
    other = tmp_path / "other" / "muscle-spasm" / "crossref"
    write_snapshot(other, {doi: stable_message(a) for doi, a in answers.items()}, REFS, **HEADER)
    files = sorted(p.relative_to(snap_dir) for p in snap_dir.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(other) for p in other.rglob("*") if p.is_file())
    assert all((snap_dir / f).read_bytes() == (other / f).read_bytes() for f in files)
    assert "works/10.5555_dropped.json" not in {str(f) for f in files}
    assert snap.works() == Snapshot.load(snap_dir).works()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".init-")]


def test_nothing_is_staged_after_discard(snap_dir):
    staged = StagedWorks(snap_dir)
    doi, message = next(iter(works_v1().items()))
    staged.discard()
    staged.put(doi, message)
    staged.put_answer(doi, message)
    assert staged.staging is None and not staged.entries and not snap_dir.parent.exists()


def test_a_dead_inits_early_staging_is_removed_by_the_next(snap_dir, tmp_path):
    near = tmp_path / "init-muscle-spasm-crossref"
    dead = tmp_path / ".init-muscle-spasm-crossref.staging-999999999"  # no such process
    (dead / "works").mkdir(parents=True)
    staged = StagedWorks(snap_dir, near=near)
    staged.put_answer(*next(iter(works_v1().items())))
    assert not dead.exists() and staged.staging.is_dir()
    staged.discard()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".init-")]


def test_staged_works_are_flushed_only_once_enough_were_staged_since_the_last_flush(
        snap_dir, tmp_path, monkeypatch):
    from evidence_review.records import snapshot as snapshot_mod

    synced: list = []
    monkeypatch.setattr(snapshot_mod, "_syncfs", lambda path: synced.append(path) or True)
    staged = StagedWorks(snap_dir, near=tmp_path / "init-muscle-spasm-crossref")
    first = next(iter(works_v1().values()))
    works = [(f"10.5555/flush.{i}", {**first, "DOI": f"10.5555/flush.{i}"}) for i in range(3)]
    for doi, message in works[:2]:
        staged.put(doi, message)
    staged.flush(at_least=3)
    assert synced == [] and staged.durable == set()  # two staged: fewer than asked for
    staged.put(*works[2])
    staged.flush(at_least=3)
    assert len(synced) == 1 and staged.durable == {d for d, _ in works}
    staged.flush(at_least=1)
    assert len(synced) == 1  # nothing staged since
    staged.discard()
