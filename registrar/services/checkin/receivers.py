"""Interpretation receivers at the door: handed out to a checked-in guest, given back."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ...errors import InvalidAnswer, NotFound
from ...extensions import db
from ...models import CheckIn, Event, Guest, utcnow
from .. import audit
from ..locking import lock_event

MAX_RECEIVER = 32


def receiver_number(receiver: str) -> str:
    """A receiver number as it is kept, or InvalidAnswer."""
    receiver = receiver.strip()
    if "\x00" in receiver:
        raise InvalidAnswer(_l("The receiver number contains a NUL character."))
    if len(receiver) > MAX_RECEIVER:
        raise InvalidAnswer(_l("A receiver number has at most %(n)s characters."), n=MAX_RECEIVER)
    return receiver


def set_receiver(event_id: int, guest_id: int, receiver: str, actor: str) -> CheckIn:
    """Note the interpretation receiver handed to a checked-in guest."""
    receiver = receiver_number(receiver)
    lock_event(event_id)
    guest = db.session.get(Guest, guest_id)
    if guest is None or guest.event_id != event_id:
        raise NotFound()
    if guest.check_in is None:
        raise InvalidAnswer(_l("This guest has not been checked in."))
    guest.check_in.receiver = receiver
    guest.check_in.receiver_returned_at = None
    audit.record(
        "receiver.handed_out", actor=actor, event_id=event_id, guest_id=guest.id, receiver=receiver
    )
    return guest.check_in


def return_receiver(event_id: int, guest_id: int, actor: str) -> CheckIn:
    lock_event(event_id)
    guest = db.session.get(Guest, guest_id)
    if guest is None or guest.event_id != event_id or guest.check_in is None:
        raise NotFound()
    presence = guest.check_in
    if presence.receiver and presence.receiver_returned_at is None:
        presence.receiver_returned_at = utcnow()
        audit.record(
            "receiver.returned",
            actor=actor,
            event_id=event_id,
            guest_id=guest.id,
            receiver=presence.receiver,
        )
    return presence


def receivers_out(event: Event) -> list[CheckIn]:
    """Receivers handed out and not returned yet."""
    return list(
        db.session.scalars(
            sa.select(CheckIn)
            .where(
                CheckIn.event_id == event.id,
                CheckIn.receiver != "",
                CheckIn.receiver_returned_at.is_(None),
            )
            .order_by(CheckIn.receiver)
            .options(selectinload(CheckIn.guest))
        )
    )
