"""Console: the waitlist in queue order, the seats, and the organizer's moves and promotions."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import labels
from ...forms import CapacityForm, GuestActionForm, WaitlistMoveForm
from ...i18n import bilingual
from ...models import Guest
from ...services import audit, seats
from ..auth import organizer_required
from ..use_case import perform
from .common import current_event, flash_form_errors, get_or_404, guest_list_back
from .overview import save_capacity


@organizer_required
def waitlist(event_id: int):
    event = current_event(event_id)
    g.timezone = event.timezone
    # An event whose guests choose sessions keeps a queue per session (services/seats/sessions.py).
    session_queues = seats.sessions.queues(event)
    return render_template(
        "console/waitlist.html",
        event=event,
        counts=seats.sessions.room_counts(event),
        queue=[] if session_queues else seats.waitlist_with_guests(event),
        session_queues=session_queues,
        capacity_form=CapacityForm(capacity=event.capacity, held_seats=event.held_seats),
        category_labels=labels.CATEGORY_LABELS,
        channel_labels=labels.CHANNEL_EXPORT,
    )


@organizer_required
def waitlist_capacity(event_id: int):
    """The capacity form of the waitlist page: the same rule as the event page's."""
    event = current_event(event_id)
    save_capacity(event.id)
    return redirect(url_for(".waitlist", event_id=event.id, _anchor="seats"))


@organizer_required
def waitlist_promote(guest_id: int):
    guest = get_or_404(Guest, guest_id)
    event_id = guest.event_id
    if GuestActionForm().validate_on_submit():
        actor = audit.staff_actor(current_user)
        perform(
            lambda: seats.promote_guest(event_id, guest_id, actor),
            _("%(name)s now has a confirmed seat and will be told by e-mail.", name=_name(guest)),
        )
    # From the guest list, back to the list as it was.
    return redirect(guest_list_back(event_id) or url_for(".waitlist", event_id=event_id))


@organizer_required
def waitlist_move(guest_id: int):
    guest = get_or_404(Guest, guest_id)
    event_id = guest.event_id
    form = WaitlistMoveForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for(".waitlist", event_id=event_id))
    actor = audit.staff_actor(current_user)
    name = _name(guest)
    to_position, from_position = form.position.number, form.current.number
    done = perform(
        lambda: seats.move_on_waitlist(
            event_id, guest_id, to_position, actor, from_position=from_position
        )
    )
    if done.ok:
        flash(
            _("%(name)s is now number %(n)s on the waitlist.", name=name, n=done.result),
            "success",
        )
        return redirect(url_for(".waitlist", event_id=event_id, _anchor=f"guest-{guest_id}"))
    return redirect(url_for(".waitlist", event_id=event_id))


def _name(guest: Guest) -> str:
    return bilingual(guest, "name") or guest.email
