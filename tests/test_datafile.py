"""core/datafile keeps each YAML text's parse for the process: what it hands out is the caller's own."""

from __future__ import annotations

import pytest

from evidence_review.core import datafile
from evidence_review.core.errors import InputError

TEXT = "sources:\n  '1':\n    design: rct\n    tags: [a, b]\n"


def test_a_kept_parse_is_handed_out_as_a_copy():
    for _ in range(2):  # the parse, then the kept one: each changed by its caller
        data, lines = datafile.parse_yaml(TEXT, "sources.yaml")
        data["sources"]["1"]["tags"].append("changed by the caller")
        lines.clear()
    again, again_lines = datafile.parse_yaml(TEXT, "other.yaml")
    assert again == {"sources": {"1": {"design": "rct", "tags": ["a", "b"]}}}
    assert again_lines == {("sources",): 1, ("sources", "1"): 2, ("sources", "1", "design"): 3,
                           ("sources", "1", "tags"): 4, ("sources", "1", "tags", "0"): 4,
                           ("sources", "1", "tags", "1"): 4}


def test_an_edited_file_is_parsed_afresh(tmp_path):
    path = tmp_path / "review.yaml"
    path.write_text("title: one\n", encoding="utf-8")
    assert datafile.read_yaml(path, "review.yaml") == {"title": "one"}
    path.write_text("title: two\n", encoding="utf-8")
    assert datafile.read_yaml(path, "review.yaml") == {"title": "two"}


def test_a_failed_parse_is_not_kept():
    for _ in range(2):
        with pytest.raises(InputError, match="anchors"):
            datafile.parse_yaml("a: &x 1\nb: *x\n", "bomb.yaml")
