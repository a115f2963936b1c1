"""An event as a file: read with the line and key of every mistake, written back, imported."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from support.event_files import FORUM, programme_of, rows
from support.factories import make_guest

from registrar.extensions import db
from registrar.models import AuditEntry, DoorNoAnswer, EventState
from registrar.services import audit, event_files, events
from registrar.services.event_details import EventDetails
from registrar.services.event_files import layout


def imported(text: str = FORUM, **options) -> event_files.FileImport:
    result = event_files.import_event(event_files.read_event_file(text), audit.SYSTEM, **options)
    db.session.commit()
    return result


# -- reading ---------------------------------------------------------------------------------


def test_a_file_reads_into_every_detail_on_the_event_s_clocks(app):
    file = event_files.read_event_file(FORUM)
    details = file.details
    assert details.title_en == 'Harbour "Cities" Forum'
    assert details.description_en == "Two lines: the first,\nand a backslash \\ in the second."
    assert details.starts_at == datetime(2026, 10, 27, 11, 0, tzinfo=UTC)
    # Ends the next day at 01:30 Taipei time; the reply deadline three days before the date.
    assert details.ends_at == datetime(2026, 10, 27, 17, 30, tzinfo=UTC)
    assert details.rsvp_deadline == datetime(2026, 10, 24, 4, 0, tzinfo=UTC)
    assert (details.contact_phone, details.mail_reply_to) == (
        "+886 7 123 4567",
        "forum@example.org",
    )
    # An item after midnight is on the next day, as the console reads it.
    assert file.programme[2].starts_at == datetime(2026, 10, 27, 15, 30, tzinfo=UTC)
    assert [p.name_zh for p in file.programme[0].people] == ["林子倫", "方裕欽"]


def test_a_day_given_moves_the_whole_event_and_its_programme(app):
    file = event_files.read_event_file(FORUM, day=date(2026, 11, 3))
    original = event_files.read_event_file(FORUM)
    week = file.details.starts_at - original.details.starts_at
    assert week.days == 7
    for name in ("doors_open_at", "ends_at", "rsvp_deadline"):
        assert getattr(file.details, name) - getattr(original.details, name) == week
    for moved, item in zip(file.programme, original.programme, strict=True):
        assert (moved.starts_at - item.starts_at, moved.ends_at - item.ends_at) == (week, week)


def test_the_line_finder_follows_tables_arrays_and_multi_line_strings():
    lines = layout.KeyLines(FORUM)
    text = FORUM.splitlines()
    assert text[lines.line_of("room.capacity") - 1] == "capacity = 120"
    assert text[lines.line_of("agenda[2].title.en") - 1] == 'title.en = "After Midnight"'
    assert text[lines.line_of("agenda[0].people[1].name.zh") - 1] == 'name.zh = "方裕欽"'
    assert text[lines.line_of("organizers.en") - 1].startswith("organizers.en")
    # A key the file lacks: the table that should hold it.
    assert text[lines.line_of("contact.fax") - 1] == "[contact]"
    assert lines.line_of("nowhere") is None


# -- writing and the round trip --------------------------------------------------------------


def test_export_then_import_gives_the_identical_event_and_changes_nothing(app):
    event = imported().event
    before_details = EventDetails.of(event)
    before_programme = programme_of(event)
    before_rows = rows()

    text = event_files.export_event(event)
    file = event_files.read_event_file(text)
    for field in fields(EventDetails):
        assert getattr(file.details, field.name) == getattr(before_details, field.name), field.name
    again = imported(text)
    assert not again.changed_anything
    assert (again.changes, bool(again.programme)) == ({}, False)
    db.session.expire_all()
    assert EventDetails.of(event) == before_details
    assert programme_of(event) == before_programme
    assert rows() == before_rows  # no audit entry either
    # And the text written again is the same text.
    assert event_files.export_event(event) == text


def test_the_exported_file_documents_every_key_it_may_hold(app):
    def leaves(value, prefix=""):
        if isinstance(value, tuple):
            value = value[0]
        if isinstance(value, list):
            yield from leaves(value[0], prefix)
        elif isinstance(value, dict):
            for name, inner in value.items():
                yield from leaves(inner, name)
        else:
            yield prefix

    header = event_files.HEADER
    for key in set(leaves(layout.LAYOUT)) - {"en", "zh"}:
        assert re.search(rf"\b{key}\b", header), key
    text = event_files.export_event(imported().event)
    assert text.startswith(header)
    assert max(len(line) for line in text.splitlines() if line.startswith("#")) <= 100


def test_long_texts_are_wrapped_and_read_back_whole(app):
    long = "A forum " + "with a great many words in its description, " * 6 + 'and "quotes".'
    text = FORUM.replace(
        'organizers.en = "City of Kaohsiung"',
        f'organizers.en = "{long}"'.replace('"quotes"', '\\"quotes\\"'),
    )
    event = imported(text).event
    written = event_files.export_event(event)
    assert all(len(line) <= 100 for line in written.splitlines())
    assert event_files.read_event_file(written).details.organizers_en == long


# -- importing -------------------------------------------------------------------------------


def test_import_creates_a_draft_event_with_its_programme_and_audits_it(app):
    result = imported()
    event = result.event
    assert result.created and event.state == EventState.DRAFT
    assert [item.title_en for item in event.agenda] == [
        "Ports and People",
        "Break",
        "After Midnight",
    ]
    assert [item.position for item in event.agenda] == [1, 2, 3]
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.event_id == event.id)
    )
    assert sorted(set(actions)) == [
        "event.created",
        "programme.item_added",
        "programme.person_added",
    ]


def test_import_of_a_known_slug_updates_and_replaces_the_programme_as_a_whole(app):
    event = imported().event
    first_id = event.agenda[0].id
    text = FORUM.replace('title.en = "Ports and People"', 'title.en = "Ports, People and Ships"')
    text = text[: text.index('[[agenda]]\nkind = "break"')]  # the break and the late session go
    text = text.replace("capacity = 120", "capacity = 100")

    result = imported(text)
    assert not result.created
    assert result.changes == {"capacity": (120, 100)}
    assert (result.programme.added, result.programme.changed, result.programme.deleted) == (0, 1, 2)
    db.session.expire_all()
    assert [item.title_en for item in event.agenda] == ["Ports, People and Ships"]
    assert event.agenda[0].id == first_id  # changed in place, its people kept
    assert len(event.agenda[0].people) == 2
    deleted = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "programme.item_deleted")
    ).all()
    assert sorted(entry.details["title_en"] for entry in deleted) == ["After Midnight", "Break"]


def test_items_may_trade_times_in_one_import(app):
    event = imported().event
    # The first session moves after the break: one change after another would overlap.
    text = FORUM.replace('starts = "19:00"\nends = "20:30"', 'starts = "19:30"\nends = "21:00"')
    text = text.replace('starts = "20:30"\nends = "21:00"', 'starts = "19:00"\nends = "19:30"')
    imported(text)
    db.session.expire_all()
    assert [item.title_en for item in event.agenda][:2] == ["Break", "Ports and People"]


def test_a_change_guests_know_after_invitations_needs_notify(app):
    event = imported().event
    guest = make_guest(event)
    guest.sent_at = datetime.now(UTC)
    db.session.commit()
    before = rows()
    moved = FORUM.replace('starts = "19:00"\nends = "20:30"', 'starts = "19:30"\nends = "20:30"')
    moved = moved.replace(
        '[times]\ndoors_open = "18:40"\nstarts = "19:00"',
        '[times]\ndoors_open = "18:40"\nstarts = "19:30"',
    )

    with pytest.raises(events.NoticeNotConfirmed) as refused:
        imported(moved)
    db.session.rollback()
    assert refused.value.audience.invited == 1
    assert set(refused.value.changes) == {"starts_at"}
    assert rows() == before
    assert programme_of(event)[0][4] == datetime(2026, 10, 27, 11, 0, tzinfo=UTC)

    result = imported(moved, notify=True)
    assert result.told == ("starts_at",)
    notice = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "event.change_notice")
    )
    assert notice.details["fields"] == ["starts_at"] and notice.details["invited"] == 1


def test_an_archived_event_refuses_its_file(app):
    event = imported().event
    for state in (EventState.OPEN, EventState.CLOSED, EventState.ARCHIVED):
        events.set_state(event.id, state, audit.SYSTEM)
    db.session.commit()
    before = rows()
    with pytest.raises(events.EventArchived):
        imported(FORUM.replace("capacity = 120", "capacity = 90"))
    db.session.rollback()
    assert rows() == before


# -- files with a mistake: the line, the key, and nothing written ----------------------------

BAD_FILES = [
    ("not TOML", ("[room]\n", "[room\n"), r"^line 30: this is not valid TOML: .*\(column \d+\)"),
    ("unknown key", ("held = 4", "held = 4\nseats = 3"), r"^line 35: room\.seats: not a key"),
    (
        "wrong type",
        ("capacity = 120", 'capacity = "120"'),
        r"^line 33: room\.capacity: must be a whole number",
    ),
    (
        "a date in quotes",
        ("date = 2026-10-27", 'date = "2026-10-27"'),
        r"^line 3: date: must be a date",
    ),
    (
        "not a time",
        ('doors_open = "18:40"', 'doors_open = "6:40 pm"'),
        r"^line 15: times\.doors_open: must be a time",
    ),
    (
        "unknown zone",
        ('timezone = "Asia/Taipei"', 'timezone = "Taipei"'),
        r"^line 4: timezone: not a time zone",
    ),
    ("unknown channel", ('"ja"]', '"jp"]'), r"^line 5: channels\[2\]: 'jp' is not one of"),
    (
        "unknown role",
        ('role = "speaker"', 'role = "panelist"'),
        r"^line 60: agenda\[0\]\.people\[1\]\.role: 'panelist' is not one of",
    ),
    (
        "end before start",
        ("ends_days_after = 1\n", ""),
        r"^line 17: times\.ends: The end must be after the start",
    ),
    (
        "deadline after start",
        ("closes_days_before = 3", "closes_days_before = -3"),
        r"^line 22: rsvp\.closes_at: The reply deadline",
    ),
    (
        "held over capacity",
        ("held = 4", "held = 400"),
        r"^line 34: room\.held: Held seats cannot exceed",
    ),
    (
        "bad e-mail",
        ('email = "mei-ling.chen@example.org"', 'email = "mei-ling"'),
        r"^line 38: contact\.email: Not a valid e-mail",
    ),
    (
        "item outside the hours",
        ('starts = "19:00"\nends = "20:30"', 'starts = "18:30"\nends = "20:30"'),
        r"^line 47: agenda\[0\]\.starts: The event runs from 19:00 to 01:30",
    ),
    (
        "item ends before it starts",
        ('starts = "20:30"\nends = "21:00"', 'starts = "20:30"\nends = "20:00"'),
        r"^line 66: agenda\[1\]\.ends: The item must end after it starts",
    ),
    (
        "items overlap",
        ('starts = "20:30"\nends = "21:00"', 'starts = "20:00"\nends = "21:00"'),
        r"^line 65: agenda\[1\]\.starts: This overlaps “Ports and People” \(19:00–20:30\)",
    ),
    (
        "a person without a name",
        ('name.zh = "方裕欽"', ""),
        r"^line 59: agenda\[0\]\.people\[1\]\.name\.en: Please give the person's name",
    ),
    (
        "no title",
        ('title.en = "Harbour \\"Cities\\" Forum"\ntitle.zh = "港灣城市論壇"', "title = {}"),
        r"^line 7: title\.en: Give the title",
    ),
]


@pytest.mark.parametrize(
    ("change", "message"), [case[1:] for case in BAD_FILES], ids=[case[0] for case in BAD_FILES]
)
def test_a_bad_new_file_names_its_line_and_key_and_writes_nothing(app, change, message):
    old, new = change
    assert old in FORUM
    before = rows()
    with pytest.raises(event_files.EventFileError) as refused:
        imported(FORUM.replace(old, new, 1))
    db.session.rollback()
    assert re.search(message, str(refused.value)), str(refused.value)
    assert rows() == before


@pytest.mark.parametrize(
    ("change", "message"), [case[1:] for case in BAD_FILES], ids=[case[0] for case in BAD_FILES]
)
def test_a_bad_file_for_an_existing_event_names_its_line_and_changes_nothing(app, change, message):
    event = imported().event
    before, programme = rows(), programme_of(event)
    old, new = change
    with pytest.raises(event_files.EventFileError) as refused:
        imported(FORUM.replace(old, new, 1))
    db.session.rollback()
    assert re.search(message, str(refused.value)), str(refused.value)
    assert rows() == before
    db.session.expire_all()
    assert programme_of(event) == programme


def test_a_slug_that_is_no_short_address_is_named(app):
    imported()
    other = FORUM.replace('slug = "harbour-forum"', 'slug = "Harbour Forum!"')
    with pytest.raises(event_files.EventFileError, match=r"^line 1: slug: Use 1 to 64"):
        imported(other)


# -- the door's policy for guests who never answered ------------------------------------------

LET_IN = FORUM + '\n[door]\nno_answer = "let_in"\n'


def test_the_door_policy_is_read_written_and_read_back_and_desk_when_left_out(app):
    assert event_files.read_event_file(FORUM).details.door_no_answer == DoorNoAnswer.DESK
    event = imported(LET_IN).event
    assert event.door_no_answer == DoorNoAnswer.LET_IN

    text = event_files.export_event(event)
    assert '[door]\nno_answer = "let_in"' in text
    assert not imported(text).changed_anything
    # The file says how the event should be: a file without the key sends to the desk again.
    assert imported(FORUM).changes["door_no_answer"] == (DoorNoAnswer.LET_IN, DoorNoAnswer.DESK)
    assert "\n[door]" not in event_files.export_event(event)


def test_a_door_policy_that_is_none_is_named_with_its_line(app):
    with pytest.raises(event_files.EventFileError) as refused:
        event_files.read_event_file(LET_IN.replace('"let_in"', '"open"'))
    line = len(LET_IN.splitlines())
    assert re.search(
        rf"^line {line}: door\.no_answer: 'open' is not one of: desk, let_in", str(refused.value)
    )


INTRO = FORUM.replace(
    "[mail]\n",
    '[mail]\nintro.en = """Dear colleagues,\nwe look forward to {{ you }}."""\n'
    'intro.zh = "敬邀蒞臨。"\n',
)


def test_the_invitation_s_introduction_is_read_written_and_read_back_as_text(app):
    assert event_files.read_event_file(FORUM).details.intro_en == ""
    event = imported(INTRO).event
    assert event.intro_en == "Dear colleagues,\nwe look forward to {{ you }}."
    assert event.intro_zh == "敬邀蒞臨。"

    text = event_files.export_event(event)
    assert "\nintro.en = " in text and "\nintro.zh = " in text
    assert not imported(text).changed_anything
    assert event_files.read_event_file(text).details.intro_en == event.intro_en
    # Left out of the file, the event has none again.
    assert imported(FORUM).changes["intro_zh"] == ("敬邀蒞臨。", "")
    assert "\nintro." not in event_files.export_event(event)


def test_an_introduction_too_long_is_named_with_its_line(app):
    long = FORUM.replace("[mail]\n", f'[mail]\nintro.en = "{"x" * 1501}"\n')
    with pytest.raises(event_files.EventFileError) as refused:
        imported(long)
    assert "mail.intro.en" in str(refused.value) and "1500" in str(refused.value)


ACCOMPANYING = FORUM + "\n[accompanying]\nlimits = { vip = 2, speaker = 1 }\ntake_seats = true\n"


def test_the_accompanying_persons_section_is_read_written_and_read_back(app):
    assert "[accompanying]" not in FORUM
    assert event_files.read_event_file(FORUM).details.companion_limits == ""
    event = imported(ACCOMPANYING).event
    assert (event.companion_limits, event.companions_take_seats) == ("speaker=1 vip=2", True)

    text = event_files.export_event(event)
    assert "[accompanying]\nlimits.speaker = 1\nlimits.vip = 2\ntake_seats = true" in text
    assert not imported(text).changed_anything
    # Left out: nobody brings anyone, and nobody takes a seat for it.
    assert imported(FORUM).changes["companion_limits"] == ("speaker=1 vip=2", "")
    assert "\n[accompanying]" not in event_files.export_event(event)


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ("{ vip = 21 }", r"accompanying\.limits: The limit of accompanying persons per guest"),
        ("{ vip = -1 }", r"accompanying\.limits: The limit of accompanying persons per guest"),
        ("{ mayor = 1 }", r"accompanying\.limits\.mayor: not a key"),
        ('{ vip = "2" }', r"accompanying\.limits\.vip: must be a whole number"),
    ],
)
def test_bad_accompanying_limits_are_named_with_their_line_and_nothing_written(
    app, limits, message
):
    before = rows()
    text = FORUM + f"\n[accompanying]\nlimits = {limits}\n"
    with pytest.raises(event_files.EventFileError) as refused:
        imported(text)
    db.session.rollback()
    line = len(text.splitlines())
    assert re.search(rf"^line {line}: {message}", str(refused.value)), str(refused.value)
    assert rows() == before
