"""Held seats in an event file: seats per category and for named guests (by e-mail), written,
read back and imported through the seat service; every mistake named at its key and line, and
nothing written."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from support.event_files import FORUM, rows
from support.factories import make_guest

from registrar.extensions import db
from registrar.models import AuditEntry, Category, Channel, Event, SeatHold, SeatState
from registrar.services import audit, event_files, rsvp, seats

HOLDS = FORUM.replace("held = 4\n", "held = 4\nholds.vip = 10\nholds.speaker = 2\n", 1)


def imported(text: str = HOLDS) -> event_files.FileImport:
    result = event_files.import_event(event_files.read_event_file(text), audit.SYSTEM)
    db.session.commit()
    return result


def holds(event_id: int) -> dict[str, int]:
    db.session.expire_all()
    event = db.session.get(Event, event_id)
    return {
        (h.category.value if h.category else h.guest.email): h.count for h in seats.holds_of(event)
    }


def all_rows() -> dict[str, int]:
    db.session.rollback()
    return {**rows(), "SeatHold": db.session.scalar(sa.select(sa.func.count(SeatHold.id)))}


def test_seats_held_per_category_are_imported_written_and_read_back(app):
    event = imported().event
    assert holds(event.id) == {"speaker": 2, "vip": 10}
    assert db.session.scalar(
        sa.select(sa.func.count()).where(AuditEntry.action == "seat.holds_changed")
    )
    text = event_files.export_event(db.session.get(Event, event.id))
    assert "holds.speaker = 2\nholds.vip = 10\n" in text
    file = event_files.read_event_file(text)
    assert file.holds == {Category.SPEAKER: 2, Category.VIP: 10}
    # The same file again changes nothing, and is written the same.
    before = all_rows()
    again = imported(text)
    assert not again.changed_anything
    assert all_rows() == before
    assert event_files.export_event(db.session.get(Event, event.id)) == text


def test_seats_held_for_named_guests_by_their_addresses(app):
    event = imported().event
    mayor = make_guest(event, email="mayor@example.org", name_en="The Mayor")
    # Answered for them by an organizer: the file's event is a draft.
    rsvp.answer(
        mayor.id,
        mayor.token_version,
        rsvp.RsvpAnswer(attending=True, channel=Channel.EN),
        "system",
        on_behalf=True,
    )
    db.session.commit()
    make_guest(event, email="director@example.org")
    named = HOLDS.replace(
        "holds.speaker = 2\n",
        'holds.speaker = 2\nheld_for = ["Mayor@Example.org", "director@example.org"]\n',
    )
    assert imported(named).holds_changed
    assert holds(event.id) == {
        "speaker": 2,
        "vip": 10,
        "director@example.org": 1,
        "mayor@example.org": 1,
    }
    # The mayor, seated already, sits in the seat held for them now.
    seat = db.session.get(type(mayor), mayor.id).seat
    assert seat.state == SeatState.CONFIRMED and seat.hold_id is not None
    text = event_files.export_event(db.session.get(Event, event.id))
    assert 'held_for = ["director@example.org", "mayor@example.org"]' in text
    assert event_files.read_event_file(text).held_for == (
        "director@example.org",
        "mayor@example.org",
    )
    # Left out of the file, the holds go: the director's seat becomes an open one; the mayor's
    # is taken, so the file that drops it is refused whole.
    without_director = named.replace(', "director@example.org"', "")
    imported(without_director)
    assert "director@example.org" not in holds(event.id)
    before = all_rows()
    with pytest.raises(event_files.EventFileError) as refused:
        imported(HOLDS)
    assert re.search(r"line \d+: room\.holds: The Mayor has taken the seat", str(refused.value))
    assert all_rows() == before
    assert "mayor@example.org" in holds(event.id)


def test_capacity_and_holds_lowered_together_in_one_file(app):
    event = imported(HOLDS.replace("capacity = 120", "capacity = 120\n")).event
    smaller = HOLDS.replace("capacity = 120", "capacity = 20").replace(
        "holds.vip = 10", "holds.vip = 5"
    )
    imported(smaller)
    db.session.expire_all()
    assert db.session.get(Event, event.id).capacity == 20
    assert holds(event.id) == {"speaker": 2, "vip": 5}


BAD_HOLDS = [
    (
        "unknown category",
        ("holds.vip = 10", "holds.vips = 10"),
        r"^line 35: room\.holds\.vips: 'vips' is not one of: speaker, moderator, vip",
    ),
    (
        "negative count",
        ("holds.vip = 10", "holds.vip = -1"),
        r"^line 35: room\.holds\.vip: must be 0 or more",
    ),
    (
        "not a number",
        ("holds.vip = 10", 'holds.vip = "ten"'),
        r"^line 35: room\.holds\.vip: must be a whole number",
    ),
    (
        "more held than the room",
        ("holds.vip = 10", "holds.vip = 115"),
        r"^line 35: room\.holds: Seats held for guests and categories \(117\) and held back \(4\) "
        r"cannot exceed the capacity \(120\)",
    ),
    (
        "unknown guest",
        ("holds.speaker = 2", 'holds.speaker = 2\nheld_for = ["nobody@example.org"]'),
        r"^line 37: room\.held_for\[0\]: nobody@example\.org is not a guest of this event",
    ),
    (
        "not an address",
        ("holds.speaker = 2", 'holds.speaker = 2\nheld_for = ["nobody"]'),
        r"^line 37: room\.held_for\[0\]: Not a valid e-mail address",
    ),
    (
        "a guest twice",
        ("holds.speaker = 2", 'holds.speaker = 2\nheld_for = ["a@example.org", "A@example.org"]'),
        r"^line 37: room\.held_for\[1\]: a@example\.org is named twice",
    ),
]


@pytest.mark.parametrize(
    ("change", "message"), [case[1:] for case in BAD_HOLDS], ids=[case[0] for case in BAD_HOLDS]
)
@pytest.mark.parametrize("existing", [False, True], ids=["new", "existing"])
def test_a_bad_hold_is_named_at_its_line_and_nothing_is_written(app, change, message, existing):
    if existing:
        event = imported().event
        make_guest(event, email="a@example.org")
    before = all_rows()
    old, new = change
    assert old in HOLDS
    with pytest.raises(event_files.EventFileError) as refused:
        imported(HOLDS.replace(old, new, 1))
    assert re.search(message, str(refused.value)), str(refused.value)
    assert all_rows() == before
    if existing:
        assert holds(event.id) == {"speaker": 2, "vip": 10}


def seating(reserved: int) -> str:
    seats = ", ".join(str(n) for n in range(1, reserved + 1))
    return f'\n[[seating.rows]]\nlabel = "A"\nseats = 12\nreserved = [{seats}]\n'


def with_vip_holds(count: int) -> str:
    return FORUM.replace("held = 4\n", f"held = 4\nholds.vip = {count}\n", 1)


def test_holds_and_reserved_seats_grow_and_shrink_together_in_one_file(app):
    # Two held for VIPs, two seats reserved; then four and four in one file, then one and one.
    event = imported(with_vip_holds(2) + seating(2)).event
    assert holds(event.id) == {"vip": 2}
    grown = imported(with_vip_holds(4) + seating(4))
    assert grown.holds_changed and grown.seating
    assert holds(event.id) == {"vip": 4}
    assert "reserved = [1, 2, 3, 4]" in event_files.export_event(db.session.get(Event, event.id))
    shrunk = imported(with_vip_holds(1) + seating(1))
    assert shrunk.holds_changed and shrunk.seating
    assert holds(event.id) == {"vip": 1}
    # A file whose plan reserves fewer seats than it holds is still refused, nothing written.
    before = all_rows()
    with pytest.raises(event_files.EventFileError, match="fewer than"):
        imported(with_vip_holds(3) + seating(2))
    assert all_rows() == before
