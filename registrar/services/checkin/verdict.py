"""The door's verdict: a pure function of what the door read and what the scanner asked."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from ...models import Category, Channel, CompanionRole, Direction, DoorNoAnswer, SeatState, Verdict
from ...tokens import BadgeClaim
from ..seats.sessions import BEFORE_START

# A scanner's clock may be off; a scan "from the future" is taken as made now.
CLOCK_SKEW = timedelta(minutes=5)


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
    # A door lead lets the guest in whatever the door would say (services/checkin/let_in.py,
    # which first gives the guest a seat): only a code that is not ours or not this event's,
    # and a full room without `override`, are still refused.
    let_in: bool = False


@dataclass(frozen=True)
class GuestAtDoor:
    """What the door reads of the guest a badge names: who they are, their answer, their seat,
    and their presence (`has_presence` false: never let in, and the presence fields are empty)."""

    id: int
    name_en: str
    name_zh: str
    organization: str
    category: Category
    badge_version: int
    revoked: bool
    # None: never answered.
    attending: bool | None
    channel: Channel | None
    seat: SeatState | None
    has_presence: bool = False
    inside: bool = False
    first_scan_at: datetime | None = None
    first_gate: str | None = None
    receiver: str = ""
    receiver_returned: bool = False
    # The reserved seat given to the guest (services/seating/), "" when none.
    seat_label: str = ""
    # For an accompanying person: their role and the guest they come with.
    companion_role: CompanionRole | None = None
    principal_name_en: str = ""
    principal_name_zh: str = ""


@dataclass(frozen=True)
class SessionAtDoor:
    """A session guests choose, in an event that has them, and the guest's seat in it (None:
    not chosen). Read only for such an event, and only for a guest of it."""

    id: int
    title_en: str
    title_zh: str
    starts_at: datetime
    ends_at: datetime
    seat: SeatState | None = None


def session_at(sessions: tuple[SessionAtDoor, ...], moment: datetime) -> SessionAtDoor | None:
    """As seats.sessions.session_at: the session under way at `moment`, or else the next one
    to start within BEFORE_START; None outside every session."""
    for item in sorted(sessions, key=lambda s: s.starts_at):
        if item.starts_at - BEFORE_START <= moment < item.ends_at:
            return item
    return None


@dataclass(frozen=True)
class DoorRead:
    """Everything a verdict depends on, read in one statement under the event lock."""

    event_id: int
    capacity: int
    # How many are inside before this scan.
    inside: int
    # The server's clock at the door.
    now: datetime
    # What a genuine badge says; None: not a code of ours (bad signature, garbage, truncated).
    claim: BadgeClaim | None
    # The guest of this event the claim names; None: nobody (or the claim is for another event).
    guest: GuestAtDoor | None
    # What the event lets the door do with a guest who never answered, and how many seats are
    # free for one (capacity less held less confirmed; read only for such a guest).
    no_answer_policy: DoorNoAnswer = DoorNoAnswer.DESK
    seats_free: int = 0
    # In an event whose guests choose sessions: every such session, with the guest's seat in
    # it (empty for any other event).
    sessions: tuple[SessionAtDoor, ...] = ()


@dataclass(frozen=True)
class NoAnswerAtDoor:
    """What the door may do with a guest who never answered, told with a `no_answer`."""

    policy: DoorNoAnswer
    # A seat is free and the room has space: with `let_in`, the door may let them in now.
    seat_free: bool


@dataclass(frozen=True)
class FirstScan:
    """Where and when a guest was first let in, shown to an `already_checked_in`."""

    at: datetime
    gate: str


@dataclass(frozen=True)
class Decision:
    """A scan's verdict and what it writes besides the scan itself.

    `presence` holds the columns of the guest's presence to set: on a new row when
    `new_presence` (their first entry), else on their own. `supersedes_entry_at` names the
    recorded entry this earlier reading from an offline door turns into a duplicate.
    """

    verdict: Verdict
    scanned_at: datetime
    # Who the scan is of, kept and shown; None when the code names nobody of this event.
    guest: GuestAtDoor | None = None
    _: KW_ONLY
    duplicate: bool = False
    # Let in by an organizer's override (whether or not the room was full); never an exit.
    override: bool = False
    first_scan: FirstScan | None = None
    # Only with a `no_answer`: what the door may do with the guest.
    no_answer: NoAnswerAtDoor | None = None
    # The change to the count inside: +1, -1 or 0.
    moved: int = 0
    presence: dict[str, Any] | None = None
    new_presence: bool = False
    supersedes_entry_at: datetime | None = None
    # The session an entry counts for (an event whose guests choose sessions; None otherwise,
    # and outside every session).
    session_id: int | None = None
    # Only with `other_session`: the sessions the guest is confirmed for.
    confirmed_sessions: tuple[SessionAtDoor, ...] = ()


def scan_moment(request: ScanRequest, now: datetime) -> datetime:
    """When the scan is taken to have happened: as the scanner says, unless that is ahead."""
    scanned_at = request.scanned_at or now
    return now if scanned_at > now + CLOCK_SKEW else scanned_at


def decide(read: DoorRead, request: ScanRequest) -> Decision:
    """The verdict of one scan, and what it writes. No I/O: the caller reads and writes."""
    decision = _decide(read, request)
    if read.sessions and decision.guest is not None and request.direction == Direction.IN:
        current = session_at(read.sessions, decision.scanned_at)
        if current is not None:
            return replace(decision, session_id=current.id)
    return decision


def _decide(read: DoorRead, request: ScanRequest) -> Decision:
    at = scan_moment(request, read.now)
    if read.claim is None:
        return Decision(Verdict.INVALID, at)
    if read.claim.event_id != read.event_id:
        # A real badge, but not for this event: say so without naming its holder.
        return Decision(Verdict.WRONG_EVENT, at)
    guest = read.guest
    if guest is None:
        # Signed by us, yet it names nobody of this event.
        return Decision(Verdict.INVALID, at)
    if request.direction == Direction.OUT:
        # Anyone we know may leave, a revoked guest too, so that occupancy stays true.
        if guest.inside:
            return Decision(
                Verdict.OK, at, guest, moved=-1, presence={"inside": False, "changed_at": at}
            )
        return Decision(Verdict.OK, at, guest)
    if request.let_in:
        return _let_in(read, request, guest, at)
    if guest.revoked or read.claim.version != guest.badge_version:
        return Decision(Verdict.REVOKED, at, guest)
    return _enter(read, request, guest, at)


def _let_in(read: DoorRead, request: ScanRequest, guest: GuestAtDoor, at: datetime) -> Decision:
    """A door lead's let-in: an entry whatever the guest's answer, seat or badge say."""
    if guest.inside:
        # Taken for inside (an exit not scanned, a badge read by someone else): the lead's
        # entry is recorded, the count inside stays as it is.
        return Decision(Verdict.OK, at, guest, override=True)
    if read.inside >= read.capacity and not request.override:
        return Decision(Verdict.ROOM_FULL, at, guest)
    return _admit(request, guest, at, override=True)


def _enter(read: DoorRead, request: ScanRequest, guest: GuestAtDoor, at: datetime) -> Decision:
    """An entry by a guest with a valid badge."""
    if guest.attending is None:
        # Never answered: not a "no". The event says whether the door may let them in.
        seat_free = read.seats_free > 0 and read.inside < read.capacity
        no_answer = NoAnswerAtDoor(read.no_answer_policy, seat_free)
        return Decision(Verdict.NO_ANSWER, at, guest, no_answer=no_answer)
    if not guest.attending or guest.seat is None:
        return Decision(Verdict.DECLINED, at, guest)
    if guest.seat == SeatState.WAITLISTED:
        return Decision(Verdict.WAITLISTED, at, guest)

    if guest.inside:
        first_scan_at = guest.first_scan_at
        assert first_scan_at is not None, "inside means a presence, which has its first entry"
        if request.offline and at < first_scan_at:
            # Two doors read this badge; the one that read it first wins, even if it synced
            # later. The entry recorded so far becomes the duplicate.
            return Decision(
                Verdict.OK,
                at,
                guest,
                override=request.override,
                presence={"first_scan_at": at, "first_gate": request.gate},
                supersedes_entry_at=first_scan_at,
            )
        return Decision(
            Verdict.ALREADY_CHECKED_IN,
            at,
            guest,
            duplicate=request.offline,
            first_scan=FirstScan(first_scan_at, guest.first_gate or ""),
        )

    elsewhere = _other_sessions(read, guest, at)
    if elsewhere:
        return Decision(Verdict.OTHER_SESSION, at, guest, confirmed_sessions=elsewhere)
    if read.inside >= read.capacity and not request.override:
        return Decision(Verdict.ROOM_FULL, at, guest)
    return _admit(request, guest, at, override=request.override)


def _other_sessions(read: DoorRead, guest: GuestAtDoor, at: datetime) -> tuple[SessionAtDoor, ...]:
    """The sessions a guest not confirmed for the session under way is confirmed for (empty:
    no session is under way, or the guest is confirmed for it, or holds no session seat)."""
    current = session_at(read.sessions, at)
    if current is None or current.seat == SeatState.CONFIRMED:
        return ()
    return tuple(s for s in read.sessions if s.seat == SeatState.CONFIRMED)


def _admit(request: ScanRequest, guest: GuestAtDoor, at: datetime, override: bool) -> Decision:
    """The guest goes in: their first entry, or back in after an exit."""
    if not guest.has_presence:
        first = {"first_scan_at": at, "first_gate": request.gate, "inside": True, "changed_at": at}
        return Decision(
            Verdict.OK,
            at,
            guest,
            override=override,
            moved=1,
            presence=first,
            new_presence=True,
        )
    # Back in after an exit scan; the first entry stays where it was.
    return Decision(
        Verdict.OK,
        at,
        guest,
        override=override,
        moved=1,
        presence={"inside": True, "changed_at": at},
    )
