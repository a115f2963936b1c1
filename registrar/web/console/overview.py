"""Console: the event's seats, its capacity, the guest list with links, and badges."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ...errors import DomainError
from ...extensions import db
from ...forms import CapacityForm, GuestActionForm
from ...labels import CHANNEL_SHORT
from ...models import Guest
from ...services import audit, badges, invitations, rsvp, seats
from ..auth import organizer_required
from ..use_case import perform
from .common import current_event, flash_form_errors, get_or_404, guest_list_back


@organizer_required
def event(event_id: int):
    event = current_event(event_id)
    guests = db.session.scalars(
        sa.select(Guest)
        .where(Guest.event_id == event.id)
        .options(selectinload(Guest.rsvp), selectinload(Guest.seat))
        .order_by(Guest.id)
    ).all()
    waitlist = seats.waitlist(event)
    positions = {seat.guest_id: n for n, seat in enumerate(waitlist, start=1)}
    with_badge = {g.id for g in guests if badges.has_badge(g)}
    return render_template(
        "console/event.html",
        event=event,
        counts=seats.seat_counts(event),
        guests=guests,
        positions=positions,
        capacity_form=CapacityForm(capacity=event.capacity, held_seats=event.held_seats),
        action_form=GuestActionForm(),
        links={g.id: invitations.invitation_url(g) for g in guests if not g.is_revoked},
        channel_short=CHANNEL_SHORT,
        is_open=rsvp.is_open(event),
        with_badge=with_badge,
        badge_pages=badges.sheet_pages(len(with_badge)),
    )


@organizer_required
def capacity(event_id: int):
    save_capacity(event_id)
    return redirect(url_for(".event", event_id=event_id, _anchor="seats"))


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


GUEST_ACTIONS = {
    "revoke": (invitations.revoke, _l("Invitation revoked; its link no longer works.")),
    "reinstate": (invitations.reinstate, _l("Invitation reinstated with a new link.")),
    "rotate": (invitations.rotate, _l("New link issued; earlier links no longer work.")),
    "reissue-badge": (
        badges.reissue,
        _l("New badge issued; the earlier one no longer works at the door."),
    ),
}


@organizer_required
def guest_action(guest_id: int, action: str):
    form = GuestActionForm()
    guest = get_or_404(Guest, guest_id)
    event_id = guest.event_id
    if form.validate_on_submit():
        operation, message = GUEST_ACTIONS[action]
        perform(lambda: operation(guest_id, actor=audit.staff_actor(current_user)), message)
    back = guest_list_back(event_id)
    return redirect(back or url_for(".event", event_id=event_id, _anchor=f"guest-{guest_id}"))


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
        return redirect(url_for(".event", event_id=event.id, _anchor="guests-title"))
    response = _pdf_download(pdf, badges.filename(event))
    response.headers["X-Badge-Count"] = str(len(guests))
    response.headers["X-Badge-Pages"] = str(badges.sheet_pages(len(guests)))
    return response


@organizer_required
def guest_badge(guest_id: int):
    guest = get_or_404(Guest, guest_id)
    return _pdf_download(badges.badge_pdf(guest), badges.filename(guest.event, guest))


def _pdf_download(pdf: bytes, filename: str) -> Response:
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )
