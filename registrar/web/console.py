"""Organizer console: the event's seats, its capacity, and the guest list with links."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..errors import DomainError, NotFound
from ..extensions import db
from ..forms import CHANNEL_SHORT, CapacityForm, GuestActionForm
from ..models import Event, Guest
from ..services import audit, invitations, rsvp, seats
from .auth import organizer_required

bp = Blueprint("console", __name__, url_prefix="/console")


def _event(event_id: int | None = None) -> Event:
    query = sa.select(Event).order_by(Event.id).limit(1)
    if event_id is not None:
        query = sa.select(Event).where(Event.id == event_id)
    event = db.session.scalar(query)
    if event is None:
        raise NotFound(_("There is no event yet. Run `flask --app registrar demo` or create one."))
    return event


@bp.get("/")
@organizer_required
def index():
    return redirect(url_for(".event", event_id=_event().id))


@bp.get("/events/<int:event_id>")
@organizer_required
def event(event_id: int):
    event = _event(event_id)
    guests = db.session.scalars(
        sa.select(Guest)
        .where(Guest.event_id == event.id)
        .options(selectinload(Guest.rsvp), selectinload(Guest.seat))
        .order_by(Guest.id)
    ).all()
    waitlist = seats.waitlist(event)
    positions = {seat.guest_id: n for n, seat in enumerate(waitlist, start=1)}
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
    )


@bp.post("/events/<int:event_id>/capacity")
@organizer_required
def capacity(event_id: int):
    form = CapacityForm()
    if form.validate_on_submit():
        try:
            promoted = seats.set_capacity(
                event_id,
                form.capacity.data,
                form.held_seats.data,
                actor=audit.staff_actor(current_user),
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(
                _(
                    "Capacity saved. %(n)s guests moved from the waitlist to a seat.",
                    n=len(promoted),
                ),
                "success",
            )
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return redirect(url_for(".event", event_id=event_id, _anchor="seats"))


GUEST_ACTIONS = {
    "revoke": (invitations.revoke, _l("Invitation revoked; its link no longer works.")),
    "reinstate": (invitations.reinstate, _l("Invitation reinstated with a new link.")),
    "rotate": (invitations.rotate, _l("New link issued; earlier links no longer work.")),
}


@bp.post("/guests/<int:guest_id>/<any(revoke, reinstate, rotate):action>")
@organizer_required
def guest_action(guest_id: int, action: str):
    form = GuestActionForm()
    guest = db.session.get(Guest, guest_id)
    if guest is None:
        raise NotFound()
    event_id = guest.event_id
    if form.validate_on_submit():
        operation, message = GUEST_ACTIONS[action]
        try:
            operation(guest_id, actor=audit.staff_actor(current_user))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(str(message), "success")
    return redirect(url_for(".event", event_id=event_id, _anchor=f"guest-{guest_id}"))
