"""A door lead lets in a guest the door refused, for a reason the audit log keeps.

Any refusal but a code that is not ours or not this event's (those name nobody to let in):
declined, withdrawn or re-issued badges, waitlisted, no answer, a full room, already inside. A
guest without a confirmed seat first takes a free seat through the seat service, under the event
lock; a full room is passed only when the lead says so (`over_capacity`), as an organizer's
override does. Who may is the edge's to check (web/access.py: organizers and door leads).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from ... import tokens
from ...errors import DomainError, InvalidAnswer, NotFound
from ...extensions import db
from ...models import Channel, Direction, Event, Guest, LetInReason, SeatState, Verdict, utcnow
from ...text import require_one_line
from .. import audit, rsvp, seats
from ..locking import lock_event
from ..seats import sessions
from .answers import ScanAnswer
from .scans import MAX_GATE, MAX_NONCE, earlier_answer, occupancy, scan
from .unanswered import NoSeatFree
from .verdict import ScanRequest

MAX_REASON = 200


class NoSessionSeatFree(DomainError):
    status = 409
    default_message = _l(
        "No seat is free in the session under way, and this guest is confirmed for another "
        "session only: nobody was let in and nothing was recorded."
    )


class RoomFull(DomainError):
    status = 409
    default_message = _l(
        "The room has reached its capacity: let the guest in over capacity only if you mean to."
    )


@dataclass(frozen=True)
class LetIn:
    """A door lead's let-in: why, where, and the headset for a guest whose answer has none."""

    reason: LetInReason
    # The lead's own words: needed with `other`, kept beside any reason.
    reason_text: str = ""
    nonce: str | None = None
    gate: str = ""
    channel: Channel | None = None
    # Past a full room, chosen knowingly.
    over_capacity: bool = False


def let_in(event_id: int, guest_id: int, request: LetIn, actor: str) -> ScanAnswer:
    """Let the guest in: a confirmed seat if they hold none (refused when none is free), past a
    full room only with `over_capacity`, checked in and audited with the reason.

    Refused, writing nothing, for bad input. A request whose nonce was seen before gets the first
    answer again and records nothing. Runs in the caller's transaction (flushes, never commits).
    """
    reason_text = _checked(request)
    event = lock_event(event_id)
    replayed = earlier_answer(event_id, request.nonce, guest_id)
    if replayed is not None:
        return replayed
    guest = db.session.get(Guest, guest_id)
    # An erased guest is a row kept for the counts: nobody to let in.
    if guest is None or guest.event_id != event_id or guest.is_erased:
        raise NotFound()
    if request.channel is not None and request.channel not in rsvp.offered_channels(event):
        raise InvalidAnswer(_l("Please choose a listening channel offered at this event."))
    seated = guest.seat is not None and guest.seat.state == SeatState.CONFIRMED
    inside = guest.check_in is not None and guest.check_in.inside
    room_full = not inside and occupancy(event).inside >= event.capacity
    session_id = _session_to_seat(event, guest) if seated else None
    before = _refusal(guest, room_full, other_session=session_id is not None)
    # Every refusal is found before anything is written.
    if not seated and not seats.has_seat_for(event, guest):
        raise NoSeatFree()
    if session_id is not None and not sessions.has_seat_in(event, guest, session_id):
        raise NoSessionSeatFree()
    if room_full and not request.over_capacity:
        raise RoomFull()

    if not seated:
        _take_seat(event_id, guest, request.channel, actor)
    if session_id is not None:
        sessions.confirm_in(event, guest, session_id, actor, at_the_door=True)
    code = tokens.badge_code(event_id, guest.id, guest.badge_version)
    entry = ScanRequest(
        code=code,
        nonce=request.nonce,
        gate=request.gate,
        direction=Direction.IN,
        override=request.over_capacity,
        manual=True,
        let_in=True,
    )
    answer = scan(event_id, entry, actor)
    if answer.verdict != Verdict.OK:
        # Not reached (the room was counted under this lock); refused rather than half done.
        raise RoomFull()
    audit.record(
        "checkin.let_in",
        actor=actor,
        event_id=event_id,
        guest_id=guest.id,
        reason=request.reason.value,
        reason_text=reason_text,
        refused=before,
        over_capacity=request.over_capacity,
        **({} if session_id is None else {"session": session_id}),
    )
    return answer


def _checked(request: LetIn) -> str:
    if not isinstance(request.reason, LetInReason):
        raise InvalidAnswer(_l("Please choose why the guest is let in."))
    text = request.reason_text.strip()
    if len(text) > MAX_REASON:
        raise InvalidAnswer(_l("A field is longer than %(limit)s characters."), limit=MAX_REASON)
    require_one_line(text)
    if request.reason == LetInReason.OTHER and not text:
        raise InvalidAnswer(_l("Please say why the guest is let in."))
    if "\x00" in (request.nonce or "") + request.gate:
        raise InvalidAnswer(_l("The scan's nonce or gate contains a NUL character."))
    if (request.nonce and len(request.nonce) > MAX_NONCE) or len(request.gate) > MAX_GATE:
        raise InvalidAnswer(_l("The scan's nonce or gate is too long."))
    return text


def _session_to_seat(event: Event, guest: Guest) -> int | None:
    """In an event whose guests choose sessions: the session under way, when the guest, confirmed
    for another, holds no confirmed seat in it (the door said `other_session`); else None."""
    if not sessions.on(event.id):
        return None
    current = sessions.session_at(sessions.offered(event.id), utcnow())
    if current is None:
        return None
    places = sessions.places_of(guest)
    confirmed = {p.session.id for p in places if p.state == SeatState.CONFIRMED}
    if not confirmed or current.id in confirmed:
        return None
    return current.id


def _refusal(guest: Guest, room_full: bool, other_session: bool = False) -> str:
    """What the door said of the guest before the lead let them in, for the audit entry (a
    re-issued badge is the badge's business, not the guest's: it reads `ok` here)."""
    if guest.is_revoked:
        return Verdict.REVOKED.value
    if guest.rsvp is None:
        return Verdict.NO_ANSWER.value
    if not guest.rsvp.attending or guest.seat is None:
        return Verdict.DECLINED.value
    if guest.seat.state == SeatState.WAITLISTED:
        return Verdict.WAITLISTED.value
    if guest.check_in is not None and guest.check_in.inside:
        return Verdict.ALREADY_CHECKED_IN.value
    if other_session:
        return Verdict.OTHER_SESSION.value
    return Verdict.ROOM_FULL.value if room_full else Verdict.OK.value


def _take_seat(event_id: int, guest: Guest, channel: Channel | None, actor: str) -> None:
    """A confirmed seat for a guest who holds none, through the seat service; a seat is free
    (counted under the lock the caller holds)."""
    if guest.seat is not None:
        # Waitlisted: moved ahead of the queue onto the free seat.
        seats.promote_guest(event_id, guest.id, actor)
    elif guest.is_revoked:
        # The invitation stays withdrawn (no link, no answer); the lead gave them a seat.
        seats.confirm_or_waitlist(guest.event, guest, actor)
    else:
        # No answer, or a "no": recorded as attending, given at the door.
        previous = guest.rsvp.channel if guest.rsvp is not None else None
        reply = rsvp.RsvpAnswer(attending=True, channel=channel or previous or Channel.FLOOR)
        rsvp.answer(guest.id, guest.token_version, reply, actor, at_the_door=True)
    db.session.flush()
    db.session.refresh(guest)
    assert guest.seat is not None and guest.seat.state == SeatState.CONFIRMED, "a free seat"
