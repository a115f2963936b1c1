"""Console: the volunteers' door links of an event, made and withdrawn by an organizer."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...forms import DoorLinkForm, GuestActionForm
from ...models import DoorLink, utcnow
from ...services import audit, checkin, door
from ..auth import organizer_required
from ..use_case import perform
from .common import current_event, get_or_404


@organizer_required
def door_links(event_id: int):
    event = current_event(event_id)
    form = DoorLinkForm()
    if form.validate_on_submit():
        actor = audit.staff_actor(current_user)
        hours = form.hours.number
        done = perform(lambda: door.create_link(event, form.label.data or "", hours, actor))
        if done.ok:
            message = _(
                "Door link created. Send it to the volunteer: %(url)s",
                url=door.link_url(done.result),
            )
            flash(message, "success")
            return redirect(url_for("console.door_links", event_id=event_id))
    rows = db.session.scalars(
        sa.select(DoorLink).where(DoorLink.event_id == event_id).order_by(DoorLink.id.desc())
    ).all()
    return render_template(
        "console/door_links.html",
        event=event,
        form=form,
        action_form=GuestActionForm(),
        links=rows,
        urls={link.id: door.link_url(link) for link in rows},
        now=utcnow(),
        receivers=checkin.receivers_out(event),
    )


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
