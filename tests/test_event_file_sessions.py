"""Sessions guests choose in an event file: `choosable = true` under `[[agenda]]`, read,
written and read back unchanged; a mistake about it named at its line and key, nothing
written; the programme's rules about chosen sessions kept by an import."""

from __future__ import annotations

import re

import pytest
from support.event_files import FORUM, programme_of, rows
from support.factories import make_guest

from registrar.extensions import db
from registrar.models import AgendaKind, Channel
from registrar.services import audit, event_files, rsvp

CHOSEN = FORUM.replace('title.zh = "港口與人"\n', 'title.zh = "港口與人"\nchoosable = true\n', 1)
assert CHOSEN != FORUM


def imported(text: str) -> event_files.FileImport:
    result = event_files.import_event(event_files.read_event_file(text), audit.SYSTEM)
    db.session.commit()
    return result


def answer(guest, sessions: frozenset[int] | None = None) -> None:
    """The guest's "yes", as an organizer gives it (the file's event is not open yet)."""
    reply = rsvp.RsvpAnswer(attending=True, channel=Channel.EN, sessions=sessions)
    rsvp.answer(guest.id, guest.token_version, reply, audit.SYSTEM, on_behalf=True)
    db.session.commit()


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def choosable(event) -> list[bool]:
    db.session.expire_all()
    return [item.choosable for item in event.agenda]


def test_a_choosable_session_is_read_written_and_read_back_unchanged(app):
    event = imported(CHOSEN).event
    assert choosable(event) == [True, False, False]
    text = event_files.export_event(event)
    assert text.count("\nchoosable = true\n") == 1
    before, programme = rows(), programme_of(event)
    again = imported(text)
    assert not again.changed_anything
    assert rows() == before and programme_of(event) == programme
    assert choosable(event) == [True, False, False]
    assert event_files.export_event(event) == text


def test_a_file_without_choosable_writes_no_such_key(app):
    event = imported(FORUM).event
    assert "\nchoosable" not in event_files.export_event(event)


def test_the_file_marks_and_unmarks_a_session_nobody_chose(app):
    event = imported(FORUM).event
    assert imported(CHOSEN).programme.changed == 1
    assert choosable(event) == [True, False, False]
    imported(FORUM)
    assert choosable(event) == [False, False, False]


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        (
            'title.zh = "港口與人"\n',
            'title.zh = "港口與人"\nchoosable = "yes"\n',
            "agenda[0].choosable",
            "must be true or false",
        ),
        (
            'title.en = "Break"\n',
            'title.en = "Break"\nchoosable = true\n',
            "agenda[1].choosable",
            "a break cannot",
        ),
    ],
    ids=["not a boolean", "a break"],
)
def test_a_mistake_about_choosable_is_named_at_its_line_and_key_and_nothing_written(
    app, old, new, key, message
):
    text = FORUM.replace(old, new, 1)
    before = rows()
    with pytest.raises(event_files.EventFileError) as refused:
        imported(text)
    db.session.rollback()
    expected = rf"line {line_of(text, 'choosable')}: {re.escape(key)}: .*{message}"
    assert re.search(expected, str(refused.value)), str(refused.value)
    assert rows() == before


def test_an_event_whose_guests_hold_seats_cannot_start_choosing_by_file(app):
    event = imported(FORUM).event
    guest = make_guest(event)
    answer(guest)
    before = rows()
    with pytest.raises(event_files.EventFileError) as refused:
        imported(CHOSEN)
    db.session.rollback()
    assert re.search(
        rf"line {line_of(CHOSEN, 'choosable')}: agenda\[0\]\.choosable: Guests hold seats",
        str(refused.value),
    ), str(refused.value)
    assert rows() == before and choosable(event) == [False, False, False]


def test_a_session_a_guest_chose_stays_choosable_through_a_file(app):
    event = imported(CHOSEN).event
    session = next(item for item in event.agenda if item.kind == AgendaKind.SESSION)
    answer(make_guest(event), frozenset({session.id}))
    with pytest.raises(event_files.EventFileError) as refused:
        imported(FORUM)
    db.session.rollback()
    assert "agenda[0].choosable: 1 guests chose this session" in str(refused.value)
    assert choosable(event)[0] is True
