"""The door's verdict as a pure function: every verdict and its edges, with no app and no database.

Each case is what the door read, what the scanner asked, and the whole decision: the verdict and
everything it writes (the presence, the count inside, a superseded entry).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from registrar.models import Category, Channel, Direction, DoorNoAnswer, SeatState, Verdict
from registrar.services.checkin import (
    CLOCK_SKEW,
    Decision,
    DoorRead,
    FirstScan,
    GuestAtDoor,
    ScanRequest,
    decide,
)
from registrar.services.checkin.verdict import NoAnswerAtDoor, SessionAtDoor
from registrar.tokens import BadgeClaim

EVENT = 7
NOW = datetime(2026, 3, 1, 5, 30, tzinfo=UTC)
FIRST_IN = NOW - timedelta(minutes=20)

CONFIRMED = GuestAtDoor(
    id=41,
    name_en="Lai Ching-Ming",
    name_zh="賴慶明",
    organization="Kaohsiung City Government",
    category=Category.SPEAKER,
    badge_version=2,
    revoked=False,
    attending=True,
    channel=Channel.ZH,
    seat=SeatState.CONFIRMED,
)
INSIDE = replace(
    CONFIRMED, has_presence=True, inside=True, first_scan_at=FIRST_IN, first_gate="North"
)
LEFT = replace(INSIDE, inside=False)
WAITLISTED = replace(CONFIRMED, seat=SeatState.WAITLISTED)
SAID_NO = replace(CONFIRMED, attending=False, seat=None, channel=None)
NEVER_ANSWERED = replace(CONFIRMED, attending=None, seat=None, channel=None)
REVOKED = replace(CONFIRMED, revoked=True)
REVOKED_INSIDE = replace(INSIDE, revoked=True)


def door(
    guest: GuestAtDoor | None,
    *,
    inside: int = 3,
    capacity: int = 10,
    claim: BadgeClaim | None | str = "genuine",
    policy: DoorNoAnswer = DoorNoAnswer.DESK,
    seats_free: int = 0,
    sessions: tuple[SessionAtDoor, ...] = (),
) -> DoorRead:
    """What the door read for a badge of `guest` (claim "genuine": their current badge)."""
    if claim == "genuine":
        claim = BadgeClaim(EVENT, guest.id if guest else 999, guest.badge_version if guest else 1)
    return DoorRead(
        event_id=EVENT,
        capacity=capacity,
        inside=inside,
        now=NOW,
        claim=claim,
        guest=guest,
        no_answer_policy=policy,
        seats_free=seats_free,
        sessions=sessions,
    )


# Sessions guests choose: Session 2 under way at NOW, Session 3 after it.
S2 = SessionAtDoor(
    71, "Session 2", "第二場", NOW - timedelta(minutes=10), NOW + timedelta(minutes=70)
)
S3 = replace(
    S2,
    id=72,
    title_en="Session 3",
    starts_at=NOW + timedelta(hours=2),
    ends_at=NOW + timedelta(hours=3),
)
ONLY_S3 = (S2, replace(S3, seat=SeatState.CONFIRMED))
BOTH = (replace(S2, seat=SeatState.CONFIRMED), replace(S3, seat=SeatState.CONFIRMED))


def ask(**fields) -> ScanRequest:
    return ScanRequest(code="(read by the caller)", gate="South", **fields)


def entered(at: datetime = NOW, gate: str = "South") -> dict:
    return {"first_scan_at": at, "first_gate": gate, "inside": True, "changed_at": at}


CASES = [
    # -- entries --------------------------------------------------------------------------
    pytest.param(
        door(CONFIRMED),
        ask(),
        Decision(Verdict.OK, NOW, CONFIRMED, moved=1, presence=entered(), new_presence=True),
        id="ok: first entry writes the guest's presence",
    ),
    pytest.param(
        door(INSIDE),
        ask(),
        Decision(Verdict.ALREADY_CHECKED_IN, NOW, INSIDE, first_scan=FirstScan(FIRST_IN, "North")),
        id="already_checked_in: a repeated entry shows the first, writes nothing",
    ),
    pytest.param(
        door(INSIDE),
        ask(offline=True, scanned_at=NOW - timedelta(minutes=5)),
        Decision(
            Verdict.ALREADY_CHECKED_IN,
            NOW - timedelta(minutes=5),
            INSIDE,
            duplicate=True,
            first_scan=FirstScan(FIRST_IN, "North"),
        ),
        id="already_checked_in: a later offline reading is a duplicate",
    ),
    pytest.param(
        door(INSIDE),
        ask(offline=True, scanned_at=FIRST_IN - timedelta(seconds=10)),
        Decision(
            Verdict.OK,
            FIRST_IN - timedelta(seconds=10),
            INSIDE,
            presence={"first_scan_at": FIRST_IN - timedelta(seconds=10), "first_gate": "South"},
            supersedes_entry_at=FIRST_IN,
        ),
        id="ok: an earlier offline reading wins and the recorded entry becomes the duplicate",
    ),
    pytest.param(
        door(INSIDE, inside=10),
        ask(),
        Decision(Verdict.ALREADY_CHECKED_IN, NOW, INSIDE, first_scan=FirstScan(FIRST_IN, "North")),
        id="already_checked_in: a guest inside is not refused for a full room",
    ),
    pytest.param(
        door(LEFT),
        ask(),
        Decision(Verdict.OK, NOW, LEFT, moved=1, presence={"inside": True, "changed_at": NOW}),
        id="ok: back in after an exit, the first entry stays",
    ),
    pytest.param(
        door(WAITLISTED),
        ask(),
        Decision(Verdict.WAITLISTED, NOW, WAITLISTED),
        id="waitlisted",
    ),
    pytest.param(
        door(WAITLISTED, inside=10, capacity=10),
        ask(override=True),
        Decision(Verdict.WAITLISTED, NOW, WAITLISTED),
        id="waitlisted: an override lets in past a full room, not past the waitlist",
    ),
    pytest.param(door(SAID_NO), ask(), Decision(Verdict.DECLINED, NOW, SAID_NO), id="declined"),
    pytest.param(
        door(NEVER_ANSWERED, seats_free=4),
        ask(),
        Decision(
            Verdict.NO_ANSWER,
            NOW,
            NEVER_ANSWERED,
            no_answer=NoAnswerAtDoor(DoorNoAnswer.DESK, seat_free=True),
        ),
        id="no_answer: never answered is not declined; the desk decides",
    ),
    pytest.param(
        door(NEVER_ANSWERED, policy=DoorNoAnswer.LET_IN, seats_free=1),
        ask(),
        Decision(
            Verdict.NO_ANSWER,
            NOW,
            NEVER_ANSWERED,
            no_answer=NoAnswerAtDoor(DoorNoAnswer.LET_IN, seat_free=True),
        ),
        id="no_answer: the event lets the door let them in, and a seat is free",
    ),
    pytest.param(
        door(NEVER_ANSWERED, policy=DoorNoAnswer.LET_IN, seats_free=0),
        ask(),
        Decision(
            Verdict.NO_ANSWER,
            NOW,
            NEVER_ANSWERED,
            no_answer=NoAnswerAtDoor(DoorNoAnswer.LET_IN, seat_free=False),
        ),
        id="no_answer: no seat free, so the door may not let them in",
    ),
    pytest.param(
        door(NEVER_ANSWERED, policy=DoorNoAnswer.LET_IN, seats_free=3, inside=10),
        ask(override=True),
        Decision(
            Verdict.NO_ANSWER,
            NOW,
            NEVER_ANSWERED,
            no_answer=NoAnswerAtDoor(DoorNoAnswer.LET_IN, seat_free=False),
        ),
        id="no_answer: a full room has no seat free, and an override lets nobody in",
    ),
    pytest.param(
        door(replace(NEVER_ANSWERED, revoked=True), seats_free=3),
        ask(),
        Decision(Verdict.REVOKED, NOW, replace(NEVER_ANSWERED, revoked=True)),
        id="revoked: a withdrawn invitation never answered is revoked",
    ),
    pytest.param(
        door(replace(CONFIRMED, seat=None)),
        ask(),
        Decision(Verdict.DECLINED, NOW, replace(CONFIRMED, seat=None)),
        id="declined: attending without a seat (cancelled)",
    ),
    pytest.param(door(REVOKED), ask(), Decision(Verdict.REVOKED, NOW, REVOKED), id="revoked"),
    pytest.param(
        door(CONFIRMED, claim=BadgeClaim(EVENT, CONFIRMED.id, CONFIRMED.badge_version - 1)),
        ask(),
        Decision(Verdict.REVOKED, NOW, CONFIRMED),
        id="revoked: a badge replaced by a reprint",
    ),
    pytest.param(
        door(None, claim=BadgeClaim(EVENT + 1, 5, 1)),
        ask(),
        Decision(Verdict.WRONG_EVENT, NOW),
        id="wrong_event: names nobody",
    ),
    pytest.param(door(None, claim=None), ask(), Decision(Verdict.INVALID, NOW), id="invalid"),
    pytest.param(
        door(None),
        ask(),
        Decision(Verdict.INVALID, NOW),
        id="invalid: signed by us, naming nobody of this event",
    ),
    pytest.param(
        door(CONFIRMED, inside=10, capacity=10),
        ask(),
        Decision(Verdict.ROOM_FULL, NOW, CONFIRMED),
        id="room_full",
    ),
    pytest.param(
        door(CONFIRMED, inside=12, capacity=10),
        ask(),
        Decision(Verdict.ROOM_FULL, NOW, CONFIRMED),
        id="room_full: more inside than seats (after an override)",
    ),
    pytest.param(
        door(CONFIRMED, inside=10, capacity=10),
        ask(override=True),
        Decision(
            Verdict.OK,
            NOW,
            CONFIRMED,
            override=True,
            moved=1,
            presence=entered(),
            new_presence=True,
        ),
        id="ok: room full with an override",
    ),
    pytest.param(
        door(LEFT, inside=10, capacity=10),
        ask(override=True),
        Decision(
            Verdict.OK,
            NOW,
            LEFT,
            override=True,
            moved=1,
            presence={"inside": True, "changed_at": NOW},
        ),
        id="ok: back in past a full room with an override",
    ),
    pytest.param(
        door(CONFIRMED, inside=9, capacity=10),
        ask(override=True),
        Decision(
            Verdict.OK,
            NOW,
            CONFIRMED,
            override=True,
            moved=1,
            presence=entered(),
            new_presence=True,
        ),
        id="ok: an override below capacity is kept as asked",
    ),
    # -- exits ----------------------------------------------------------------------------
    pytest.param(
        door(INSIDE),
        ask(direction=Direction.OUT),
        Decision(Verdict.OK, NOW, INSIDE, moved=-1, presence={"inside": False, "changed_at": NOW}),
        id="exit: one fewer inside",
    ),
    pytest.param(
        door(CONFIRMED),
        ask(direction=Direction.OUT),
        Decision(Verdict.OK, NOW, CONFIRMED),
        id="exit: of someone never let in, changes nothing",
    ),
    pytest.param(
        door(LEFT),
        ask(direction=Direction.OUT),
        Decision(Verdict.OK, NOW, LEFT),
        id="exit: a second exit changes nothing",
    ),
    pytest.param(
        door(REVOKED_INSIDE),
        ask(direction=Direction.OUT),
        Decision(
            Verdict.OK,
            NOW,
            REVOKED_INSIDE,
            moved=-1,
            presence={"inside": False, "changed_at": NOW},
        ),
        id="exit: a revoked guest may leave",
    ),
    pytest.param(
        door(SAID_NO),
        ask(direction=Direction.OUT),
        Decision(Verdict.OK, NOW, SAID_NO),
        id="exit: anyone we know may leave",
    ),
    pytest.param(
        door(INSIDE, inside=10, capacity=10),
        ask(direction=Direction.OUT, override=True),
        Decision(Verdict.OK, NOW, INSIDE, moved=-1, presence={"inside": False, "changed_at": NOW}),
        id="exit: an override on the way out is no override",
    ),
    pytest.param(
        door(None, claim=None),
        ask(direction=Direction.OUT),
        Decision(Verdict.INVALID, NOW),
        id="exit: garbage is invalid either way",
    ),
    pytest.param(
        door(None, claim=BadgeClaim(EVENT + 1, 5, 1)),
        ask(direction=Direction.OUT),
        Decision(Verdict.WRONG_EVENT, NOW),
        id="exit: another event's badge is wrong_event either way",
    ),
    # -- the time of a scan ---------------------------------------------------------------
    pytest.param(
        door(CONFIRMED),
        ask(offline=True, scanned_at=NOW - timedelta(hours=1)),
        Decision(
            Verdict.OK,
            NOW - timedelta(hours=1),
            CONFIRMED,
            moved=1,
            presence=entered(NOW - timedelta(hours=1)),
            new_presence=True,
        ),
        id="a queued scan keeps the time it was read",
    ),
    pytest.param(
        door(CONFIRMED),
        ask(scanned_at=NOW + CLOCK_SKEW),
        Decision(
            Verdict.OK,
            NOW + CLOCK_SKEW,
            CONFIRMED,
            moved=1,
            presence=entered(NOW + CLOCK_SKEW),
            new_presence=True,
        ),
        id="a scanner's clock a little ahead is believed",
    ),
    pytest.param(
        door(CONFIRMED),
        ask(scanned_at=NOW + CLOCK_SKEW + timedelta(seconds=1)),
        Decision(Verdict.OK, NOW, CONFIRMED, moved=1, presence=entered(), new_presence=True),
        id="a scan from further in the future is taken as made now",
    ),
    # -- sessions guests choose -----------------------------------------------------------
    pytest.param(
        door(CONFIRMED, sessions=ONLY_S3),
        ask(),
        Decision(
            Verdict.OTHER_SESSION,
            NOW,
            CONFIRMED,
            session_id=S2.id,
            confirmed_sessions=(replace(S3, seat=SeatState.CONFIRMED),),
        ),
        id="other_session: confirmed for Session 3 only, scanned in Session 2",
    ),
    pytest.param(
        door(CONFIRMED, sessions=BOTH),
        ask(),
        Decision(
            Verdict.OK,
            NOW,
            CONFIRMED,
            moved=1,
            presence=entered(),
            new_presence=True,
            session_id=S2.id,
        ),
        id="ok: an entry in Session 2 counts for it",
    ),
    pytest.param(
        door(CONFIRMED, sessions=ONLY_S3),
        ask(offline=True, scanned_at=NOW - timedelta(hours=2)),
        Decision(
            Verdict.OK,
            NOW - timedelta(hours=2),
            CONFIRMED,
            moved=1,
            presence=entered(NOW - timedelta(hours=2)),
            new_presence=True,
        ),
        id="ok: outside every session, an entry counts for none and is judged as ever",
    ),
]


@pytest.mark.parametrize(("read", "request_", "expected"), CASES)
def test_decide(read: DoorRead, request_: ScanRequest, expected: Decision):
    assert decide(read, request_) == expected


def test_the_table_gives_every_verdict():
    assert {case.values[2].verdict for case in CASES} == set(Verdict)


def test_a_scan_not_ok_writes_nothing_but_itself():
    for case in CASES:
        decision = case.values[2]
        if decision.verdict != Verdict.OK:
            assert decision == Decision(
                decision.verdict,
                decision.scanned_at,
                decision.guest,
                duplicate=decision.duplicate,
                first_scan=decision.first_scan,
                no_answer=decision.no_answer,
                session_id=decision.session_id,
                confirmed_sessions=decision.confirmed_sessions,
            ), case.id


def test_only_a_no_answer_says_what_the_door_may_do_with_it():
    for case in CASES:
        decision = case.values[2]
        assert (decision.no_answer is not None) == (decision.verdict == Verdict.NO_ANSWER), case.id


# -- a door lead's let-in (services/checkin/let_in.py seats the guest first) --------------------

LET_IN_CASES = [
    pytest.param(
        door(REVOKED),
        ask(let_in=True),
        Decision(
            Verdict.OK,
            NOW,
            REVOKED,
            override=True,
            moved=1,
            presence=entered(),
            new_presence=True,
        ),
        id="let in: a withdrawn invitation goes in",
    ),
    pytest.param(
        door(CONFIRMED, claim=BadgeClaim(EVENT, CONFIRMED.id, 1)),
        ask(let_in=True),
        Decision(
            Verdict.OK,
            NOW,
            CONFIRMED,
            override=True,
            moved=1,
            presence=entered(),
            new_presence=True,
        ),
        id="let in: a replaced badge goes in",
    ),
    pytest.param(
        door(CONFIRMED, inside=10),
        ask(let_in=True),
        Decision(Verdict.ROOM_FULL, NOW, CONFIRMED),
        id="let in: a full room is still full without override",
    ),
    pytest.param(
        door(LEFT, inside=10),
        ask(let_in=True, override=True),
        Decision(
            Verdict.OK,
            NOW,
            LEFT,
            override=True,
            moved=1,
            presence={"inside": True, "changed_at": NOW},
        ),
        id="let in: past a full room when told, back in after an exit",
    ),
    pytest.param(
        door(INSIDE),
        ask(let_in=True),
        Decision(Verdict.OK, NOW, INSIDE, override=True),
        id="let in: a guest taken for inside is not counted twice",
    ),
    pytest.param(
        door(CONFIRMED, claim=BadgeClaim(EVENT + 1, CONFIRMED.id, 2)),
        ask(let_in=True),
        Decision(Verdict.WRONG_EVENT, NOW),
        id="let in: never a badge of another event",
    ),
    pytest.param(
        door(CONFIRMED, claim=None),
        ask(let_in=True),
        Decision(Verdict.INVALID, NOW),
        id="let in: never a code that is not ours",
    ),
]


@pytest.mark.parametrize(("read", "request_", "expected"), LET_IN_CASES)
def test_a_door_leads_let_in(read: DoorRead, request_: ScanRequest, expected: Decision):
    assert decide(read, request_) == expected
