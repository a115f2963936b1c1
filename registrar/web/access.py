"""Who may use what: the console's gate, the door's staff, and volunteers' door links.

Every decision is services/team.py's `can`; this module finds the event a request is about
and turns a "no" into the answer the audience expects (the login page, 403, the JSON 401).
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from flask import abort, g, request, session
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import InstrumentedAttribute

from ..errors import DomainError
from ..extensions import db, login_manager
from ..models import DoorLink, Event, Guest, OutboxMessage, Role
from ..services import audit, door, team

DOOR_LINK_KEY = "door_link"

# URL variables that name a row of one event, and where that row says which event. A route
# with `event_id` needs nothing here; a new kind of id that does not carry `event_id` beside
# it must be added, or the console refuses it to everyone but administrators.
EVENT_OF_ARGUMENT: dict[str, tuple[InstrumentedAttribute[int], InstrumentedAttribute[int]]] = {
    "guest_id": (Guest.id, Guest.event_id),
    "message_id": (OutboxMessage.id, OutboxMessage.event_id),
    "link_id": (DoorLink.id, DoorLink.event_id),
}

# URL variables that name no event's row: the account-wide staff pages check these themselves.
ACCOUNT_ARGUMENTS = frozenset({"staff_id", "token_id"})


class DoorAccessDenied(DomainError):
    status = 403


def events_named(view_args: Mapping[str, object]) -> set[int] | None:
    """The events a request's URL names, by `event_id` or by a row of an event.

    An empty set: the URL names no event (an account-wide page). None: the URL names a row
    that does not exist, or only ids of a kind this module does not know (fails closed).
    """
    events: set[int] = set()
    unknown = False
    for name, value in view_args.items():
        if name == "event_id" and isinstance(value, int):
            events.add(value)
        elif name in EVENT_OF_ARGUMENT:
            row_id, of_event = EVENT_OF_ARGUMENT[name]
            event_id = db.session.scalar(sa.select(of_event).where(row_id == value))
            if event_id is None:
                return None
            events.add(event_id)
        elif name.endswith("_id") and name not in ACCOUNT_ARGUMENTS:
            unknown = True
    # Beside `event_id`, another id is the view's to match with the event (e.g. an upload of
    # this event's import); without one, nobody here can tell whose row it is.
    return None if unknown and not events else events


def console_gate() -> ResponseReturnValue | None:
    """Before every console view: signed in, and an organizer of every event the URL names.

    A URL that names no event (the console's landing page, the staff pages) needs an account
    that organizes at least one event; the view then shows only what is the account's.
    """
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    events = events_named(request.view_args or {})
    if events is None:
        # A row of no event we can tell: only an administrator, whose events are all of them.
        if not current_user.is_admin:
            abort(403)
        return None
    if not events:
        if not team.organizes_any(current_user):
            abort(403)
        return None
    if not all(team.can(current_user, event_id, Role.ORGANIZER) for event_id in events):
        abort(403)
    return None


def staff_refusal(event_id: int) -> int:
    """The status for a signed-in account refused at an event's door: 404 when there is no
    such event (as for an administrator), 403 when it is someone else's."""
    exists = db.session.scalar(sa.select(Event.id).where(Event.id == event_id))
    return 404 if exists is None else 403


def door_actor(event_id: int) -> str | None:
    """The actor string for the audit log, or None when this visitor may not scan here."""
    if team.can(current_user, event_id, Role.DOOR):
        return audit.staff_actor(current_user)
    granted = session.get(DOOR_LINK_KEY)
    if isinstance(granted, list) and len(granted) == 2 and granted[1] == event_id:
        try:
            link = door.current_link(granted[0], event_id)
        except door.DoorLinkInactive:
            session.pop(DOOR_LINK_KEY, None)
            # Say "your link ended" this once rather than a bare "log in" (see lapsed_door_link).
            g.door_link_lapsed = True
            return None
        return f"door-link:{link.id}"
    return None


def remember_door_link(link_id: int, event_id: int) -> None:
    session[DOOR_LINK_KEY] = [link_id, event_id]


def may_override(event_id: int) -> bool:
    """Only the event's organizers and door leads may let a guest in past a full room, or
    let in a guest the door refused (never a volunteer's door link)."""
    return team.can(current_user, event_id, Role.DOOR_LEAD)


def lapsed_door_link() -> bool:
    """Whether this request came with a door link that has just expired or been withdrawn."""
    return bool(g.get("door_link_lapsed"))
