"""Walk-ins: a person registered at the door, where the event allows it, who takes a free seat
under the event lock, is checked in and gets a badge on the spot."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ... import tokens
from ...errors import DomainError, InvalidAnswer
from ...extensions import db
from ...models import (
    NO_ADDRESS_DOMAIN,
    Category,
    Channel,
    Direction,
    EventState,
    Guest,
    Language,
    Scan,
    SeatState,
    Verdict,
    column_length,
    utcnow,
)
from ...text import require_one_line
from .. import audit, rsvp, seats
from ..invitations import normalize_email, require_name
from ..locking import lock_event
from .answers import ScanAnswer
from .scans import MAX_GATE, MAX_NONCE, NonceUsed, occupancy, scan
from .verdict import ScanRequest


class WalkInsOff(DomainError):
    status = 403
    default_message = _l("This event does not take walk-ins at the door.")


class NotRunning(DomainError):
    status = 409
    default_message = _l("Walk-ins are registered only while the event is open.")


class WalkInRoomFull(DomainError):
    status = 409
    default_message = _l("The room is full: no seat is free for a walk-in. Nothing was registered.")


class WalkInOnlyHeldSeats(WalkInRoomFull):
    default_message = _l(
        "The only free seats are held for invited guests (VIPs, categories or guests by "
        "name): a walk-in of another category cannot take one. Nothing was registered."
    )


@dataclass(frozen=True)
class WalkIn:
    """Who walked in, as door staff typed it: a name in at least one script."""

    name_en: str = ""
    name_zh: str = ""
    organization: str = ""
    category: Category = Category.DELEGATE
    # Empty: none given (no mail is sent).
    email: str = ""
    channel: Channel = Channel.FLOOR
    language: Language = Language.EN
    nonce: str | None = None
    gate: str = ""


@dataclass(frozen=True)
class Registered:
    """The walk-in's check-in, and the code of the badge made for them."""

    guest_id: int
    badge_code: str
    answer: ScanAnswer


def register_walk_in(event_id: int, walk_in: WalkIn, actor: str) -> Registered:
    """Register the person as a walk-in guest of the event: a confirmed seat (refused when none
    is free or the room is full), checked in, audited.

    Refused, writing nothing, when the event takes no walk-ins or is not open, and for bad input.
    A request whose nonce was seen before gets the first answer again and registers nobody.
    Runs in the caller's transaction (flushes, never commits).
    """
    walk_in = _cleaned(walk_in)
    event = lock_event(event_id)
    if walk_in.nonce:
        prior = db.session.execute(
            sa.select(Scan.result, Scan.guest_id).where(
                Scan.event_id == event_id, Scan.nonce == walk_in.nonce
            )
        ).one_or_none()
        if prior is not None:
            guest = db.session.get(Guest, prior.guest_id) if prior.guest_id else None
            # Only a walk-in's own registration is answered again: a nonce that some other
            # reading used gets no one's badge.
            if guest is None or not guest.walk_in:
                raise NonceUsed()
            code = tokens.badge_code(event_id, guest.id, guest.badge_version)
            return Registered(guest.id, code, ScanAnswer.from_record(prior.result))
    if not event.door_walk_ins:
        raise WalkInsOff()
    # Closed only stops guests' answers; the door still works on the day.
    if event.state not in (EventState.OPEN, EventState.CLOSED):
        raise NotRunning()
    if walk_in.channel not in rsvp.offered_channels(event):
        raise InvalidAnswer(_l("Please choose a listening channel offered at this event."))
    email = _address(event_id, walk_in.email)
    counts = seats.seat_counts(event)
    if occupancy(event).inside >= event.capacity or counts.free + counts.reserved_free <= 0:
        raise WalkInRoomFull()

    now = utcnow()
    guest = Guest(
        event=event,
        email=email,
        name_en=walk_in.name_en,
        name_zh=walk_in.name_zh,
        organization=walk_in.organization,
        category=walk_in.category,
        language=walk_in.language,
        token_version=1,
        badge_version=1,
        invited_at=now,
        walk_in=True,
    )
    db.session.add(guest)
    db.session.flush()
    # An open seat, or one held for the walk-in's category (a VIP who came unannounced); a
    # refusal rolls the caller's transaction back, the guest row with it. In an event whose
    # guests choose sessions: a seat in the session under way, and the sessions after it.
    current, sessions = seats.sessions.at_the_door(event_id, now)
    if current is not None and not seats.sessions.has_seat_in(event, guest, current):
        raise WalkInRoomFull()
    if not seats.has_seat_for(event, guest):
        raise WalkInOnlyHeldSeats()
    audit.record("checkin.walk_in", actor=actor, event_id=event_id, guest_id=guest.id)
    reply = rsvp.RsvpAnswer(attending=True, channel=walk_in.channel, sessions=sessions or None)
    state = rsvp.answer(guest.id, guest.token_version, reply, actor, at_the_door=True)
    assert state.seat == SeatState.CONFIRMED, "a free seat was counted under the event lock"
    code = tokens.badge_code(event_id, guest.id, guest.badge_version)
    entry = ScanRequest(
        code=code, nonce=walk_in.nonce, gate=walk_in.gate, direction=Direction.IN, manual=True
    )
    answer = scan(event_id, entry, actor)
    if answer.verdict != Verdict.OK:
        # Not reached (the room had space under this lock); refused rather than half done.
        raise WalkInRoomFull()
    return Registered(guest.id, code, answer)


def _cleaned(walk_in: WalkIn) -> WalkIn:
    values = {
        "name_en": walk_in.name_en.strip(),
        "name_zh": walk_in.name_zh.strip(),
        "organization": walk_in.organization.strip(),
        "email": walk_in.email.strip(),
    }
    require_name(values["name_en"], values["name_zh"])
    for name, value in values.items():
        limit = column_length(Guest, name)
        if len(value) > limit:
            raise InvalidAnswer(_l("A field is longer than %(limit)s characters."), limit=limit)
    require_one_line(values["name_en"], values["name_zh"], values["organization"])
    if not isinstance(walk_in.category, Category) or not isinstance(walk_in.channel, Channel):
        raise InvalidAnswer(_l("Please choose from the list."))
    if "\x00" in (walk_in.nonce or "") + walk_in.gate:
        raise InvalidAnswer(_l("The scan's nonce or gate contains a NUL character."))
    if (walk_in.nonce and len(walk_in.nonce) > MAX_NONCE) or len(walk_in.gate) > MAX_GATE:
        raise InvalidAnswer(_l("The scan's nonce or gate is too long."))
    return replace(
        walk_in,
        name_en=values["name_en"],
        name_zh=values["name_zh"],
        organization=values["organization"],
        email=values["email"],
    )


def _address(event_id: int, email: str) -> str:
    """The walk-in's address, checked; one in a reserved domain when none was given."""
    if not email:
        return f"walk-in-{secrets.token_hex(8)}@{NO_ADDRESS_DOMAIN}"
    email = normalize_email(email)
    taken = db.session.scalar(
        sa.select(Guest.id).where(Guest.event_id == event_id, Guest.email == email)
    )
    if taken:
        raise InvalidAnswer(
            _l("%(email)s is already on the guest list: find the guest by name."), email=email
        )
    return email
