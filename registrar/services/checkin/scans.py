"""The door's hot path: one scan read, decided and written under the event lock; occupancy."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ... import tokens
from ...errors import DomainError, InvalidAnswer, NotFound
from ...extensions import db
from ...models import (
    AgendaItem,
    CheckIn,
    Direction,
    Event,
    EventState,
    Guest,
    Rsvp,
    Scan,
    Seat,
    SeatHold,
    SeatState,
    SessionSeat,
    Verdict,
    utcnow,
)
from .. import audit, webhooks
from ..locking import lock_event_for_door
from .answers import Occupancy, ScanAnswer, SentDeputy
from .verdict import DoorRead, GuestAtDoor, ScanRequest, SessionAtDoor, decide

MAX_GATE = 64
MAX_NONCE = 64


def occupancy(event: Event) -> Occupancy:
    # Through the session, so that check-ins not yet flushed are counted too.
    inside = db.session.execute(_COUNT_INSIDE, {"event_id": event.id}).scalar_one()
    return Occupancy(inside=inside, capacity=event.capacity)


# The door's hot path reads and writes with these statements, not with model objects: a scan
# is the most frequent request of the day, and loading objects was most of its cost. They are
# made once, from the tables, so that each use is a cache hit and nothing else. (A model's
# __table__ is typed as any FromClause; these are Tables, which can insert and update.)
_CHECK_INS = cast(sa.Table, CheckIn.__table__)
_SCANS = cast(sa.Table, Scan.__table__)
_GUESTS = cast(sa.Table, Guest.__table__)
_RSVPS = cast(sa.Table, Rsvp.__table__)
_SEATS = cast(sa.Table, Seat.__table__)

_COUNT_INSIDE = (
    sa.select(sa.func.count())
    .select_from(_CHECK_INS)
    .where(_CHECK_INS.c.event_id == sa.bindparam("event_id"), _CHECK_INS.c.inside.is_(True))
)
_EVENTS = cast(sa.Table, Event.__table__)
# The seats free for guests, counted only for a guest who never answered (the door may let
# them in, services/checkin/unanswered.py): inside a CASE, so no other scan pays for it.
# The open seats (seats.SeatCounts.free), and the seats left in the holds for this guest, by
# name or category: where seats.has_seat_for would find them.
_TAKEN = _SEATS.alias("taken")
_HOLDS = cast(sa.Table, SeatHold.__table__)
_GUESTS_HOLDS = _HOLDS.alias("guests_holds")
_HOLD_USED = (
    sa.select(sa.func.count())
    .select_from(_TAKEN)
    .where(_TAKEN.c.hold_id == _GUESTS_HOLDS.c.id)
    .scalar_subquery()
)
_SEATS_FREE = sa.case(
    (
        sa.and_(_GUESTS.c.id.is_not(None), _RSVPS.c.attending.is_(None)),
        _EVENTS.c.capacity
        - _EVENTS.c.held_seats
        - sa.select(sa.func.coalesce(sa.func.sum(_HOLDS.c.count), 0))
        .where(_HOLDS.c.event_id == _EVENTS.c.id)
        .scalar_subquery()
        - sa.select(sa.func.count())
        .select_from(_TAKEN)
        .where(
            _TAKEN.c.event_id == _EVENTS.c.id,
            _TAKEN.c.state == SeatState.CONFIRMED,
            _TAKEN.c.hold_id.is_(None),
        )
        .scalar_subquery()
        + sa.select(sa.func.coalesce(sa.func.sum(_GUESTS_HOLDS.c.count - _HOLD_USED), 0))
        .where(
            _GUESTS_HOLDS.c.event_id == _EVENTS.c.id,
            sa.or_(
                _GUESTS_HOLDS.c.guest_id == _GUESTS.c.id,
                _GUESTS_HOLDS.c.category == _GUESTS.c.category,
            ),
            _GUESTS_HOLDS.c.count > _HOLD_USED,
        )
        .scalar_subquery(),
    ),
    else_=0,
).label("seats_free")
# Sessions guests choose (an event with none reads no more than whether it has one, inside the
# statement below; an event with them reads them, with the guest's seat in each, once more).
_AGENDA = cast(sa.Table, AgendaItem.__table__)
_SESSION_SEATS = cast(sa.Table, SessionSeat.__table__)
_HAS_SESSIONS = (
    sa.exists()
    .where(_AGENDA.c.event_id == _EVENTS.c.id, _AGENDA.c.choosable.is_(True))
    .label("has_sessions")
)
_SESSIONS_AT_DOOR = (
    sa.select(
        _AGENDA.c.id,
        _AGENDA.c.title_en,
        _AGENDA.c.title_zh,
        _AGENDA.c.starts_at,
        _AGENDA.c.ends_at,
        _SESSION_SEATS.c.state,
    )
    .select_from(
        _AGENDA.outerjoin(
            _SESSION_SEATS,
            sa.and_(
                _SESSION_SEATS.c.session_id == _AGENDA.c.id,
                _SESSION_SEATS.c.guest_id == sa.bindparam("guest_id"),
            ),
        )
    )
    .where(_AGENDA.c.event_id == sa.bindparam("event_id"), _AGENDA.c.choosable.is_(True))
    .order_by(_AGENDA.c.position)
)
# The guest an accompanying person comes with, named at the door.
_PRINCIPALS = _GUESTS.alias("principals")
# Everything a verdict needs, in one statement: the room's capacity, the answer already given to
# this nonce (a retry), the count inside, and what the door needs of the guest the badge names
# (no guest row when it names nobody of this event).
_AT_DOOR = (
    sa.select(
        _EVENTS.c.capacity,
        _EVENTS.c.state.label("event_state"),
        _EVENTS.c.door_no_answer,
        _EVENTS.c.slug.label("event_slug"),
        _EVENTS.c.webhook_kinds,
        _EVENTS.c.timezone,
        _HAS_SESSIONS,
        _SEATS_FREE,
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
        _SEATS.c.label.label("seat_label"),
        _CHECK_INS.c.id.label("presence_id"),
        _CHECK_INS.c.inside,
        _CHECK_INS.c.first_scan_at,
        _CHECK_INS.c.first_gate,
        _CHECK_INS.c.receiver,
        _CHECK_INS.c.receiver_returned_at,
        _EVENTS.c.companions_take_seats,
        _GUESTS.c.companion_role,
        _PRINCIPALS.c.name_en.label("principal_name_en"),
        _PRINCIPALS.c.name_zh.label("principal_name_zh"),
    )
    .select_from(
        _EVENTS.outerjoin(
            _GUESTS,
            sa.and_(_GUESTS.c.id == sa.bindparam("guest_id"), _GUESTS.c.event_id == _EVENTS.c.id),
        )
        .outerjoin(_RSVPS, _RSVPS.c.guest_id == _GUESTS.c.id)
        .outerjoin(_SEATS, _SEATS.c.guest_id == _GUESTS.c.id)
        .outerjoin(_CHECK_INS, _CHECK_INS.c.guest_id == _GUESTS.c.id)
        .outerjoin(_PRINCIPALS, _PRINCIPALS.c.id == _GUESTS.c.principal_id)
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


# The states of an event whose door lets nobody in.
_NO_ENTRY = frozenset({EventState.CANCELLED, EventState.ARCHIVED})


class EventNotTakingPlace(DomainError):
    """An entry at the door of a cancelled or archived event: no verdict, nothing recorded."""

    status = 409

    def __init__(self, state: str) -> None:
        if state == EventState.CANCELLED:
            super().__init__(
                _l("This event was cancelled: nobody is let in, and nothing was recorded.")
            )
        else:
            super().__init__(
                _l("This event is archived: nobody is let in, and nothing was recorded.")
            )


def scan(event_id: int, request: ScanRequest, actor: str) -> ScanAnswer:
    """Decide, record and return the verdict of one scan, under the event lock.

    A request whose nonce was seen before gets the first answer again and records nothing.
    """
    _check_request(request)
    now = utcnow()
    # The signature is checked before any lock is taken: a forged code costs no waiting.
    claim = _read_code(request.code)
    conn = lock_event_for_door(event_id)
    # Read once, under the event lock: every scan holds it, so the count inside stays true until
    # this transaction ends.
    at_door = (
        conn.execute(
            _AT_DOOR,
            {
                "event_id": event_id,
                "nonce": request.nonce,
                "guest_id": claim.guest_id if claim and claim.event_id == event_id else None,
            },
        )
        .mappings()
        .one_or_none()
    )
    if at_door is None:
        raise NotFound()
    if at_door["prior_answer"] is not None:
        return ScanAnswer.from_record(at_door["prior_answer"])
    if at_door["event_state"] in _NO_ENTRY and request.direction == Direction.IN:
        # Nobody comes in to an event that will not take place; leaving is still recorded, so
        # that the count inside stays true.
        raise EventNotTakingPlace(at_door["event_state"])
    guest_at_door = _guest_at_door(at_door)
    sessions: tuple[SessionAtDoor, ...] = ()
    if at_door["has_sessions"] and guest_at_door is not None:
        sessions = _sessions_at_door(conn, event_id, guest_at_door.id)
    read = DoorRead(
        event_id=event_id,
        capacity=at_door["capacity"],
        inside=at_door["inside_now"],
        now=now,
        claim=claim,
        guest=guest_at_door,
        no_answer_policy=at_door["door_no_answer"],
        seats_free=at_door["seats_free"],
        sessions=sessions,
    )
    decision = decide(read, request)
    guest = decision.guest
    guest_id = guest.id if guest else None
    answer = ScanAnswer.of(
        decision,
        request,
        Occupancy(read.inside + decision.moved, read.capacity),
        at_door["timezone"],
    )
    if decision.verdict == Verdict.REVOKED and guest_id is not None:
        answer = replace(answer, deputy=_deputy_of(conn, guest_id))

    if decision.supersedes_entry_at is not None:
        assert guest_id is not None, "only a guest's entry supersedes another"
        _mark_entry_duplicate(conn, guest_id, decision.supersedes_entry_at)
    if decision.presence is not None and not decision.new_presence:
        conn.execute(_UPDATE_PRESENCE, {"presence_id": at_door["presence_id"], **decision.presence})
    record = {
        "event_id": event_id,
        "guest_id": guest_id,
        "nonce": request.nonce or None,
        # Kept as read, for the record, with what no database column can hold replaced.
        "code": (request.code or "")[:100].replace("\x00", "\ufffd"),
        "gate": request.gate,
        "direction": Direction(request.direction),
        "verdict": decision.verdict,
        "scanned_at": decision.scanned_at,
        "recorded_at": now,
        "offline": request.offline,
        "manual": request.manual,
        "override": decision.override,
        "duplicate": decision.duplicate,
        "actor": actor,
        "session_id": decision.session_id,
        "result": answer.as_record(),
    }
    if not decision.new_presence:
        conn.execute(_INSERT_SCAN, record)
    else:
        assert guest is not None and decision.presence is not None, "a guest's first entry"
        presence = {
            "event_id": event_id,
            "guest_id": guest_id,
            "receiver": "",
            "receiver_returned_at": None,
            **decision.presence,
        }
        if conn.dialect.name == "postgresql":
            named = {f"presence_{key}": value for key, value in presence.items()}
            conn.execute(_INSERT_SCAN_AND_PRESENCE, record | named)
        else:
            conn.execute(_INSERT_CHECK_IN, presence)
            conn.execute(_INSERT_SCAN, record)
        subject = webhooks.EventRow(event_id, at_door["event_slug"], at_door["webhook_kinds"])
        webhooks.checked_in(subject, guest, request.gate, decision.scanned_at, request.manual)
    # A door lead's let-in is audited by its service, with the reason.
    if decision.override and not request.let_in:
        audit.record("checkin.override", actor=actor, event_id=event_id, guest_id=guest_id)
    if request.manual and not request.let_in:
        audit.record(
            "checkin.manual",
            actor=actor,
            event_id=event_id,
            guest_id=guest_id,
            verdict=decision.verdict,
        )
    return answer


class NonceUsed(DomainError):
    status = 409
    default_message = _l(
        "This reading's number was already used by another reading at this event. "
        "Nothing was registered: send the form again."
    )


def earlier_answer(event_id: int, nonce: str | None, guest_id: int) -> ScanAnswer | None:
    """The first answer to a door action on this guest sent with this nonce (a retry gets it
    again and records nothing); None when the nonce is new. A nonce another guest's reading
    used is refused: its answer is not this guest's to give."""
    if not nonce:
        return None
    prior = db.session.execute(
        sa.select(Scan.result, Scan.guest_id).where(Scan.event_id == event_id, Scan.nonce == nonce)
    ).one_or_none()
    if prior is None:
        return None
    if prior.guest_id != guest_id:
        raise NonceUsed()
    return ScanAnswer.from_record(prior.result)


def _check_request(request: ScanRequest) -> None:
    if "\x00" in (request.nonce or "") + request.gate:
        raise InvalidAnswer(_l("The scan's nonce or gate contains a NUL character."))
    if request.nonce is not None and len(request.nonce) > MAX_NONCE:
        raise InvalidAnswer(_l("The scan's nonce is too long."))
    if len(request.gate) > MAX_GATE:
        raise InvalidAnswer(_l("The gate name is too long."))


def _read_code(code: str) -> tokens.BadgeClaim | None:
    """The claim of a genuine badge (of any event), or None for anything else."""
    try:
        return tokens.read_badge_code(code)
    except tokens.InvalidToken:
        return None


def _guest_at_door(at_door: sa.RowMapping) -> GuestAtDoor | None:
    if at_door["id"] is None:
        return None
    seat = at_door["seat_state"]
    companion = at_door["companion_role"] is not None
    if companion and seat is None and not at_door["companions_take_seats"]:
        # Where the event does not seat accompanying persons, they come in with no seat.
        seat = SeatState.CONFIRMED
    return GuestAtDoor(
        id=at_door["id"],
        name_en=at_door["name_en"],
        name_zh=at_door["name_zh"],
        organization=at_door["organization"],
        category=at_door["category"],
        badge_version=at_door["badge_version"],
        revoked=at_door["revoked_at"] is not None,
        attending=at_door["attending"],
        channel=at_door["channel"],
        seat=seat,
        has_presence=at_door["presence_id"] is not None,
        inside=bool(at_door["inside"]),
        first_scan_at=at_door["first_scan_at"],
        first_gate=at_door["first_gate"],
        receiver=at_door["receiver"] or "",
        receiver_returned=at_door["receiver_returned_at"] is not None,
        seat_label=at_door["seat_label"] or "",
        companion_role=at_door["companion_role"],
        principal_name_en=at_door["principal_name_en"] or "",
        principal_name_zh=at_door["principal_name_zh"] or "",
    )


def _sessions_at_door(
    conn: sa.Connection, event_id: int, guest_id: int
) -> tuple[SessionAtDoor, ...]:
    rows = conn.execute(_SESSIONS_AT_DOOR, {"event_id": event_id, "guest_id": guest_id})
    return tuple(
        SessionAtDoor(
            id=row.id,
            title_en=row.title_en,
            title_zh=row.title_zh,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            seat=None if row.state is None else SeatState(row.state),
        )
        for row in rows
    )


def _deputy_of(conn: sa.Connection, guest_id: int) -> SentDeputy | None:
    """The deputy the guest sent, if they did (read only for a refused badge: off the hot path)."""
    row = conn.execute(
        sa.select(_GUESTS.c.name_en, _GUESTS.c.name_zh)
        .where(_GUESTS.c.deputy_for_id == guest_id)
        .order_by(_GUESTS.c.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else SentDeputy(row.name_en, row.name_zh)


def _mark_entry_duplicate(conn: sa.Connection, guest_id: int, at: datetime) -> None:
    entry = conn.execute(_EARLIER_ENTRY, {"guest_id": guest_id, "at": at}).scalar_one_or_none()
    if entry is not None:
        conn.execute(_MARK_DUPLICATE, {"scan_id": entry})


def check_in_by_name(event_id: int, guest_id: int, request: ScanRequest, actor: str) -> ScanAnswer:
    """A manual check-in of a guest found by name (lost badge): audited, same rules.

    A check-in queued while the door was offline keeps the time it was made.
    """
    guest = db.session.get(Guest, guest_id)
    if guest is None or guest.event_id != event_id:
        raise NotFound()
    code = tokens.badge_code(event_id, guest.id, guest.badge_version)
    return scan(event_id, replace(request, code=code, manual=True), actor)
