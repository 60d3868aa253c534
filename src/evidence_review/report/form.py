"""The review form in JupyterLab: ipywidgets drawn over :class:`~evidence_review.report.workbench.Workbench`.

Everything the form decides (what to show, blinding, checking, writing) is in the workbench, which
the tests drive without widgets; this module only lays out the controls and passes values through.
Values typed into a claim are kept as a draft when another claim is picked, and come back with it.
"""

from __future__ import annotations

import datetime as dt
import os

import ipywidgets as w

from evidence_review.appraisal.claims import BASES, VERDICTS
from evidence_review.report.html import esc
from evidence_review.report.session import ReviewSession
from evidence_review.report.workbench import FIELDS, FILTERS, Workbench

_WIDE = w.Layout(width="100%")
_STYLE = {"description_width": "8em"}
CSS = """<style>
.wb-context mark { background: #fff1a8; padding: 0 .1em; }
.wb-where { color: #555; font-style: italic; }
.wb-refs, .wb-others { margin: .2em 0 .4em 0; padding-left: 1.4em; }
.wb-message-ok { color: #1d6b2f; } .wb-message-bad { color: #a8322a; }
.wb-progress { font-weight: bold; }
</style>"""


class ReviewForm:
    """One claim at a time: context, sources, the reviewer's verdict, Save.

    ``reviewer`` defaults to ``$EVIDENCE_REVIEWER``; the reviewer can also type it in the form.
    """

    def __init__(self, session: ReviewSession, reviewer: str = "", mode: str = "review",
                 today: dt.date | None = None):
        reviewer = reviewer or os.environ.get("EVIDENCE_REVIEWER", "")
        self.wb = Workbench(session, reviewer=reviewer, mode=mode, today=today)
        self.drafts: dict[str, dict[str, str]] = {}
        self._pending_confirm: tuple[str, dict[str, str]] | None = None
        self._current: str | None = None
        self._build()
        self._refresh_choices()

    # --- layout ------------------------------------------------------------------------------------
    def _build(self) -> None:
        wb = self.wb
        self.title = w.HTML(f"{CSS}<h3>Review form: {esc(wb.review.name)}</h3>")
        self.progress = w.HTML(layout=_WIDE)
        self.reviewer = w.Text(value=wb.reviewer, description="Reviewer", placeholder="e.g. ana",
                               style=_STYLE, continuous_update=False)
        self.mode = w.ToggleButtons(options=[("My verdicts (blinded)", "review"),
                                             ("Final verdict (claims.csv)", "final")],
                                    value=wb.mode, description="Writes to",
                                    style={**_STYLE, "button_width": "auto"})
        self.show = w.Dropdown(options=list(FILTERS), value="all", description="Show", style=_STYLE)
        self.section = w.Dropdown(options=[("every section", "")] + [(s, s) for s in wb.sections()],
                                  value="", description="Section", style=_STYLE)
        self.source = w.Dropdown(options=[("every source", "")] + [(f"[{r}]", r) for r in wb.sources()],
                                 value="", description="Source", style=_STYLE)
        self.claim = w.Dropdown(description="Claim", style=_STYLE, layout=w.Layout(width="70%"))
        self.prev = w.Button(description="◀ Previous", layout=w.Layout(width="8em"))
        self.next = w.Button(description="Next ▶", layout=w.Layout(width="8em"))
        self.context = w.HTML(layout=_WIDE)
        self.sources = w.HTML(layout=_WIDE)
        self.others = w.HTML(layout=_WIDE)
        self.fields = {
            "text": w.Textarea(description="Claim", style=_STYLE,
                               layout=w.Layout(width="100%", height="4em")),
            "verdict": w.Dropdown(options=[("— choose —", "")] + [(v, v) for v in VERDICTS],
                                  description="Verdict", style=_STYLE),
            "source_says": w.Textarea(description="Source says", style=_STYLE,
                                      layout=w.Layout(width="100%", height="4em")),
            "locator": w.Text(description="Where", placeholder="section, page, table", style=_STYLE,
                              layout=w.Layout(width="60%")),
            "basis": w.Dropdown(options=[("— choose —", "")] + [(b, b) for b in BASES],
                                description="Basis", style=_STYLE),
            "needs_citation": w.Dropdown(options=[("— choose —", ""), ("yes", "true"), ("no", "false")],
                                         description="Needs a source", style=_STYLE),
            "note": w.Textarea(description="Note", style=_STYLE, layout=w.Layout(width="100%", height="4em")),
        }
        for name, control in self.fields.items():
            control.add_class(f"wb-field-{name}")
        self.save_button = w.Button(description="Save", button_style="primary", icon="check")
        self.message = w.HTML(layout=w.Layout(width="100%"))
        self.reviewer.add_class("wb-reviewer")
        self.claim.add_class("wb-claim")
        self.save_button.add_class("wb-save")
        self.message.add_class("wb-message")
        self.progress.add_class("wb-progress-box")
        self.widget = w.VBox([
            self.title, self.progress, self.reviewer, self.mode,
            w.HBox([self.show, self.section, self.source]), w.HBox([self.claim, self.prev, self.next]),
            self.context, self.sources, self.others,
            *self.fields.values(),
            w.HBox([self.save_button]), self.message,
        ], layout=w.Layout(max_width="60em"))
        self.widget.add_class("wb-form")
        self.reviewer.observe(self._on_reviewer, names="value")
        self.mode.observe(self._on_mode, names="value")
        for control in (self.show, self.section, self.source):
            control.observe(self._on_filter, names="value")
        self.claim.observe(self._on_claim, names="value")
        self.prev.on_click(lambda _b: self._step(-1))
        self.next.on_click(lambda _b: self._step(1))
        self.save_button.on_click(lambda _b: self.save())

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        n, m = self.wb.progress()
        bundle["text/plain"] = f"Review form for {self.wb.review.name} ({self.wb.mode} mode): {m} claims"
        return bundle

    # --- events ------------------------------------------------------------------------------------
    def _on_reviewer(self, change) -> None:
        self._keep_draft()
        self.wb.reviewer = change["new"].strip()
        self.drafts.clear()
        self._refresh_choices()

    def _on_mode(self, change) -> None:
        self._keep_draft()
        self.wb.mode = change["new"]
        self.drafts.clear()
        self._refresh_choices()

    def _on_filter(self, _change) -> None:
        self._keep_draft()
        self._refresh_choices()

    def _on_claim(self, change) -> None:
        self._keep_draft()
        self._show(change["new"])

    def _step(self, by: int) -> None:
        ids = [v for _, v in self.claim.options]
        if self.claim.value in ids:
            i = ids.index(self.claim.value) + by
            if 0 <= i < len(ids):
                self.claim.value = ids[i]

    # --- state -------------------------------------------------------------------------------------
    def typed(self) -> dict[str, str]:
        return {f: self.fields[f].value or "" for f in FIELDS}

    def _keep_draft(self) -> None:
        """Keep what was typed for the claim on screen, if it differs from what is saved."""
        if self._current and self._current in self.wb.by_id:
            typed = self.typed()
            if typed != self.wb.values(self._current):
                self.drafts[self._current] = typed
            else:
                self.drafts.pop(self._current, None)

    def _refresh_choices(self) -> None:
        ids = self.wb.select(self.show.value, self.section.value or None, self.source.value or None)
        keep = self.claim.value if self.claim.value in ids else (ids[0] if ids else None)
        self.claim.unobserve(self._on_claim, names="value")
        self.claim.options = [(self.wb.label(c), c) for c in ids]
        self.claim.value = keep
        self.claim.observe(self._on_claim, names="value")
        self._update_progress()
        if not ids and self.show.value == "conflicts" and self.wb.mode == "review" \
                and not self.wb.unblinded():
            self._say("Conflicts are shown once every reviewer has judged every claim (blinded "
                      "review). Switch to 'Final verdict' to adjudicate.", ok=True)
        self._show(keep)

    def _update_progress(self) -> None:
        self.progress.value = f'<span class="wb-progress">{esc(self.wb.progress_line())}</span>'

    def _show(self, cid: str | None) -> None:
        if cid != self._current:
            self.message.value = ""
        self._current = cid
        self._pending_confirm = None
        if cid is None:
            self.context.value = "<p><i>No claim matches these filters.</i></p>"
            self.sources.value = self.others.value = ""
            for control in self.fields.values():
                control.value = ""
            return
        values = self.drafts.get(cid) or self.wb.values(cid)
        for f in FIELDS:
            control = self.fields[f]
            value = values.get(f, "")
            if isinstance(control, w.Dropdown) and value not in [v for _, v in control.options]:
                control.options = [*control.options, (value, value)]  # keep an unknown value visible
            control.value = value
        self.context.value = self.wb.context_html(cid)
        self.sources.value = self._sources_html(cid)
        self.others.value = self._others_html(cid)
        if cid in self.drafts:
            self._say(f"Unsaved changes to {cid} kept from before: Save them, or edit.", ok=True)

    def _sources_html(self, cid: str) -> str:
        refs = self.wb.references(cid)
        if not refs:
            return "<p><b>Cites:</b> nothing (an uncited claim: say whether it needs a source)</p>"
        items = []
        for r in refs:
            link = (f' <a href="{esc(r["url"])}" target="_blank" rel="noopener">'
                    f'{esc("doi:" + r["doi"]) if r["doi"] else esc(r["url"])}</a>') if r["url"] else ""
            items.append(f"<li>[{esc(r['ref'])}] {esc(r['title'])} ({esc(r['year']) or 'n.d.'}).{link}</li>")
        passages = self.wb.passages(cid)
        parts = [f'<p><b>Cites:</b></p><ul class="wb-refs">{"".join(items)}</ul>']
        if passages:
            parts.append('<p><b>Passages of the source:</b></p><ul class="wb-refs">' + "".join(
                f"<li>[{esc(p.get('ref', ''))}] {esc(p.get('locator', ''))}: “{esc(p.get('text', ''))}”</li>"
                for p in passages) + "</ul>")
        return "".join(parts)

    def _others_html(self, cid: str) -> str:
        rows = {r: v for r, v in self.wb.visible_verdicts(cid).items()
                if self.wb.mode == "final" or r != self.wb.reviewer}
        if self.wb.mode == "review" and not self.wb.unblinded():
            return ("<p><i>Blinded: other reviewers' verdicts are hidden until every reviewer has "
                    "finished.</i></p>" if len(self.wb.files()) > 1 or not self.wb.reviewer else "")
        if not rows:
            return ""
        items = "".join(
            f"<li><b>{esc(r)}</b>: {esc(v.get('verdict', ''))}"
            + (f" — {esc(v.get('source_says', ''))}" if v.get("source_says") else "")
            + (f" ({esc(v.get('locator', ''))})" if v.get("locator") else "")
            + (f"; note: {esc(v.get('note', ''))}" if v.get("note") else "") + "</li>"
            for r, v in rows.items())
        conflict = " (a conflict)" if len({v.get("verdict") for v in rows.values()}) > 1 else ""
        return f'<p><b>Reviewers\' verdicts{conflict}:</b></p><ul class="wb-others">{items}</ul>'

    def _say(self, text: str, ok: bool) -> None:
        self.message.value = f'<p class="wb-message-{"ok" if ok else "bad"}">{esc(text)}</p>'

    # --- saving ------------------------------------------------------------------------------------
    def save(self) -> None:
        cid = self._current
        if cid is None:
            self._say("Pick a claim first.", ok=False)
            return
        typed = self.typed()
        confirm = self._pending_confirm == (cid, typed)
        outcome = self.wb.save(cid, typed, confirm=confirm)
        self._pending_confirm = (cid, typed) if outcome.needs_confirmation else None
        if outcome.saved:
            self.drafts.pop(cid, None)
            self._update_progress()
            self.others.value = self._others_html(cid)
        self._say(outcome.message, ok=outcome.saved or outcome.needs_confirmation)
