"""The demo: its data files read cleanly, and seeding makes exactly what they describe."""

from __future__ import annotations

import csv
import re
import tomllib
from datetime import date, datetime, time
from html import unescape
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from registrar import demo
from registrar.demo.seed import EVENT_FILE, GUESTS_FILE
from registrar.extensions import db
from registrar.mail import render
from registrar.models import (
    AgendaItem,
    AgendaPerson,
    Event,
    EventState,
    Guest,
    Language,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    Rsvp,
    Seat,
    SeatState,
    StaffUser,
    utcnow,
)
from registrar.services import audit, event_files, imports, invitations

# Seeding answers for guests, and answers close some weeks after the day the demo is run.
TODAY = date.today()


def guest_rows() -> list[dict[str, str]]:
    with GUESTS_FILE.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def totals() -> dict[str, int]:
    models = (Event, Guest, StaffUser, AgendaItem, AgendaPerson, Rsvp, Seat, OutboxMessage)
    return {model.__name__: count(model) for model in models}


# -- the data files -------------------------------------------------------------------------


def file_data() -> dict:
    return tomllib.loads(EVENT_FILE.read_text("utf-8"))


def test_the_event_file_reads_into_the_forum_and_its_programme_on_the_day_given(app):
    data = file_data()
    day = demo.forum_day(TODAY)
    file = demo.read_event(day)
    details = file.details

    assert details.slug == data["slug"]
    assert (details.title_en, details.title_zh) == (data["title"]["en"], data["title"]["zh"])
    assert (details.room_en, details.capacity, details.held_seats) == (
        data["room"]["name"]["en"],
        data["room"]["capacity"],
        data["room"]["held"],
    )
    assert [c.value for c in details.channels] == data["channels"]
    starts = time.fromisoformat(data["times"]["starts"])
    assert details.starts_at == datetime.combine(day, starts, tzinfo=ZoneInfo(data["timezone"]))
    assert details.rsvp_deadline.date() < day
    assert len(file.programme) == len(data["agenda"])
    for item, entry in zip(file.programme, data["agenda"], strict=True):
        assert item.kind.value == entry["kind"]
        assert item.title_zh == entry["title"]["zh"]
        assert len(item.people) == len(entry.get("people", []))
        assert item.starts_at.date() == day


def test_the_event_file_keeps_its_own_date_when_no_day_is_given(app):
    assert demo.read_event().details.starts_at.date() == file_data()["date"]


def test_the_programme_says_why_its_sessions_are_numbered_2_and_3(app):
    file = demo.read_event()
    first = file.programme[0]
    assert "CityCOP" in first.title_en and "CityCOP" in first.title_zh
    assert "2 and 3" in file.details.description_en
    assert "第二場與第三場" in file.details.description_zh


def test_speakers_titles_stand_apart_from_their_affiliations(app):
    people = [person for item in demo.read_event().programme for person in item.people]
    mayors = [p for p in people if p.title_en == "Mayor"]
    assert len(mayors) == 2 and all(p.title_zh == "市長" for p in mayors)
    assert not any(p.affiliation_en.startswith("Mayor") for p in people)
    lin = next(p for p in people if p.name_en == "Dr. Tze-Luen Lin")
    assert (lin.name_zh, lin.title_en) == ("林子倫", "Deputy Director")


def test_the_guest_file_is_a_clean_import_of_every_row(app):
    event = event_files.import_event(demo.read_event(demo.forum_day(TODAY)), audit.SYSTEM).event
    preview = imports.preview(event, GUESTS_FILE.read_bytes())
    assert preview.ok, [str(i) for i in preview.issues + preview.error_rows]
    assert preview.counts[imports.Outcome.NEW] == len(guest_rows()) > 0


def test_every_sample_answer_is_of_a_guest_in_the_guest_file():
    emails = [row["email"] for row in guest_rows()]
    answers = demo.read_answers()
    assert answers
    assert {email for email, _ in answers} <= set(emails)
    assert len({email for email, _ in answers}) == len(answers)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("[room]", "[room]\nseats = 3"), "room.seats"),
        (('starts = "13:30"', 'starts = "1:30 pm"'), "times.starts"),
        (('kind = "break"', 'kind = "lunch"'), "agenda[1].kind"),
        (('role = "moderator"', 'role = "host"'), "agenda[0].people[3].role"),
        (("capacity = 36", 'capacity = "36"'), "room.capacity"),
    ],
)
def test_a_wrong_key_in_the_event_file_is_named_with_its_line(app, change, where):
    old, new = change
    text = EVENT_FILE.read_text("utf-8").replace(old, new, 1)
    wrong = new.splitlines()[-1]
    line = next(n for n, text_line in enumerate(text.splitlines(), 1) if wrong in text_line)
    with pytest.raises(event_files.EventFileError, match=f"^line {line}: {re.escape(where)}:"):
        event_files.read_event_file(text)


# -- seeding --------------------------------------------------------------------------------


def test_seeding_makes_the_event_guests_and_answers_of_the_files(app):
    result = demo.seed(TODAY)
    db.session.commit()

    data = file_data()
    rows = guest_rows()
    answers = demo.read_answers()
    assert result.created and result.organizer_created and result.door_created
    assert count(Event) == 1
    assert result.event.state == EventState.OPEN
    assert count(AgendaItem) == len(data["agenda"])
    assert count(AgendaPerson) == sum(len(item.get("people", [])) for item in data["agenda"])
    assert [g.email for g in result.guests] == [row["email"] for row in rows]
    assert count(Guest) == len(rows)
    for guest, row in zip(result.guests, rows, strict=True):
        stored = {name: str(getattr(guest, name) or "") for name in imports.FIELDS}
        assert stored == row

    assert count(Rsvp) == len(answers)
    yes = [email for email, reply in answers if reply.attending]
    assert count(Seat, Seat.state == SeatState.CONFIRMED) == len(yes)
    by_email = {guest.email: guest for guest in result.guests}
    for email, reply in answers:
        guest = by_email[email]
        assert (guest.rsvp.attending, guest.rsvp.channel) == (reply.attending, reply.channel)
        # Answered as if invited before the demo began, and no mail owed for it.
        assert guest.sent_at is not None
    assert count(OutboxMessage, OutboxMessage.status == MessageStatus.QUEUED) == 0
    assert count(StaffUser) == 3  # organizer, door staff, door lead


def test_seeding_twice_adds_nothing_twice(app):
    first = demo.seed(TODAY)
    db.session.commit()
    after_first = totals()

    second = demo.seed(TODAY)
    db.session.commit()
    assert not (second.created or second.organizer_created or second.door_created)
    assert totals() == after_first
    assert [g.id for g in second.guests] == [g.id for g in first.guests]


def test_seeding_again_keeps_an_organizers_edit_and_brings_back_a_removed_guest(app):
    first = demo.seed(TODAY)
    edited, removed = [g for g in first.guests if g.rsvp is None][:2]
    edited.title = "Chief Resilience Officer"
    removed_email = removed.email
    db.session.delete(removed)
    db.session.commit()

    second = demo.seed(TODAY)
    db.session.commit()
    assert count(Guest) == len(guest_rows())
    assert db.session.get(Guest, edited.id).title == "Chief Resilience Officer"
    assert removed_email in [g.email for g in second.guests]
    assert count(Rsvp) == len(demo.read_answers())


def test_the_forum_day_is_a_weekday_weeks_ahead():
    for offset in range(7):
        today = date(2026, 3, 2 + offset)
        day = demo.forum_day(today)
        assert day.weekday() < 5
        assert demo.DAYS_AHEAD <= (day - today).days < demo.DAYS_AHEAD + 3


# -- the words a guest reads ----------------------------------------------------------------


def test_the_invitation_names_the_organizers_as_a_sentence_reads_them(app, client):
    guests = demo.seed(TODAY).guests
    db.session.commit()
    english = next(g for g in guests if g.language == Language.EN and g.rsvp is None)
    chinese = next(g for g in guests if g.language == Language.ZH_HANT and g.rsvp is None)
    organizers = "the City of Kaohsiung, ICLEI and the ICLEI Kaohsiung Capacity Center"

    with render.guest_language(english):
        _, text, html = render.texts(MessageKind.INVITATION, english, {}, utcnow())
    assert f"On behalf of {organizers}, we have the pleasure" in " ".join(text.split())
    assert f"On behalf of {organizers}, we have the pleasure" in " ".join(unescape(html).split())
    with render.guest_language(chinese):
        _, text, _ = render.texts(MessageKind.INVITATION, chinese, {}, utcnow())
    assert "ICLEI 高雄能力培訓中心誠摯邀請您出席本論壇。" in text
    assert text.startswith("高雄市政府、") or "\n高雄市政府、" in text

    # Where they stand alone, at the start of a line, they begin with a capital.
    page = unescape(client.get(urlsplit(invitations.invitation_url(english)).path).text)
    assert "The City of Kaohsiung, ICLEI and the ICLEI Kaohsiung Capacity Center" in page


def test_the_programme_names_each_speakers_post_whole_in_chinese(app, client):
    guests = demo.seed(TODAY).guests
    db.session.commit()
    chinese = next(g for g in guests if g.language == Language.ZH_HANT)
    page = client.get(urlsplit(invitations.invitation_url(chinese)).path).text
    # The event page's "貝里斯貝里斯市長" lacks the 市 of Belize City.
    assert "貝里斯貝里斯市 市長" in page
    assert "史瓦帝尼姆巴巴內市 市長" in page
