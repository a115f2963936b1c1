"""The seating plan in an event file: `[[seating.rows]]` read, checked with its line and key,
saved as the console saves it, written back and read again."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from support.event_files import FORUM, rows
from support.factories import make_guest

from registrar.extensions import db
from registrar.models import Category, Channel, SeatingRow
from registrar.services import audit, event_files, rsvp, seating

SEATING = """
[[seating.rows]]
label = "A"
seats = 12
aisles_after = [4, 8]
reserved = [1, 2, 3]

[[seating.rows]]
label = "B"
seats = 10
"""


def imported(text: str) -> event_files.FileImport:
    result = event_files.import_event(event_files.read_event_file(text), audit.SYSTEM)
    db.session.commit()
    return result


def plan_rows() -> list[tuple]:
    db.session.expire_all()
    return [
        tuple(r)
        for r in db.session.execute(
            sa.select(
                SeatingRow.label, SeatingRow.seats, SeatingRow.aisles_after, SeatingRow.reserved
            ).order_by(SeatingRow.position)
        )
    ]


def test_the_seating_plan_is_read_saved_written_and_read_back_unchanged(app):
    event = imported(FORUM + SEATING).event
    assert plan_rows() == [("A", 12, "4 8", "1 2 3"), ("B", 10, "", "")]
    text = event_files.export_event(event)
    assert (
        '[[seating.rows]]\nlabel = "A"\nseats = 12\naisles_after = [4, 8]\nreserved = [1, 2, 3]'
        in text
    )
    assert '[[seating.rows]]\nlabel = "B"\nseats = 10\n' in text
    before = rows()
    again = imported(text)
    assert not again.changed_anything
    assert rows() == before
    assert event_files.export_event(event) == text


def test_a_file_without_seating_leaves_the_plan_and_an_empty_one_removes_it(app):
    imported(FORUM + SEATING)
    assert not imported(FORUM).changed_anything
    assert len(plan_rows()) == 2
    assert imported(FORUM + "\n[seating]\nrows = []\n").seating
    assert plan_rows() == []


BAD = [
    ("seats = 10", 'seats = "ten"', r"line \d+: seating\.rows\[1\]\.seats: must be a whole number"),
    (
        'label = "B"',
        'label = "A"',
        r"line \d+: seating\.rows\[1\]\.label: Row 2: there is already a row A",
    ),
    (
        "reserved = [1, 2, 3]",
        "reserved = [1, 13]",
        r"seating\.rows\[0\]\.reserved: Row 1: a reserved seat is a seat from 1 to 12",
    ),
    (
        "aisles_after = [4, 8]",
        "aisles_after = [4, 4]",
        r"seating\.rows\[0\]\.aisles_after: Row 1: a seat number is given twice",
    ),
    ('label = "B"', 'label = "B"\ncolour = "red"', r"seating\.rows\[1\]\.colour: not a key"),
]


@pytest.mark.parametrize(("old", "new", "message"), BAD)
def test_a_bad_seating_row_names_its_line_and_key_and_writes_nothing(app, old, new, message):
    imported(FORUM + SEATING)
    before, plan = rows(), plan_rows()
    with pytest.raises(event_files.EventFileError) as refused:
        imported(FORUM + SEATING.replace(old, new, 1))
    db.session.rollback()
    assert re.search(message, str(refused.value)), str(refused.value)
    assert rows() == before and plan_rows() == plan


def test_a_file_may_not_take_away_a_seat_given_to_a_guest(app):
    event = imported(FORUM + SEATING).event
    event_id = event.id
    guest = make_guest(event, name_en="Chen Chi-Mai", category=Category.VIP)
    # Told by phone: the forum's reply deadline in the file has passed.
    rsvp.answer(guest.id, 1, rsvp.RsvpAnswer(True, Channel.EN), audit.SYSTEM, on_behalf=True)
    db.session.commit()
    seating.assign_seat(event_id, guest.id, "A2", audit.SYSTEM)
    db.session.commit()
    before, plan = rows(), plan_rows()
    with pytest.raises(event_files.EventFileError) as refused:
        imported(FORUM + SEATING.replace("reserved = [1, 2, 3]", "reserved = [1]"))
    db.session.rollback()
    assert "seating.rows: Seat A2 is given to Chen Chi-Mai" in str(refused.value)
    assert rows() == before and plan_rows() == plan
