"""Reference-list parsing keeps printed values exactly, broken DOIs included."""

from evidence_review.intake import reflist


def test_apa_journal_entry():
    ref = reflist.parse_entry("[3] Katzberg, H. D., Khan, A. H., & So, Y. T. (2010). Assessment: "
                              "Symptomatic treatment (an evidence-based review). Neurology, 74(8), "
                              "691–696. https://doi.org/1212/wnl.0b013e3181d0ccca")
    assert ref.number == "3"
    assert ref.authors == ["Katzberg, H. D.", "Khan, A. H.", "So, Y. T."]
    assert ref.year == "2010"
    assert ref.title == "Assessment: Symptomatic treatment (an evidence-based review)"
    assert (ref.container, ref.volume, ref.issue, ref.pages) == ("Neurology", "74", "8", "691–696")
    assert ref.doi_printed == "https://doi.org/1212/wnl.0b013e3181d0ccca"  # kept broken
    assert ref.kind == "article"


def test_apa_particles_and_many_authors():
    ref = reflist.parse_entry("[2] Dijkstra, J. N., Van Engelen, B. G., & Voermans, N. C. (2022). "
                              "T: Sub. Practical Neurology, 23(1), 23–34.")
    assert ref.authors == ["Dijkstra, J. N.", "Van Engelen, B. G.", "Voermans, N. C."]
    assert ref.doi_printed is None and ref.url is None


def test_apa_web_page():
    ref = reflist.parse_entry("[5] MedlinePlus. (2019, October). Baclofen: MedlinePlus Drug "
                              "Information. U.S. National Library of Medicine. "
                              "https://medlineplus.gov/druginfo/meds/a682530.html")
    assert ref.kind == "web"
    assert ref.organisation == "MedlinePlus" and ref.authors == []
    assert ref.date_text == "2019, October" and ref.year == "2019"
    assert ref.title == "Baclofen: MedlinePlus Drug Information"
    assert ref.publisher == "U.S. National Library of Medicine"
    assert ref.url.endswith("a682530.html")


def test_unrecognised_entry_keeps_text_and_link():
    ref = reflist.parse_entry("7. Something odd without a year https://example.org/x")
    assert ref.number == "7"
    assert ref.printed.startswith("Something odd")
    assert ref.url == "https://example.org/x" and ref.kind == "web"


def test_unlabelled_list_is_numbered_in_order():
    refs = reflist.parse_list(["A, B. (2020). T. J, 1(1), 1–2.", "C, D. (2021). U. K, 2(2), 3–4."])
    assert [r.number for r in refs] == ["1", "2"]


def test_parse_list_is_kept_on_disk_and_reused(tmp_path, monkeypatch):
    """The parse is cached per list (content + parser digest): read again, it is not re-parsed;
    a damaged cache file is parsed again; a changed list has its own entry."""
    entries = ["[1] Okafor, M. A. (2020). A title of a work. Journal of Tests, 3(1), 1–9.",
               "[2] Berg, J. (2019). Another work. Journal of Tests, 2, 10–19."]
    first = reflist.parse_list(entries, cache_dir=tmp_path)
    files = list(tmp_path.glob("*.json"))
    assert len(files) == 1
    reflist._PARSED.clear()
    calls = []
    real = reflist.parse_entry
    monkeypatch.setattr(reflist, "parse_entry", lambda *a, **k: calls.append(a) or real(*a, **k))
    again = reflist.parse_list(entries, cache_dir=tmp_path)
    assert again == first and calls == []
    again[0].title = "changed by a caller"  # callers get their own objects
    again[0].authors.append("Changed, A.")  # their lists too (the parse kept here is not changed)
    assert reflist.parse_list(entries, cache_dir=tmp_path)[0].title == first[0].title
    assert reflist.parse_list(entries, cache_dir=tmp_path)[0].authors == first[0].authors
    fresh = reflist.parse_list(entries)  # kept in this process, not read from the disk
    fresh[1].authors.clear()
    assert reflist.parse_list(entries)[1].authors == first[1].authors != []
    reflist._PARSED.clear()
    files[0].write_text("{not json", encoding="utf-8")
    assert reflist.parse_list(entries, cache_dir=tmp_path) == first and len(calls) == 2
    reflist._PARSED.clear()
    assert reflist.parse_list(entries, cache_dir=tmp_path) == first and len(calls) == 2  # rewritten
    reflist.parse_list(entries[:1], cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.json"))) == 2
