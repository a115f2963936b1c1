"""The door: one verdict per scan, every scan kept, occupancy and receivers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from .. import tokens
from ..errors import InvalidAnswer, NotFound
from ..extensions import db
from ..models import (
    CheckIn,
    Direction,
    Event,
    Guest,
    Scan,
    SeatState,
    Verdict,
    utcnow,
)
from . import audit
from .locking import lock_event

# A scanner's clock may be off; a scan "from the future" is taken as made now.
CLOCK_SKEW = timedelta(minutes=5)
MAX_GATE = 64
MAX_NONCE = 64
MAX_RECEIVER = 32
# A search reads this much of what was typed, and answers with at most this many guests.
MAX_QUERY = 100
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class ScanRequest:
    code: str
    nonce: str | None = None
    gate: str = ""
    direction: Direction = Direction.IN
    # When the badge was read; given by scanners that queued the scan while offline.
    scanned_at: datetime | None = None
    offline: bool = False
    override: bool = False
    manual: bool = False


@dataclass(frozen=True)
class Occupancy:
    inside: int
    capacity: int


def occupancy(event: Event) -> Occupancy:
    inside = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CheckIn)
        .where(CheckIn.event_id == event.id, CheckIn.inside.is_(True))
    )
    return Occupancy(inside=inside, capacity=event.capacity)


def scan(event_id: int, request: ScanRequest, actor: str) -> dict:
    """Decide, record and return the verdict of one scan, under the event lock.

    A request whose nonce was seen before gets the first answer again and records nothing.
    """
    _check_request(request)
    now = utcnow()
    scanned_at = request.scanned_at or now
    if scanned_at > now + CLOCK_SKEW:
        scanned_at = now

    event = lock_event(event_id)
    if request.nonce:
        prior = db.session.scalar(
            sa.select(Scan).where(Scan.event_id == event.id, Scan.nonce == request.nonce)
        )
        if prior is not None:
            return {**prior.result, "replayed": True}

    # Counted once, before anything changes: every scan holds the event lock, so the count
    # stays true until this transaction ends, and the scan's own move is added to it below.
    inside = occupancy(event).inside
    guest, verdict = _identify(event, request.code)
    duplicate = False
    first_scan = None
    if guest is not None and Direction(request.direction) == Direction.OUT:
        # Anyone we know may leave, a revoked guest too, so that occupancy stays true.
        verdict, moved = _exit(guest, scanned_at)
        inside += moved
    elif guest is not None and verdict is None:
        verdict, duplicate, first_scan, moved = _enter(event, guest, request, scanned_at, inside)
        inside += moved

    record = Scan(
        event_id=event.id,
        guest_id=guest.id if guest else None,
        nonce=request.nonce or None,
        # Kept as read, for the record, with what no database column can hold replaced.
        code=(request.code or "")[:100].replace("\x00", "\ufffd"),
        gate=request.gate,
        direction=Direction(request.direction),
        verdict=verdict,
        scanned_at=scanned_at,
        recorded_at=now,
        offline=request.offline,
        manual=request.manual,
        override=request.override and verdict == Verdict.OK,
        duplicate=duplicate,
        actor=actor,
    )
    record.result = _result(event, record, guest, first_scan, inside)
    db.session.add(record)
    if record.override:
        audit.record("checkin.override", actor=actor, event_id=event.id, guest_id=guest.id)
    if request.manual:
        audit.record(
            "checkin.manual", actor=actor, event_id=event.id, guest_id=guest.id, verdict=verdict
        )
    db.session.flush()
    return {**record.result, "replayed": False}


def _check_request(request: ScanRequest) -> None:
    if "\x00" in (request.nonce or "") + request.gate:
        raise InvalidAnswer(_l("The scan's nonce or gate contains a NUL character."))
    if request.nonce is not None and len(request.nonce) > MAX_NONCE:
        raise InvalidAnswer(_l("The scan's nonce is too long."))
    if len(request.gate) > MAX_GATE:
        raise InvalidAnswer(_l("The gate name is too long."))


def _identify(event: Event, code: str) -> tuple[Guest | None, Verdict | None]:
    """The guest a code names, or the verdict that ends the scan here."""
    try:
        claim = tokens.read_badge_code(code)
    except tokens.InvalidToken:
        return None, Verdict.INVALID
    if claim.event_id != event.id:
        # A real badge, but not for this event: say so without naming its holder.
        return None, Verdict.WRONG_EVENT
    # The answer, seat and presence are all needed for the verdict: one query, not four.
    guest = db.session.get(
        Guest,
        claim.guest_id,
        options=[joinedload(Guest.rsvp), joinedload(Guest.seat), joinedload(Guest.check_in)],
    )
    if guest is None or guest.event_id != event.id:
        return None, Verdict.INVALID
    if guest.is_revoked or claim.version != guest.badge_version:
        return guest, Verdict.REVOKED
    return guest, None


def _enter(event: Event, guest: Guest, request: ScanRequest, scanned_at: datetime, inside: int):
    """(verdict, duplicate, first scan shown, change to the count inside) for an entry by a
    guest with a valid badge, `inside` being the count before this scan."""
    answer, seat = guest.rsvp, guest.seat
    if answer is None or not answer.attending or seat is None:
        return Verdict.DECLINED, False, None, 0
    if seat.state == SeatState.WAITLISTED:
        return Verdict.WAITLISTED, False, None, 0

    presence = guest.check_in
    if presence is not None and presence.inside:
        if request.offline and scanned_at < presence.first_scan_at:
            # Two doors read this badge; the one that read it first wins, even if it synced
            # later. The entry recorded so far becomes the duplicate.
            _mark_earlier_entry_duplicate(guest, presence.first_scan_at)
            presence.first_scan_at = scanned_at
            presence.first_gate = request.gate
            return Verdict.OK, False, None, 0
        first = {"at": presence.first_scan_at.isoformat(), "gate": presence.first_gate}
        return Verdict.ALREADY_CHECKED_IN, request.offline, first, 0

    if inside >= event.capacity and not request.override:
        return Verdict.ROOM_FULL, False, None, 0
    if presence is None:
        guest.check_in = CheckIn(
            event_id=event.id,
            first_scan_at=scanned_at,
            first_gate=request.gate,
            inside=True,
            changed_at=scanned_at,
        )
    else:
        # Back in after an exit scan.
        presence.inside = True
        presence.changed_at = scanned_at
    return Verdict.OK, False, None, 1


def _mark_earlier_entry_duplicate(guest: Guest, first_scan_at: datetime) -> None:
    entry = db.session.scalar(
        sa.select(Scan)
        .where(
            Scan.guest_id == guest.id,
            Scan.direction == Direction.IN,
            Scan.verdict == Verdict.OK,
            Scan.scanned_at == first_scan_at,
        )
        .order_by(Scan.id)
        .limit(1)
    )
    if entry is not None:
        entry.duplicate = True


def _exit(guest: Guest, scanned_at: datetime) -> tuple[Verdict, int]:
    """(verdict, change to the count inside) for an exit."""
    presence = guest.check_in
    if presence is not None and presence.inside:
        presence.inside = False
        presence.changed_at = scanned_at
        return Verdict.OK, -1
    return Verdict.OK, 0


def _result(
    event: Event, record: Scan, guest: Guest | None, first_scan: dict | None, inside: int
) -> dict:
    """The answer to the scanner: JSON-ready, kept with the scan for retries."""
    shown_guest = None
    if guest is not None and record.verdict != Verdict.INVALID:
        answer = guest.rsvp
        shown_guest = {
            "id": guest.id,
            "name_en": guest.name_en,
            "name_zh": guest.name_zh,
            "organization": guest.organization,
            "category": guest.category.value,
            "channel": answer.channel.value if answer and answer.channel else None,
            # `or ""`: a CheckIn made in this transaction has no column defaults filled in yet.
            "receiver": (guest.check_in.receiver or "") if guest.check_in else "",
            # The scanner offers "receiver returned" at the exit only while one is out.
            "receiver_returned": bool(guest.check_in and guest.check_in.receiver_returned_at),
        }
    return {
        "verdict": record.verdict.value,
        "direction": record.direction.value,
        "nonce": record.nonce,
        "gate": record.gate,
        "scanned_at": record.scanned_at.isoformat(),
        "offline": record.offline,
        "duplicate": record.duplicate,
        "override": record.override,
        "guest": shown_guest,
        "first_scan": first_scan,
        "occupancy": {"inside": inside, "capacity": event.capacity},
    }


def check_in_by_name(event_id: int, guest_id: int, request: ScanRequest, actor: str) -> dict:
    """A manual check-in of a guest found by name (lost badge): audited, same rules."""
    guest = db.session.get(Guest, guest_id)
    if guest is None or guest.event_id != event_id:
        raise NotFound()
    code = tokens.badge_code(event_id, guest.id, guest.badge_version)
    return scan(
        event_id,
        ScanRequest(
            code=code,
            nonce=request.nonce,
            gate=request.gate,
            direction=request.direction,
            # A check-in queued while the door was offline keeps the time it was made.
            scanned_at=request.scanned_at,
            offline=request.offline,
            override=request.override,
            manual=True,
        ),
        actor,
    )


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


def search_guests(event_id: int, query: str, limit: int = SEARCH_LIMIT) -> list[Guest]:
    """Guests whose name (either script), organization or e-mail contains the query."""
    query = query[:MAX_QUERY].strip()
    if not query:
        return []
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    fields = (Guest.name_en, Guest.name_zh, Guest.organization, Guest.email)
    return list(
        db.session.scalars(
            sa.select(Guest)
            .where(
                Guest.event_id == event_id,
                sa.or_(*(f.ilike(pattern, escape="\\") for f in fields)),
            )
            .order_by(Guest.name_en, Guest.name_zh)
            .limit(limit)
            .options(
                selectinload(Guest.rsvp), selectinload(Guest.seat), selectinload(Guest.check_in)
            )
        )
    )
