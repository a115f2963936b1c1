"""The programme editor marks the sessions guests choose: the checkbox on a session, its
refusals next to the checkbox with nothing saved, and the programme showing which they are."""

from __future__ import annotations

import re

import sqlalchemy as sa
from support.app import text
from support.factories import make_guest, make_taipei_afternoon
from support.sessions import choose, make_sessions_event

from registrar.extensions import db
from registrar.models import AgendaItem, Channel
from registrar.services import rsvp


def base(event) -> str:
    return f"/console/events/{event.id}/programme"


def form(starts="13:30", ends="14:50", title="Session 2", kind="session", choosable=False):
    values = {"kind": kind, "title_en": title, "title_zh": "第二場", "starts": starts, "ends": ends}
    if choosable:
        values["choosable"] = "y"
    return values


def choosable_of(item_id: int) -> bool:
    db.session.expire_all()
    return db.session.scalar(sa.select(AgendaItem.choosable).where(AgendaItem.id == item_id))


def field_error(page: str) -> str:
    found = re.search(r'<p class="error" id="choosable-error">([^<]*)</p>', page)
    assert found, "no error next to the checkbox"
    return found[1]


def test_a_session_added_with_the_checkbox_is_one_guests_choose_and_the_list_says_so(
    organizer_client, app
):
    event = make_taipei_afternoon()
    response = organizer_client.post(f"{base(event)}/new", data=form(choosable=True))
    assert response.status_code == 302, text(response)
    item = db.session.scalar(sa.select(AgendaItem).where(AgendaItem.event_id == event.id))
    assert item.choosable
    page = text(organizer_client.get(base(event)))
    assert page.count('class="tag tag-choosable">Guests choose<') == 1
    assert 'id="sessions-guests-choose"' in page
    edit = text(organizer_client.get(f"{base(event)}/{item.id}/edit"))
    assert re.search(r'<input [^>]*checked[^>]*name="choosable"', edit)


def test_a_programme_without_chosen_sessions_shows_no_explanation(organizer_client, app):
    event = make_taipei_afternoon()
    organizer_client.post(f"{base(event)}/new", data=form())
    page = text(organizer_client.get(base(event)))
    assert "tag-choosable" not in page and 'id="sessions-guests-choose"' not in page


def test_a_break_marked_choosable_is_refused_next_to_the_checkbox_and_nothing_saved(
    organizer_client, app
):
    event = make_taipei_afternoon()
    response = organizer_client.post(f"{base(event)}/new", data=form(kind="break", choosable=True))
    assert response.status_code == 400
    assert "a break cannot" in field_error(text(response))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgendaItem)) == 0


def test_an_event_whose_guests_hold_seats_cannot_start_asking_for_sessions(organizer_client, app):
    event = make_taipei_afternoon()
    organizer_client.post(f"{base(event)}/new", data=form())
    item_id = db.session.scalar(sa.select(AgendaItem.id).where(AgendaItem.event_id == event.id))
    guest = make_guest(event)
    rsvp.answer(
        guest.id, guest.token_version, rsvp.RsvpAnswer(attending=True, channel=Channel.EN), "guest"
    )
    db.session.commit()
    response = organizer_client.post(f"{base(event)}/{item_id}/edit", data=form(choosable=True))
    assert response.status_code == 400
    assert "hold seats for the whole event already" in field_error(text(response))
    assert not choosable_of(item_id)


def test_a_session_a_guest_chose_cannot_stop_being_one_guests_choose(organizer_client, app):
    event, s2, s3 = make_sessions_event()
    choose(make_guest(event), s2)
    response = organizer_client.post(
        f"{base(event)}/{s2.id}/edit", data=form(title="Session 2 again")
    )
    assert response.status_code == 400
    assert "1 guests chose this session" in field_error(text(response))
    assert choosable_of(s2.id)
    assert db.session.get(AgendaItem, s2.id).title_en != "Session 2 again"


def test_a_session_nobody_chose_may_stop_being_one_guests_choose(organizer_client, app):
    event, s2, s3 = make_sessions_event()
    choose(make_guest(event), s2)
    response = organizer_client.post(
        f"{base(event)}/{s3.id}/edit", data=form(starts="15:10", ends="16:30", title="S3")
    )
    assert response.status_code == 302, text(response)
    assert not choosable_of(s3.id)
    page = text(organizer_client.get(base(event)))
    assert page.count("tag-choosable") == 1
