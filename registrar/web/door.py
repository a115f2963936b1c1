"""The door: the scanner page and the volunteers' door links that open it."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import db, login_manager
from ..i18n import in_both
from ..models import Event, Guest, Role
from ..services import badges, checkin, door, door_list_pdf, team
from . import limits
from .access import (
    door_actor,
    lapsed_door_link,
    may_override,
    remember_door_link,
    staff_refusal,
)

bp = Blueprint("door", __name__)

# What the verdict of a guest the protocol desk meets says, in both languages.
PROTOCOL_CALL = _l("VIP — please call the protocol desk")


@bp.get("/door/")
def index():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    event = team.first_event(current_user, Role.DOOR)
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
        abort(staff_refusal(event_id))
    # The sessions' times, in the event's.
    g.timezone = event.timezone
    return render_template(
        "door/scanner.html",
        event=event,
        occupancy=checkin.door_occupancy(event),
        can_override=may_override(event_id),
        via_link=actor.startswith("door-link:"),
        gate=request.args.get("gate", "")[:64],
        search_example=checkin.search_example(event_id),
        protocol_call=in_both(PROTOCOL_CALL),
        vip_categories=sorted(checkin.PROTOCOL_CATEGORIES),
    )


def _walk_in_with_badge(event_id: int, guest_id: int) -> Guest:
    """A walk-in of this event with a badge, for this event's door staff; 404 for any other."""
    if door_actor(event_id) is None:
        if lapsed_door_link():
            raise door.DoorLinkInactive()
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        abort(staff_refusal(event_id))
    guest = db.session.get(Guest, guest_id)
    if guest is None or guest.event_id != event_id or not guest.walk_in:
        abort(404)
    badges.require_badge(guest)
    return guest


@bp.get("/door/events/<int:event_id>/walk-ins/<int:guest_id>/badge.png")
def walk_in_badge_png(event_id: int, guest_id: int):
    """The QR code of a walk-in's badge, shown on the scanner's screen."""
    guest = _walk_in_with_badge(event_id, guest_id)
    return Response(badges.qr_png(badges.badge_code_for(guest), box_size=8), mimetype="image/png")


@bp.get("/door/events/<int:event_id>/walk-ins/<int:guest_id>/badge.pdf")
def walk_in_badge_pdf(event_id: int, guest_id: int):
    """A walk-in's badge to print at the door."""
    guest = _walk_in_with_badge(event_id, guest_id)
    return Response(
        badges.badge_pdf(guest),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{badges.filename(guest.event, guest)}"',
        },
    )


@bp.get("/door/events/<int:event_id>/door-list.pdf")
def door_list_pdf_download(event_id: int):
    """The paper door list for the door's staff: by English name, then by Chinese name."""
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    if door_actor(event_id) is None:
        if lapsed_door_link():
            raise door.DoorLinkInactive()
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        abort(staff_refusal(event_id))
    return Response(
        door_list_pdf.door_list_pdf(event, request.args.get("order", "both")),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{door_list_pdf.filename(event)}"'},
    )


@bp.get("/door/sw.js")
def service_worker():
    """The scanner's service worker, served from /door/ so that it may look after the scanner
    pages (a worker's reach is the folder it is served from)."""
    assert current_app.static_folder is not None, "the app has its static folder"
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
