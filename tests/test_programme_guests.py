"""A programme item's speakers and moderators linked to guests of the event: shown on the arrival
desk and offered for place cards whatever the guest's category; set in the console and the API,
kept by an event file's import; a guest of another event refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from support.auth import api_bearer
from support.factories import answer, make_event, make_guest, make_staff

from registrar import unit_of_work
from registrar.extensions import db
from registrar.models import (
    AgendaKind,
    AgendaPerson,
    ApiRole,
    AuditEntry,
    Category,
    Event,
    PersonRole,
    Role,
)
from registrar.services import audit, event_files, programme, protocol
from registrar.services.programme import ProgrammeError


@pytest.fixture
def event(app) -> Event:
    return make_event(capacity=10)


def session_with(event: Event, *people: programme.PersonDetails):
    starts = event.starts_at + timedelta(minutes=10)
    item = unit_of_work.run(
        lambda: programme.add_item(
            event.id,
            programme.ItemDetails(
                kind=AgendaKind.SESSION,
                starts=programme.clock(event, starts),
                ends=programme.clock(event, starts + timedelta(minutes=30)),
                title_en="Panel",
            ),
            audit.SYSTEM,
            list(people),
        )
    )
    return item


def test_a_speaker_who_is_a_delegate_is_on_the_arrival_desk_and_the_place_cards(event):
    professor = make_guest(
        event, name_en="Wang Professor", name_zh="王教授", category=Category.DELEGATE
    )
    answer(professor)
    make_guest(event, name_en="Plain Delegate", category=Category.DELEGATE)
    vip = make_guest(event, name_en="A Vip", category=Category.VIP)
    session_with(
        event,
        # Named on the programme otherwise than on the guest list: the link counts.
        programme.PersonDetails(
            role=PersonRole.SPEAKER, name_en="Prof. Wang", guest_id=professor.id
        ),
        programme.PersonDetails(role=PersonRole.MODERATOR, name_en="Outside Moderator"),
    )

    desk = protocol.arrival_desk(db.session.get(Event, event.id))
    assert {row.id for row in desk} == {professor.id, vip.id}
    # The MC's list stays the VIPs'.
    assert professor.id not in {r.id for r in protocol.acknowledgement_list(event)}

    cards = protocol.cards_for(event, [Category.VIP], [], programme=True)
    firsts = [card.first for card in cards]
    assert "Wang Professor" in firsts  # the guest's own card, not the programme's spelling
    assert "Prof. Wang" not in firsts
    assert "Outside Moderator" in firsts
    # Without the programme, only the categories ticked.
    assert [c.first for c in protocol.cards_for(event, [Category.VIP], [])] == ["A Vip"]


def test_a_guest_of_another_event_is_refused_and_nothing_is_written(event):
    stranger = make_guest(make_event(), name_en="Elsewhere")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    with pytest.raises(ProgrammeError, match="Choose the guest from this event's list"):
        session_with(
            event,
            programme.PersonDetails(role=PersonRole.SPEAKER, name_en="X", guest_id=stranger.id),
        )
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(AgendaPerson))


def test_the_console_links_a_person_to_a_guest(event, organizer_client):
    professor = make_guest(event, name_en="Wang Professor", email="wang@example.org")
    item = session_with(event)
    version = protocol.desk_version(event.id)
    url = f"/console/events/{event.id}/programme/{item.id}/people/new"
    page = organizer_client.get(url).get_data(as_text=True)
    assert "Wang Professor · wang@example.org" in page

    bad = organizer_client.post(url, data={"role": "speaker", "name_en": "X", "guest": "999999"})
    assert bad.status_code == 400
    assert "Choose the guest from this event" in bad.get_data(as_text=True)
    response = organizer_client.post(
        url, data={"role": "speaker", "name_en": "Prof. Wang", "guest": str(professor.id)}
    )
    assert response.status_code == 302
    person = db.session.scalar(sa.select(AgendaPerson))
    assert person.guest_id == professor.id
    # The arrival desk's poll sees the change (the professor is on the desk now).
    assert protocol.desk_version(event.id) != version
    edit = organizer_client.get(
        f"/console/events/{event.id}/programme/{item.id}/people/{person.id}/edit"
    ).get_data(as_text=True)
    assert f'<option selected value="{professor.id}">' in edit or (
        f'value="{professor.id}" selected' in edit
    )


def test_the_api_reads_and_writes_the_link(event, client):
    professor = make_guest(event, name_en="Wang Professor")
    stranger = make_guest(make_event(), name_en="Elsewhere")
    account = make_staff("org@example.org", Role.ORGANIZER, events=[event])
    headers = api_bearer(account, event, ApiRole.ORGANIZER, "writer")
    starts = event.starts_at + timedelta(minutes=10)
    body = {
        "kind": "session",
        "starts": programme.clock(event, starts),
        "ends": programme.clock(event, starts + timedelta(minutes=30)),
        "title_en": "Panel",
        "people": [{"role": "speaker", "name_en": "Prof. Wang", "guest_id": professor.id}],
    }
    path = f"/api/v1/events/{event.id}/programme"
    made = client.post(path, json=body, headers=headers)
    assert made.status_code == 200, made.get_json()
    assert made.get_json()["people"][0]["guest_id"] == professor.id

    body["people"][0]["guest_id"] = stranger.id
    body["starts"] = programme.clock(event, starts + timedelta(minutes=40))
    body["ends"] = programme.clock(event, starts + timedelta(minutes=50))
    refused = client.post(path, json=body, headers=headers)
    assert refused.status_code == 400
    assert "Choose the guest" in refused.get_json()["error"]["message"]


def test_an_event_files_import_keeps_the_link(event):
    professor = make_guest(event, name_en="Wang Professor")
    session_with(
        event,
        programme.PersonDetails(
            role=PersonRole.SPEAKER, name_en="Prof. Wang", guest_id=professor.id
        ),
    )
    text = event_files.export_event(db.session.get(Event, event.id))
    again = unit_of_work.run(
        lambda: event_files.import_event(event_files.read_event_file(text), audit.SYSTEM)
    )
    # (The factory's times have seconds, which a file does not: only the programme counts.)
    assert not again.programme
    db.session.expire_all()
    assert db.session.scalar(sa.select(AgendaPerson.guest_id)) == professor.id
