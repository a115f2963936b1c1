"""Console: the event's capacity and badges (shown on the guest list), and the old address of
the event's seats and guests."""

from __future__ import annotations

from flask import Response, flash, jsonify, redirect, request, url_for
from flask_babel import ngettext
from flask_login import current_user

from ... import db_setup, unit_of_work
from ...errors import DomainError
from ...forms import CapacityForm
from ...models import Guest
from ...services import audit, badges, seats
from ...services.requests import name_changes
from ..auth import organizer_required
from ..use_case import perform
from .common import current_event, flash_form_errors, get_or_404


@organizer_required
def event(event_id: int):
    """The former "Seats and guests" page: its seats and guests are on the guest list now."""
    event = current_event(event_id)
    return redirect(url_for(".guests", event_id=event.id))


@organizer_required
def capacity(event_id: int):
    save_capacity(event_id)
    return redirect(url_for(".guests", event_id=event_id, _anchor="seats"))


def save_capacity(event_id: int) -> None:
    """The capacity form, posted from this page or the waitlist's: saved, or its errors shown."""
    form = CapacityForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return
    actor = audit.staff_actor(current_user)
    capacity, held_seats = form.capacity.number, form.held_seats.number
    done = perform(lambda: seats.set_capacity(event_id, capacity, held_seats, actor))
    if done.ok:
        flash(
            ngettext(
                "Capacity saved. %(num)s guest moved from the waitlist to a seat.",
                "Capacity saved. %(num)s guests moved from the waitlist to a seat.",
                len(done.result),
            ),
            "success",
        )


# -- badges ------------------------------------------------------------------------------------


@organizer_required
def badge_sheet(event_id: int):
    """Every confirmed guest's badge, four to an A4 page, to print and cut.

    The console's script (static/console/badges.js) asks for JSON beside the PDF: it gets a
    refusal as a message to show, and the count of badges and pages in headers to confirm."""
    event = current_event(event_id)
    guests = badges.guests_with_badges(event)
    try:
        pdf = badges.badge_sheet_pdf(guests)
    except DomainError as exc:
        if request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
            "application/json"
        ):
            return jsonify({"error": {"code": "no_badges", "message": str(exc)}}), 409
        flash(str(exc), "error")
        return redirect(url_for(".guests", event_id=event.id, _anchor="list-title"))
    _note_printed(event.id)
    response = _pdf_download(pdf, badges.filename(event))
    response.headers["X-Badge-Count"] = str(len(guests))
    response.headers["X-Badge-Pages"] = str(badges.sheet_pages(len(guests)))
    return response


@organizer_required
def guest_badge(guest_id: int):
    guest = get_or_404(Guest, guest_id)
    pdf = badges.badge_pdf(guest)
    _note_printed(guest.event_id)
    return _pdf_download(pdf, badges.filename(guest.event, guest))


def _note_printed(event_id: int) -> None:
    """Badges downloaded by an organizer count as printed: corrections wait for approval.

    The one write of these GET downloads, and only the first one's: its own transaction,
    begun after the reads end (db_setup.read_before_writing), whose first statement writes.
    """
    actor = audit.staff_actor(current_user)
    db_setup.read_before_writing()
    unit_of_work.run(lambda: name_changes.note_badges_printed(event_id, actor))


def _pdf_download(pdf: bytes, filename: str) -> Response:
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )
