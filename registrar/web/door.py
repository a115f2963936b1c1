"""The door: the scanner page, volunteers' door links, and the organizer's list of them."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError
from ..extensions import db, login_manager
from ..forms import DoorLinkForm, GuestActionForm
from ..models import DoorLink, Event, utcnow
from ..services import audit, checkin, door
from . import limits
from .access import door_actor, lapsed_door_link, may_override, remember_door_link
from .auth import organizer_required

bp = Blueprint("door", __name__)


@bp.get("/door/")
def index():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    event = db.session.scalar(sa.select(Event).order_by(Event.id).limit(1))
    if event is None:
        abort(404)
    return redirect(url_for(".scanner", event_id=event.id))


@bp.get("/door/events/<int:event_id>")
def scanner(event_id: int):
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    actor = door_actor(event_id)
    if actor is None:
        if lapsed_door_link():
            raise door.DoorLinkInactive()
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        abort(403)
    return render_template(
        "door/scanner.html",
        event=event,
        occupancy=checkin.occupancy(event),
        can_override=may_override(),
        via_link=actor.startswith("door-link:"),
        gate=request.args.get("gate", "")[:64],
    )


@bp.get("/door/sw.js")
def service_worker():
    """The scanner's service worker, served from /door/ so that it may look after the scanner
    pages (a worker's reach is the folder it is served from)."""
    response = send_from_directory(
        Path(current_app.static_folder) / "door", "sw.js", mimetype="text/javascript", max_age=0
    )
    # Browsers check for a new worker on every scanner page load; answer from the file, fresh.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/door/l/<token>")
@limits.token_pages
def open_link(token: str):
    link = door.resolve_token(token)
    remember_door_link(link.id, link.event_id)
    return redirect(url_for(".scanner", event_id=link.event_id, gate=link.label))


@bp.route("/console/events/<int:event_id>/door-links", methods=["GET", "POST"])
@organizer_required
def links(event_id: int):
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    form = DoorLinkForm()
    if form.validate_on_submit():
        try:
            link = door.create_link(
                event, form.label.data or "", form.hours.data, audit.staff_actor(current_user)
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(
                _("Door link created. Send it to the volunteer: %(url)s", url=door.link_url(link)),
                "success",
            )
            return redirect(url_for(".links", event_id=event_id))
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


@bp.post("/console/door-links/<int:link_id>/revoke")
@organizer_required
def revoke_link(link_id: int):
    form = GuestActionForm()
    link = db.session.get(DoorLink, link_id)
    if link is None:
        abort(404)
    event_id = link.event_id
    if form.validate_on_submit():
        door.revoke_link(link_id, audit.staff_actor(current_user))
        db.session.commit()
        flash(_("Door link withdrawn; it no longer opens the scanner."), "success")
    return redirect(url_for(".links", event_id=event_id))
