"""The door: one verdict per scan, every scan kept, occupancy and receivers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from .. import tokens
from ..errors import InvalidAnswer, NotFound
from ..extensions import db
from ..models import (
    Category,
    Channel,
    CheckIn,
    Direction,
    Event,
    Guest,
    Rsvp,
    Scan,
    Seat,
    SeatState,
    Verdict,
    utcnow,
)
from . import audit
from .locking import lock_event, lock_event_for_door

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
    # Through the session, so that check-ins not yet flushed are counted too.
    inside = db.session.scalar(_COUNT_INSIDE, {"event_id": event.id})
    return Occupancy(inside=inside, capacity=event.capacity)


# The door's hot path reads and writes with these statements, not with model objects: a scan
# is the most frequent request of the day, and loading objects was most of its cost. They are
# made once, from the tables, so that each use is a cache hit and nothing else.
_CHECK_INS = CheckIn.__table__
_SCANS = Scan.__table__
_GUESTS = Guest.__table__
_RSVPS = Rsvp.__table__
_SEATS = Seat.__table__

_COUNT_INSIDE = (
    sa.select(sa.func.count())
    .select_from(_CHECK_INS)
    .where(_CHECK_INS.c.event_id == sa.bindparam("event_id"), _CHECK_INS.c.inside.is_(True))
)
_EVENTS = Event.__table__
# Everything a verdict needs, in one statement: the room's capacity, the answer already given to
# this nonce (a retry), the count inside, and what the door needs of the guest the badge names
# (no guest row when it names nobody of this event).
_AT_DOOR = (
    sa.select(
        _EVENTS.c.capacity,
        sa.select(_SCANS.c.result)
        .where(_SCANS.c.event_id == _EVENTS.c.id, _SCANS.c.nonce == sa.bindparam("nonce"))
        .scalar_subquery()
        .label("prior_answer"),
        _COUNT_INSIDE.correlate(None).scalar_subquery().label("inside_now"),
        _GUESTS.c.id,
        _GUESTS.c.name_en,
        _GUESTS.c.name_zh,
        _GUESTS.c.organization,
        _GUESTS.c.category,
        _GUESTS.c.badge_version,
        _GUESTS.c.revoked_at,
        _RSVPS.c.attending,
        _RSVPS.c.channel,
        _SEATS.c.state.label("seat_state"),
        _CHECK_INS.c.id.label("presence_id"),
        _CHECK_INS.c.inside,
        _CHECK_INS.c.first_scan_at,
        _CHECK_INS.c.first_gate,
        _CHECK_INS.c.receiver,
        _CHECK_INS.c.receiver_returned_at,
    )
    .select_from(
        _EVENTS.outerjoin(
            _GUESTS,
            sa.and_(_GUESTS.c.id == sa.bindparam("guest_id"), _GUESTS.c.event_id == _EVENTS.c.id),
        )
        .outerjoin(_RSVPS, _RSVPS.c.guest_id == _GUESTS.c.id)
        .outerjoin(_SEATS, _SEATS.c.guest_id == _GUESTS.c.id)
        .outerjoin(_CHECK_INS, _CHECK_INS.c.guest_id == _GUESTS.c.id)
    )
    .where(_EVENTS.c.id == sa.bindparam("event_id"))
)
_EARLIER_ENTRY = (
    sa.select(_SCANS.c.id)
    .where(
        _SCANS.c.guest_id == sa.bindparam("guest_id"),
        _SCANS.c.direction == Direction.IN,
        _SCANS.c.verdict == Verdict.OK,
        _SCANS.c.scanned_at == sa.bindparam("at"),
    )
    .order_by(_SCANS.c.id)
    .limit(1)
)
_INSERT_SCAN = _SCANS.insert()
_INSERT_CHECK_IN = _CHECK_INS.insert()
# A first entry writes its scan and the guest's presence; PostgreSQL takes both in one statement
# (an INSERT in a WITH clause), which saves a round trip while the event lock is held. The
# presence's parameters are named "presence_<column>".
_PRESENCE_COLUMNS = [c for c in _CHECK_INS.c if not c.primary_key]
_SCAN_COLUMNS = [c for c in _SCANS.c if not c.primary_key]
_INSERT_SCAN_AND_PRESENCE = (
    _SCANS.insert()
    .values({c.name: sa.bindparam(c.name, type_=c.type) for c in _SCAN_COLUMNS})
    .add_cte(
        _CHECK_INS.insert()
        .values(
            {c.name: sa.bindparam(f"presence_{c.name}", type_=c.type) for c in _PRESENCE_COLUMNS}
        )
        .cte("new_presence")
    )
)
# The columns set are the other keys of the parameters.
_UPDATE_PRESENCE = _CHECK_INS.update().where(_CHECK_INS.c.id == sa.bindparam("presence_id"))
_MARK_DUPLICATE = (
    _SCANS.update().where(_SCANS.c.id == sa.bindparam("scan_id")).values(duplicate=True)
)


def scan(event_id: int, request: ScanRequest, actor: str) -> dict:
    """Decide, record and return the verdict of one scan, under the event lock.

    A request whose nonce was seen before gets the first answer again and records nothing.
    """
    _check_request(request)
    now = utcnow()
    scanned_at = request.scanned_at or now
    if scanned_at > now + CLOCK_SKEW:
        scanned_at = now
    # The signature is checked before any lock is taken: a forged code costs no waiting.
    claim, verdict = _read_code(event_id, request.code)

    conn = lock_event_for_door(event_id)
    # Read once, under the event lock: every scan holds it, so the count inside stays true until
    # this transaction ends, and the scan's own move is added to it below.
    at_door = (
        conn.execute(
            _AT_DOOR,
            {
                "event_id": event_id,
                "nonce": request.nonce,
                "guest_id": claim.guest_id if claim else None,
            },
        )
        .mappings()
        .one_or_none()
    )
    if at_door is None:
        raise NotFound()
    if at_door["prior_answer"] is not None:
        return {**at_door["prior_answer"], "replayed": True}
    capacity, inside = at_door["capacity"], at_door["inside_now"]
    guest = None
    if claim is not None:
        guest, verdict = _identify(at_door, claim)
    entry = _Entry(verdict=verdict)
    if guest is not None and Direction(request.direction) == Direction.OUT:
        # Anyone we know may leave, a revoked guest too, so that occupancy stays true.
        entry = _exit(conn, guest, scanned_at)
    elif guest is not None and verdict is None:
        entry = _enter(conn, event_id, capacity, guest, request, scanned_at, inside)
    inside += entry.moved

    record = {
        "event_id": event_id,
        "guest_id": guest["id"] if guest else None,
        "nonce": request.nonce or None,
        # Kept as read, for the record, with what no database column can hold replaced.
        "code": (request.code or "")[:100].replace("\x00", "\ufffd"),
        "gate": request.gate,
        "direction": Direction(request.direction),
        "verdict": entry.verdict,
        "scanned_at": scanned_at,
        "recorded_at": now,
        "offline": request.offline,
        "manual": request.manual,
        "override": request.override and entry.verdict == Verdict.OK,
        "duplicate": entry.duplicate,
        "actor": actor,
    }
    record["result"] = _result(record, guest, entry.first_scan, inside, capacity)
    if entry.new_presence is None:
        conn.execute(_INSERT_SCAN, record)
    elif conn.dialect.name == "postgresql":
        presence = {f"presence_{key}": value for key, value in entry.new_presence.items()}
        conn.execute(_INSERT_SCAN_AND_PRESENCE, record | presence)
    else:
        conn.execute(_INSERT_CHECK_IN, entry.new_presence)
        conn.execute(_INSERT_SCAN, record)
    if record["override"]:
        audit.record("checkin.override", actor=actor, event_id=event_id, guest_id=guest["id"])
    if request.manual:
        audit.record(
            "checkin.manual",
            actor=actor,
            event_id=event_id,
            guest_id=guest["id"],
            verdict=entry.verdict,
        )
    return {**record["result"], "replayed": False}


@dataclass(frozen=True)
class _Entry:
    """What a scan decided: its verdict, whether it is a duplicate of another door's, the first
    entry to show, the change to the count inside, and the guest's presence to write when this
    is their first entry (written with the scan)."""

    verdict: Verdict | None
    duplicate: bool = False
    first_scan: dict | None = None
    moved: int = 0
    new_presence: dict | None = None


def _check_request(request: ScanRequest) -> None:
    if "\x00" in (request.nonce or "") + request.gate:
        raise InvalidAnswer(_l("The scan's nonce or gate contains a NUL character."))
    if request.nonce is not None and len(request.nonce) > MAX_NONCE:
        raise InvalidAnswer(_l("The scan's nonce is too long."))
    if len(request.gate) > MAX_GATE:
        raise InvalidAnswer(_l("The gate name is too long."))


def _read_code(event_id: int, code: str) -> tuple[tokens.BadgeClaim | None, Verdict | None]:
    """The claim of a genuine badge of this event, or the verdict that ends the scan here."""
    try:
        claim = tokens.read_badge_code(code)
    except tokens.InvalidToken:
        return None, Verdict.INVALID
    if claim.event_id != event_id:
        # A real badge, but not for this event: say so without naming its holder.
        return None, Verdict.WRONG_EVENT
    return claim, None


def _identify(
    at_door: sa.RowMapping, claim: tokens.BadgeClaim
) -> tuple[dict | None, Verdict | None]:
    """The guest (as a dict of what the door needs) a genuine code names, and the verdict when
    the badge alone decides it."""
    if at_door["id"] is None:
        return None, Verdict.INVALID
    guest = dict(at_door)
    if guest["revoked_at"] is not None or claim.version != guest["badge_version"]:
        return guest, Verdict.REVOKED
    return guest, None


def _enter(
    conn: sa.Connection,
    event_id: int,
    capacity: int,
    guest: dict,
    request: ScanRequest,
    scanned_at: datetime,
    inside: int,
) -> _Entry:
    """An entry by a guest with a valid badge, `inside` being the count before this scan."""
    if not guest["attending"] or guest["seat_state"] is None:
        return _Entry(Verdict.DECLINED)
    if guest["seat_state"] == SeatState.WAITLISTED:
        return _Entry(Verdict.WAITLISTED)

    if guest["inside"]:
        if request.offline and scanned_at < guest["first_scan_at"]:
            # Two doors read this badge; the one that read it first wins, even if it synced
            # later. The entry recorded so far becomes the duplicate.
            _mark_earlier_entry_duplicate(conn, guest["id"], guest["first_scan_at"])
            _update_presence(conn, guest, first_scan_at=scanned_at, first_gate=request.gate)
            return _Entry(Verdict.OK)
        first = {"at": guest["first_scan_at"].isoformat(), "gate": guest["first_gate"]}
        return _Entry(Verdict.ALREADY_CHECKED_IN, duplicate=request.offline, first_scan=first)

    if inside >= capacity and not request.override:
        return _Entry(Verdict.ROOM_FULL)
    if guest["presence_id"] is None:
        presence = {
            "event_id": event_id,
            "guest_id": guest["id"],
            "first_scan_at": scanned_at,
            "first_gate": request.gate,
            "inside": True,
            "changed_at": scanned_at,
            "receiver": "",
            "receiver_returned_at": None,
        }
        guest.update(presence, presence_id=True)
        return _Entry(Verdict.OK, moved=1, new_presence=presence)
    # Back in after an exit scan.
    _update_presence(conn, guest, inside=True, changed_at=scanned_at)
    return _Entry(Verdict.OK, moved=1)


def _update_presence(conn: sa.Connection, guest: dict, **values) -> None:
    conn.execute(_UPDATE_PRESENCE, {"presence_id": guest["presence_id"], **values})
    guest.update(values)


def _mark_earlier_entry_duplicate(conn: sa.Connection, guest_id: int, at: datetime) -> None:
    entry = conn.execute(_EARLIER_ENTRY, {"guest_id": guest_id, "at": at}).scalar_one_or_none()
    if entry is not None:
        conn.execute(_MARK_DUPLICATE, {"scan_id": entry})


def _exit(conn: sa.Connection, guest: dict, scanned_at: datetime) -> _Entry:
    if guest["inside"]:
        _update_presence(conn, guest, inside=False, changed_at=scanned_at)
        return _Entry(Verdict.OK, moved=-1)
    return _Entry(Verdict.OK)


def _result(
    record: dict, guest: dict | None, first_scan: dict | None, inside: int, capacity: int
) -> dict:
    """The answer to the scanner: JSON-ready, kept with the scan for retries."""
    shown_guest = None
    if guest is not None and record["verdict"] != Verdict.INVALID:
        shown_guest = {
            "id": guest["id"],
            "name_en": guest["name_en"],
            "name_zh": guest["name_zh"],
            "organization": guest["organization"],
            "category": Category(guest["category"]).value,
            "channel": Channel(guest["channel"]).value if guest["channel"] else None,
            "receiver": guest["receiver"] or "",
            # The scanner offers "receiver returned" at the exit only while one is out.
            "receiver_returned": bool(guest["receiver_returned_at"]),
        }
    return {
        "verdict": record["verdict"].value,
        "direction": record["direction"].value,
        "nonce": record["nonce"],
        "gate": record["gate"],
        "scanned_at": record["scanned_at"].isoformat(),
        "offline": record["offline"],
        "duplicate": record["duplicate"],
        "override": record["override"],
        "guest": shown_guest,
        "first_scan": first_scan,
        "occupancy": {"inside": inside, "capacity": capacity},
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
