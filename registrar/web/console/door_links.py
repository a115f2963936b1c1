"""Console: the volunteers' door links of an event, made and withdrawn by an organizer."""

from __future__ import annotations

import base64

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...forms import DoorLinkForm, GuestActionForm
from ...models import DoorLink, utcnow
from ...services import audit, badges, checkin, door
from ..auth import organizer_required
from ..use_case import perform
from .common import current_event, get_or_404


@organizer_required
def door_links(event_id: int):
    event = current_event(event_id)
    form = DoorLinkForm()
    if form.validate_on_submit():
        actor = audit.staff_actor(current_user)
        hours = form.hours.data  # None: until the event ends
        done = perform(lambda: door.create_link(event, form.label.data or "", hours, actor))
        if done.ok:
            message = _(
                "Door link created. Send it to the volunteer: %(url)s",
                url=door.link_url(done.result),
            )
            flash(message, "success")
            return redirect(url_for("console.door_links", event_id=event_id))
    now = utcnow()
    rows = db.session.scalars(
        sa.select(DoorLink).where(DoorLink.event_id == event_id).order_by(DoorLink.id.desc())
    ).all()
    urls = {link.id: door.link_url(link) for link in rows}
    return render_template(
        "console/door_links.html",
        event=event,
        form=form,
        action_form=GuestActionForm(),
        links=rows,
        urls=urls,
        qr_codes={link.id: _qr_data_url(urls[link.id]) for link in rows if link.is_valid(now)},
        now=now,
        receivers=checkin.receivers_out(event),
    )


def _qr_data_url(url: str) -> str:
    """The link as a QR code in the page itself, for a volunteer to open with a phone's camera."""
    # A URL needs a larger symbol than a badge code; a phone on a screen reads it well.
    png = badges.qr_png(url, box_size=4, max_version=10)
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@organizer_required
def revoke_door_link(link_id: int):
    link = get_or_404(DoorLink, link_id)
    event_id = link.event_id
    if GuestActionForm().validate_on_submit():
        perform(
            lambda: door.revoke_link(link_id, audit.staff_actor(current_user)),
            _("Door link withdrawn; it no longer opens the scanner."),
        )
    return redirect(url_for("console.door_links", event_id=event_id))
