"""Property-based tests (hypothesis): random CSV, YAML, JSON and reference strings never end in a
traceback, only in a located Problem (InputError / SnapshotError) or a valid result."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence_review.appraisal import claims as claims_mod
from evidence_review.core import textmatch
from evidence_review.core.datafile import parse_yaml
from evidence_review.core.errors import InputError, Problem, SnapshotError
from evidence_review.core.safety import FORMULA_START, csv_cell, csv_text, http_url, strip_credentials
from evidence_review.core.schemas import (
    CrossrefWork,
    RecordFactsFile,
    ReviewFile,
    SchemeFile,
    SnapshotManifest,
    SourcesFile,
    shape_problems,
)
from evidence_review.intake import reflist
from evidence_review.records import csl
from evidence_review.records.snapshot import Snapshot

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20)
CONTEXT = claims_mod.Context(ref_numbers=frozenset({"1", "2"}), article_text="Some text [1].")


@SETTINGS
@given(st.binary(max_size=600) | st.text(max_size=600).map(str.encode))
def test_claims_reader_never_raises_anything_but_input_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("csv") / "claims.csv"
    path.write_bytes(data)
    try:
        header, records = claims_mod.read_rows(path, "claims.csv")
        problems = claims_mod.validate_rows(header, records, CONTEXT, "claims.csv")
    except InputError as exc:
        problems = exc.problems
    assert all(isinstance(p, Problem) and str(p).startswith("claims.csv") for p in problems)


@SETTINGS
@given(st.lists(st.lists(st.text(max_size=15), min_size=1, max_size=6), min_size=1, max_size=6))
def test_claims_reader_on_well_formed_csv_with_random_cells(tmp_path_factory, rows):
    buf = io.StringIO()
    csv.writer(buf).writerows([claims_mod.COLUMNS, *rows])
    path = tmp_path_factory.mktemp("csv") / "claims.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    try:
        claims_mod.load(path, CONTEXT, "claims.csv")
    except InputError as exc:
        assert exc.problems and all(p.file == "claims.csv" for p in exc.problems)


@SETTINGS
@given(st.text(max_size=400))
def test_yaml_reader_never_raises_anything_but_input_error(text):
    try:
        parse_yaml(text, "review.yaml")
    except InputError as exc:
        assert all(p.file == "review.yaml" for p in exc.problems)


@SETTINGS
@given(json_values)
def test_every_schema_reports_problems_instead_of_raising(data):
    for model in (ReviewFile, SourcesFile, SchemeFile, RecordFactsFile, SnapshotManifest, CrossrefWork):
        for problem in shape_problems(model, data, "file.yaml", {}):
            assert problem.file == "file.yaml" and problem.message


@SETTINGS
@given(json_values)
def test_random_records_that_pass_the_schema_convert_to_csl(data):
    message = data if isinstance(data, dict) else {"title": data}
    message = {**message, "DOI": "10.5555/x"}
    if not shape_problems(CrossrefWork, message, "record"):
        assert csl.from_crossref(message)["DOI"] == "10.5555/x"


@SETTINGS
@given(st.binary(max_size=400) | json_values.map(lambda v: json.dumps(v).encode()))
def test_snapshot_manifest_reader_never_raises_anything_but_snapshot_error(tmp_path_factory, data):
    directory = tmp_path_factory.mktemp("snap")
    (directory / "works").mkdir()
    (directory / "manifest.json").write_bytes(data)
    try:
        Snapshot.load(directory)
    except SnapshotError as exc:
        assert "manifest.json" in str(exc)


@SETTINGS
@given(st.lists(st.text(max_size=120), max_size=5))
def test_reference_list_parser_never_raises(lines):
    refs = reflist.parse_list("\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1)))
    assert all(r.number for r in refs)


@SETTINGS
@given(st.text(max_size=40))
def test_no_written_cell_is_a_formula_and_reading_restores_it(value):
    cell = csv_cell(value)
    if cell.startswith(FORMULA_START):
        float(cell)  # only a plain number may start with + or -
    assert csv_text(cell) == value or value.startswith("'")


@SETTINGS
@given(st.text(max_size=30), st.text(alphabet="abcdefghij:", max_size=12))
def test_credentials_never_survive_stripping(host, secret):
    url = f"https://user:{secret}pw@api{host.replace('/', '')}.example/x"
    stripped = strip_credentials(url)
    assert f"{secret}pw@" not in stripped
    cleaned = http_url(url)
    assert cleaned is None or "@" not in cleaned.split("/")[2]


def test_the_property_tests_read_real_files_too():
    """Sanity: the default review's files pass the same readers."""
    root = Path(__file__).resolve().parents[1] / "data" / "muscle-spasm"
    data, lines = parse_yaml((root / "review.yaml").read_text(encoding="utf-8"), "review.yaml")
    assert not shape_problems(ReviewFile, data, "review.yaml", lines)
    data, lines = parse_yaml((root / "sources.yaml").read_text(encoding="utf-8"), "sources.yaml")
    assert not shape_problems(SourcesFile, data, "sources.yaml", lines)


def _text_key_by_decomposition(text: str) -> str:
    """text_key's general path (NFKD, combining marks dropped, casefold), for any text."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text.replace("&", " and ")).split())


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80) | st.text(max_size=80))
def test_text_keys_ascii_shortcut_gives_the_general_key(text):
    assert textmatch.text_key.__wrapped__(text) == _text_key_by_decomposition(text)
