"""Console: downloads of the guest list, the check-in log and the waitlist (CSV and Excel), the
paper door list and the place cards (PDF)."""

from __future__ import annotations

from flask import Response, flash, render_template, request
from flask_babel import lazy_gettext as _l

from ...errors import DomainError
from ...forms import PlaceCardsForm
from ...labels import CATEGORY_LABELS
from ...services import door_list_pdf, exports, protocol
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
def exports_page(event_id: int, cards_form: PlaceCardsForm | None = None):
    event = current_event(event_id)
    return render_template(
        "console/exports.html",
        event=event,
        kinds=exports.KINDS,
        labels=KIND_LABELS,
        notes=KIND_NOTES,
        counts=exports.row_counts(event),
        cards_form=cards_form or PlaceCardsForm(formdata=None),
        card_guests=protocol.choosable_guests(event),
        category_labels=CATEGORY_LABELS,
    )


@organizer_required
def place_cards_download(event_id: int):
    """The place cards of the people chosen on the Exports page (a POST: the choice may name
    many guests). A choice naming a guest of no list here makes nothing, and says so."""
    event = current_event(event_id)
    form = PlaceCardsForm()
    if form.validate_on_submit():
        try:
            cards = protocol.cards_for(
                event,
                form.chosen_categories(),
                form.guest_ids.data or [],
                programme=bool(form.programme.data),
            )
        except DomainError as error:
            flash(str(error), "error")
        else:
            return pdf_download(protocol.place_cards_pdf(event, cards), protocol.filename(event))
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
    return exports_page(event_id, cards_form=form), 400


@organizer_required
def export_download(event_id: int, kind: str, fmt: str):
    event = current_event(event_id)
    # Passport details only when the organizer ticks them (guest list only).
    passports = kind == "guests" and request.args.get("passports") == "1"
    return Response(
        exports.export(event, kind, fmt, passports=passports),
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
