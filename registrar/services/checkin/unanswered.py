"""Letting in an invited guest who never answered, where the event lets the door do so.

The scan of such a guest says `no_answer` (verdict.py); with the event's `door_no_answer` at
`let_in`, door staff may then let them in: the answer is recorded as given at the door, a seat
is taken through the seat service, and the guest is checked in, all under the event lock.
"""

from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l

from ... import tokens
from ...errors import DomainError, InvalidAnswer, NotFound
from ...extensions import db
from ...models import Channel, Direction, DoorNoAnswer, Guest, SeatState, Verdict, utcnow
from .. import audit, rsvp, seats
from ..locking import lock_event
from .answers import ScanAnswer
from .scans import earlier_answer, occupancy, scan
from .verdict import ScanRequest


class DoorSendsToDesk(DomainError):
    status = 403
    default_message = _l(
        "This event sends guests who have not answered to the desk: the door may not let them in."
    )


class NoSeatFree(DomainError):
    status = 409
    default_message = _l("No seat is free: please send the guest to the desk.")


class NotUnanswered(DomainError):
    status = 409


def admit_unanswered(
    event_id: int,
    guest_id: int,
    request: ScanRequest,
    actor: str,
    channel: Channel | None = None,
) -> ScanAnswer:
    """Let in a guest who never answered: attending from now (`channel`, else the floor), a
    confirmed seat, checked in. Refused, writing nothing, when the event sends such guests to
    the desk, when no seat is free or the room is full (never past capacity, never onto the
    waitlist), and for a guest who answered or whose invitation was withdrawn.

    A request whose nonce was seen before gets the first answer again and records nothing.
    Runs in the caller's transaction (flushes, never commits).
    """
    event = lock_event(event_id)
    replayed = earlier_answer(event_id, request.nonce, guest_id)
    if replayed is not None:
        return replayed
    guest = db.session.get(Guest, guest_id)
    if guest is None or guest.event_id != event_id:
        raise NotFound()
    if event.door_no_answer != DoorNoAnswer.LET_IN:
        raise DoorSendsToDesk()
    if guest.is_revoked:
        raise NotUnanswered(_l("This guest's invitation was withdrawn: send them to the desk."))
    if guest.rsvp is not None:
        raise NotUnanswered(
            _l("This guest has answered already: scan the badge or check them in by name.")
        )
    if channel is not None and channel not in rsvp.offered_channels(event):
        raise InvalidAnswer(_l("Please choose a listening channel offered at this event."))
    inside = occupancy(event).inside
    # In an event whose guests choose sessions: a seat in the session under way, and the
    # sessions after it.
    current, sessions = seats.sessions.at_the_door(event_id, utcnow())
    if current is not None and not seats.sessions.has_seat_in(event, guest, current):
        raise NoSeatFree()
    if not seats.has_seat_for(event, guest) or inside >= event.capacity:
        raise NoSeatFree()

    reply = rsvp.RsvpAnswer(
        attending=True, channel=channel or Channel.FLOOR, sessions=sessions or None
    )
    state = rsvp.answer(guest.id, guest.token_version, reply, actor, at_the_door=True)
    # A seat was free under the lock now held, so the seat service confirmed it.
    assert state.seat == SeatState.CONFIRMED, "a free seat was counted under the event lock"
    code = tokens.badge_code(event_id, guest.id, guest.badge_version)
    entry = replace(request, code=code, direction=Direction.IN, override=False, manual=False)
    answer = scan(event_id, entry, actor)
    if answer.verdict != Verdict.OK:
        # Not reached (the room had space under this lock); refused rather than half done.
        raise NoSeatFree()
    audit.record("checkin.unanswered_let_in", actor=actor, event_id=event_id, guest_id=guest.id)
    return answer
