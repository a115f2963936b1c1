"""Who may use the door: staff with a door or organizer role, or a valid volunteer door link."""

from __future__ import annotations

from flask import g, session
from flask_login import current_user

from ..errors import DomainError
from ..models import Role
from ..services import audit, door

DOOR_LINK_KEY = "door_link"


class DoorAccessDenied(DomainError):
    status = 403


def door_actor(event_id: int) -> str | None:
    """The actor string for the audit log, or None when this visitor may not scan here."""
    if current_user.is_authenticated and current_user.role in (Role.DOOR, Role.ORGANIZER):
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


def may_override() -> bool:
    """Only organizers may let a guest in past a full room."""
    return bool(current_user.is_authenticated and current_user.role == Role.ORGANIZER)


def lapsed_door_link() -> bool:
    """Whether this request came with a door link that has just expired or been withdrawn."""
    return bool(g.get("door_link_lapsed"))
