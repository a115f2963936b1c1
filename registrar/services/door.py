"""Door links: a volunteer's signed, expiring, revocable way into one event's scanner."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import tokens
from ..errors import DomainError, InvalidAnswer, NotFound
from ..extensions import db
from ..models import DoorLink, Event, utcnow
from . import audit

MAX_HOURS = 24 * 14


class DoorLinkInactive(DomainError):
    status = 410
    title = _l("This door link does not work")
    default_message = _l(
        "This door link has expired or was withdrawn. Please ask the organizers for a new one."
    )


def create_link(event: Event, label: str, hours: int | None, actor: str) -> DoorLink:
    """A new link, valid for `hours`, or until the event ends when no hours are given."""
    label = label.strip()
    now = utcnow()
    if hours is None:
        if event.ends_at <= now:
            raise InvalidAnswer(
                _l("The event has ended; enter how many hours the link should work.")
            )
        expires_at = event.ends_at
    elif not 1 <= hours <= MAX_HOURS:
        raise InvalidAnswer(_l("A door link lasts from 1 to %(n)s hours."), n=MAX_HOURS)
    else:
        expires_at = now + timedelta(hours=hours)
    if len(label) > 100:
        raise InvalidAnswer(_l("At most %(max)d characters, please."), max=100)
    link = DoorLink(
        event_id=event.id,
        label=label,
        created_by=actor,
        created_at=now,
        expires_at=expires_at,
    )
    db.session.add(link)
    db.session.flush()
    audit.record(
        "door_link.created",
        actor=actor,
        event_id=event.id,
        link=link.id,
        hours=hours,
        until=expires_at.isoformat(),
    )
    return link


def revoke_link(link_id: int, actor: str) -> DoorLink:
    link = db.session.get(DoorLink, link_id)
    if link is None:
        raise NotFound()
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        audit.record("door_link.revoked", actor=actor, event_id=link.event_id, link=link.id)
    return link


def link_url(link: DoorLink) -> str:
    base = current_app.config["REGISTRAR_BASE_URL"].rstrip("/")
    return f"{base}/door/l/{tokens.door_link_token(link.id, link.event_id)}"


def resolve_token(token: str) -> DoorLink:
    try:
        link_id, event_id = tokens.read_door_link_token(token)
    except tokens.InvalidToken as exc:
        raise DoorLinkInactive() from exc
    return current_link(link_id, event_id)


def current_link(link_id: int, event_id: int) -> DoorLink:
    """The door link if it still opens this event's scanner, else DoorLinkInactive."""
    link = db.session.get(DoorLink, link_id)
    if link is None or link.event_id != event_id or not link.is_valid(utcnow()):
        raise DoorLinkInactive()
    return link
