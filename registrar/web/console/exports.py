"""Console: downloads of the guest list, the check-in log and the waitlist (CSV and Excel), and
the paper door list (PDF)."""

from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import lazy_gettext as _l

from ...services import door_list_pdf, exports
from ..auth import organizer_required
from .common import current_event

KIND_LABELS = {
    "guests": _l("Guest list with answers"),
    "checkins": _l("Check-in log"),
    "waitlist": _l("Waitlist"),
}
KIND_NOTES = {
    "guests": _l(
        "Every guest: names, e-mail, organization, category, the answer, seat, channel, "
        "dietary and access needs, note, and check-in."
    ),
    "checkins": _l("Every scan at the door, refused ones too, with the time, gate and verdict."),
    "waitlist": _l("The guests waiting for a seat, next in line first."),
}


@organizer_required
def exports_page(event_id: int):
    event = current_event(event_id)
    return render_template(
        "console/exports.html",
        event=event,
        kinds=exports.KINDS,
        labels=KIND_LABELS,
        notes=KIND_NOTES,
        counts=exports.row_counts(event),
    )


@organizer_required
def export_download(event_id: int, kind: str, fmt: str):
    event = current_event(event_id)
    return Response(
        exports.export(event, kind, fmt),
        content_type=exports.MIMETYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{exports.filename(event, kind, fmt)}"',
        },
    )


@organizer_required
def door_list_download(event_id: int):
    """The paper door list: by English name and by Chinese name, or one of them (?order=)."""
    event = current_event(event_id)
    return pdf_download(
        door_list_pdf.door_list_pdf(event, request.args.get("order", "both")),
        door_list_pdf.filename(event),
    )


def pdf_download(pdf: bytes, filename: str) -> Response:
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
