"""Console: the seats held for categories and for named guests, and how many are taken."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user

from ... import labels
from ...extensions import db
from ...forms import CategoryHoldsForm, GuestActionForm, GuestHoldForm
from ...models import Category, Guest, SeatHold
from ...services import audit, seats
from ..auth import organizer_required
from ..use_case import Performed, perform
from .common import current_event, flash_form_errors, get_or_404


@organizer_required
def holds(event_id: int):
    event = current_event(event_id)
    held = seats.holds_of(event)
    by_category = {h.category: h for h in held if h.category is not None}
    named = [h for h in held if h.guest is not None]
    form = CategoryHoldsForm(
        data={f"hold_{c.value}": by_category[c].count if c in by_category else 0 for c in Category}
    )
    # Whom a seat may be held for: the guests of the list whose invitation stands and who
    # have no seat held by name yet.
    held_for = sa.select(SeatHold.guest_id).where(
        SeatHold.event_id == event.id, SeatHold.guest_id.is_not(None)
    )
    choices = db.session.scalars(
        sa.select(Guest)
        .where(
            Guest.event_id == event.id,
            Guest.revoked_at.is_(None),
            Guest.id.not_in(held_for),
        )
        .order_by(Guest.name_en, Guest.name_zh, Guest.id)
    ).all()
    return render_template(
        "console/holds.html",
        event=event,
        counts=seats.sessions.room_counts(event),
        by_category=by_category,
        named=named,
        categories=list(Category),
        category_form=form,
        choices=[g for g in choices if not g.is_erased],
        category_labels=labels.CATEGORY_LABELS,
    )


@organizer_required
def holds_categories(event_id: int):
    event = current_event(event_id)
    form = CategoryHoldsForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        counts, actor = form.counts(), audit.staff_actor(current_user)
        _saved(perform(lambda: seats.set_category_holds(event.id, counts, actor)))
    return redirect(url_for(".holds", event_id=event.id))


@organizer_required
def holds_guest(event_id: int):
    event = current_event(event_id)
    form = GuestHoldForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        guest_id, actor = form.guest.number, audit.staff_actor(current_user)
        _saved(perform(lambda: seats.hold_seat_for_guest(event.id, guest_id, actor)))
    return redirect(url_for(".holds", event_id=event.id))


@organizer_required
def holds_guest_release(guest_id: int):
    guest = get_or_404(Guest, guest_id)
    event_id = guest.event_id
    form = GuestActionForm()
    if form.validate_on_submit():
        actor = audit.staff_actor(current_user)
        _saved(perform(lambda: seats.release_guest_hold(event_id, guest_id, actor)))
    else:
        flash_form_errors(form)
    return redirect(url_for(".holds", event_id=event_id))


def _saved(done: Performed[list[Guest]]) -> None:
    if done.ok:
        flash(
            ngettext(
                "Held seats saved. %(num)s guest moved from the waitlist to a seat.",
                "Held seats saved. %(num)s guests moved from the waitlist to a seat.",
                len(done.result),
            ),
            "success",
        )
