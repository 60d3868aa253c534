"""How charts are fitted and kept: only the kept drawing is written as SVG, and a drawing is kept in
the cache folder for the next process (`build` of the same review, a kernel after a test)."""

from __future__ import annotations

import textwrap

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from evidence_review.report import charts

COUNTS = pd.DataFrame({"supported": [2, 1], "unsupported": [0, 3]},
                      index=["Study A with a title long enough to wrap", "Study B"])
ONE = COUNTS.iloc[1:]  # one short bar: fits at the first try


@pytest.fixture
def cache(monkeypatch, tmp_path):
    """An empty cache folder and an empty drawing memory: as a fresh process would start."""
    monkeypatch.setenv("EVIDENCE_REVIEW_CACHE", str(tmp_path))
    monkeypatch.setattr(charts, "_FITTED", {})
    return tmp_path


def _counting_draws(monkeypatch) -> list:
    drawn = []
    real = charts._draw
    monkeypatch.setattr(charts, "_draw", lambda *a: drawn.append(a[5]) or real(*a))
    return drawn


def test_the_measured_width_is_the_width_the_svg_is_written_with():
    names = [textwrap.fill(n, charts.LABEL_CHARS[charts.NARROW_PT]) for n in COUNTS.index]
    fig = charts._draw(COUNTS, names, charts.VERDICT_COLOURS, {}, "claims", 4.0, 1)
    with plt.rc_context(charts._RC):
        with pytest.raises(charts._Width):  # the pinned matplotlib: stopped at the header
            fig.savefig(charts._StopIfWider(charts.NARROW_PT), **charts._SVG_OPTIONS)
        measured, unwritten = charts._svg_if_fits(fig, charts.NARROW_PT)
        assert unwritten is None and measured > charts.NARROW_PT + charts._SLACK_PT
        measured_again, svg = charts._svg_if_fits(fig, measured)  # fits its own width: written whole
        assert measured_again == measured == charts._svg_width(svg) == charts._svg_width(charts.to_svg(fig))


def test_fitting_gives_the_drawing_that_writing_every_try_gives(cache):
    """The fit measures its tries without writing them; the result is the SVG, byte for byte, of a
    fit that writes each try out and reads its width back."""
    names = [textwrap.fill(n, charts.LABEL_CHARS[charts.NARROW_PT], break_long_words=False)
             for n in COUNTS.index]
    width, widths = charts.NARROW_PT / 72, []
    for _ in range(charts._FIT_TRIES):
        widths.append(width)
        with plt.rc_context(charts._RC):
            svg = charts.to_svg(charts._draw(COUNTS, names, charts.VERDICT_COLOURS, {}, "claims", width, 1))
        over = charts._svg_width(svg) - charts.NARROW_PT
        if over <= 0.5:
            break
        width -= over / 72 + 0.02
    assert len(widths) >= 2  # the first try was too wide: the fit had to measure
    assert charts._fit(COUNTS, charts.VERDICT_COLOURS, {}, "claims", charts.NARROW_PT, 1) == svg


def test_a_later_process_reads_the_drawing_from_the_cache_folder(cache, monkeypatch):
    first = charts.stacked_bars(ONE, charts.VERDICT_COLOURS, "Verdicts", "claims")
    kept = list(cache.glob("evidence-review-charts-*/*.svg"))
    assert len(kept) == 2  # wide and narrow
    monkeypatch.setattr(charts, "_FITTED", {})  # the next process
    drawn = _counting_draws(monkeypatch)
    assert charts.stacked_bars(ONE, charts.VERDICT_COLOURS, "Verdicts", "claims") == first
    assert drawn == []
    # a damaged entry (cut short) is drawn again and written whole
    kept[0].write_text(kept[0].read_text(encoding="utf-8")[:200], encoding="utf-8")
    monkeypatch.setattr(charts, "_FITTED", {})
    assert charts.stacked_bars(ONE, charts.VERDICT_COLOURS, "Verdicts", "claims") == first
    assert drawn and kept[0].read_text(encoding="utf-8").endswith("</svg>\n")


def test_a_cache_folder_that_cannot_be_written_only_costs_the_drawing(cache, monkeypatch):
    blocked = cache / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("EVIDENCE_REVIEW_CACHE", str(blocked))
    assert "<svg" in charts.stacked_bars(ONE, charts.VERDICT_COLOURS, "Verdicts", "claims")


def test_the_cache_folder_is_named_after_what_drawings_depend_on(monkeypatch):
    charts._drawings_folder.cache_clear()
    here = charts._drawings_folder()
    monkeypatch.setattr(matplotlib, "__version__", matplotlib.__version__ + ".other")
    charts._drawings_folder.cache_clear()
    try:
        assert charts._drawings_folder() != here
    finally:
        monkeypatch.undo()
        charts._drawings_folder.cache_clear()
    assert charts._drawings_folder() == here
