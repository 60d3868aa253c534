"""Placeholder replaced by the annotated-bibliography module (see branch 'report')."""

from evidence_review.present import HTML, esc


def annotated_bibliography(session, style: str = "ama") -> HTML:
    from evidence_review.audit import corrected_reference, format_apa

    items = []
    for a in session.audit.references:
        record = session.snapshot.work(a.doi) if a.doi else None
        src = session.sources.get(a.ref)
        items.append(f'<div class="bib-entry" id="ref-{esc(a.ref)}"><p class="citation">[{esc(a.ref)}] '
                     f"{esc(format_apa(corrected_reference(a.cited, record)))}</p>"
                     f'<p class="annotation">{esc(src.annotation if src else "")}</p></div>')
    return HTML("\n".join(items))
