"""Small fictional records in Crossref's shape under the 10.5555 test prefix, for the client tests."""

# Small records in Crossref's shape, for tests and demos. The values are made up; volatile fields
# (indexed, deposited, counts) are included on purpose.
SAMPLE_RECORDS: dict[str, dict] = {
    "10.5555/sample.13799": {
        "DOI": "10.5555/sample.13799", "type": "journal-article",
        "title": ["Muscle cramps: a review of treatment"],
        "container-title": ["European Journal of Neurology"],
        "author": [{"family": "Example", "given": "Ann", "sequence": "first"}],
        "issued": {"date-parts": [[2019, 3]]}, "volume": "26", "page": "1-9",
        "indexed": {"date-time": "2026-01-01T00:00:00Z"},
        "deposited": {"date-time": "2025-06-01T00:00:00Z"},
        "is-referenced-by-count": 42, "reference-count": 30,
    },
    "10.5555/SAMPLE.0b0002": {
        "DOI": "10.5555/SAMPLE.0b0002", "type": "journal-article",
        "title": ["Assessment: symptomatic treatment for muscle cramps"],
        "container-title": ["Neurology"],
        "author": [{"family": "Sample", "given": "Bo", "sequence": "first"}],
        "issued": {"date-parts": [[2010, 2, 23]]}, "volume": "74", "page": "691-696",
    },
    "10.5555/sample.cd012345": {
        "DOI": "10.5555/sample.CD012345", "type": "journal-article",
        "title": ["Magnesium for skeletal muscle cramps"],
        "container-title": ["Cochrane Database of Systematic Reviews"],
        "issued": {"date-parts": [[2020, 9, 21]]},
    },
}
SAMPLE_OTHER_AGENCY = {"10.5061/dryad.example": "datacite"}  # a DOI Crossref does not hold

