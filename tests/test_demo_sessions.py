"""The demo's forum asks its guests which of its two sessions they attend: the event file
marks Session 2 and Session 3 as sessions guests choose, and the sample answers give a few
guests one session only while the others come to both."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from registrar import demo
from registrar.extensions import db
from registrar.models import AgendaItem, Guest, SeatState
from registrar.services import programme
from registrar.services.seats import sessions

TODAY = date.today()


def test_the_forum_file_marks_its_two_sessions_as_sessions_guests_choose(app):
    file = demo.read_event(demo.forum_day(TODAY))
    chosen = [item for item in file.programme if item.choosable]
    assert [(item.title_en.split(":")[0], item.kind.value) for item in chosen] == [
        ("Session 2 of the CityCOP conference", "session"),
        ("Session 3", "session"),
    ]
    assert not any(item.choosable for item in file.programme if item.kind.value == "break")


def test_seeding_seats_each_guest_in_the_sessions_of_their_answer(app):
    result = demo.seed(TODAY)
    db.session.commit()
    event = result.event
    offered = sessions.offered(event.id)
    assert [programme.clock(event, s.starts_at) for s in offered] == ["13:30", "15:10"]
    assert [programme.clock(event, s.ends_at) for s in offered] == ["14:50", "16:30"]
    at = {programme.clock(event, s.starts_at): s.id for s in offered}
    choices = demo.read_session_choices()
    assert choices and all(len(starts) == 1 for starts in choices.values())
    for email, reply in demo.read_answers():
        guest = db.session.scalar(
            sa.select(Guest).where(Guest.event_id == event.id, Guest.email == email)
        )
        places = sessions.places_of(guest)
        if not reply.attending:
            assert places == []
            continue
        wanted = [at[start] for start in choices.get(email, at)]
        assert [place.session.id for place in places] == wanted, email
        assert all(place.state == SeatState.CONFIRMED for place in places)
    counts = dict((item.id, c) for item, c in sessions.counts_by_session(event))
    yes = [email for email, reply in demo.read_answers() if reply.attending]
    only_other = {start: sum(1 for e in choices if choices[e] != (start,)) for start in at}
    for start, sid in at.items():
        assert counts[sid].confirmed == len(yes) - only_other[start]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgendaItem)) == 3
