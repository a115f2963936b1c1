"""Telling invited guests that the programme changed: the console shows what changed since
they were told, the organizer tells them (one notice each, in their language, delivered by a
real SMTP server on the loopback) or keeps it untold; a stale or forged decision tells nobody."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from support.app import text
from support.auth import api_bearer
from support.factories import (
    answer,
    invitation_path,
    make_guest,
    make_staff,
    make_taipei_afternoon,
)
from support.smtp import smtp_config, smtp_inbox

from registrar.extensions import db
from registrar.mail import delivery
from registrar.models import (
    AgendaKind,
    ApiRole,
    AuditEntry,
    Event,
    Guest,
    Language,
    MessageKind,
    OutboxMessage,
    Role,
    utcnow,
)
from registrar.services import events, invitations, programme
from registrar.services.event_details import EventDetails
from registrar.services.programme import told

ACTOR = "staff:1"


@pytest.fixture
def inbox():
    with smtp_inbox() as running:
        yield running


@pytest.fixture
def app_config(app_config, inbox):
    return {**app_config, **smtp_config(inbox)}


def session(starts: str, ends: str, en: str, zh: str) -> programme.ItemDetails:
    return programme.ItemDetails(AgendaKind.SESSION, starts, ends, en, zh)


def forum_with_programme() -> Event:
    event = make_taipei_afternoon(capacity=10)
    programme.add_item(
        event.id, session("13:30", "14:50", "Working with Nature", "與自然共事"), ACTOR
    )
    programme.add_item(event.id, session("15:10", "16:30", "Green Mobility", "綠色運輸"), ACTOR)
    db.session.commit()
    return event


def invited(event: Event, **fields) -> Guest:
    guest = make_guest(event, **fields)
    guest.sent_at = utcnow() - timedelta(days=1)
    db.session.commit()
    return guest


def items(event: Event) -> list:
    db.session.refresh(event)
    return list(event.agenda)


def notices_queued() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.kind == MessageKind.DETAILS_CHANGED)
            .order_by(OutboxMessage.guest_id)
        )
    )


def page(organizer_client, event: Event) -> str:
    response = organizer_client.get(f"/console/events/{event.id}/programme")
    assert response.status_code == 200
    return text(response)


def seen(page_text: str) -> str:
    (value,) = set(re.findall(r'name="seen" type="hidden" value="([0-9a-f]+)"', page_text))
    return value


def test_changes_before_invitations_are_nobodys_concern(app):
    event = forum_with_programme()
    make_guest(event)  # not invited yet
    first = items(event)[0]
    programme.update_item(event.id, first.id, session("13:30", "14:40", "Nature", "自然"), ACTOR)
    db.session.commit()
    assert told.pending(event).changes == {}
    assert event.programme_told is None


def test_the_organizer_sees_what_changed_and_tells_each_guest_once_in_their_language(
    organizer_client, client, inbox
):
    event = forum_with_programme()
    english = invited(event, name_en="Maria Santos")
    chinese = invited(event, language=Language.ZH_HANT)
    declined = invited(event)
    answer(english)
    answer(declined, attending=False)
    first, second = items(event)
    assert "Guests were invited with an earlier programme" not in page(organizer_client, event)

    # Session 3 moves by ten minutes and is renamed in English; a break is added.
    programme.update_item(
        event.id,
        second.id,
        session("15:20", "16:40", "Innovating Green Mobility", "綠色運輸"),
        ACTOR,
    )
    programme.add_item(
        event.id,
        programme.ItemDetails(AgendaKind.BREAK, "14:50", "15:20", "Tea break", "茶敘"),
        ACTOR,
    )
    db.session.commit()

    shown = page(organizer_client, event)
    assert "Guests were invited with an earlier programme" in shown
    assert "These guests will be told: 2 invited, 1 confirmed, 0 waitlisted." in shown
    assert "Programme: Innovating Green Mobility" in shown
    assert "Green Mobility, 15:10–16:30" in shown and "15:20–16:40" in shown
    assert "Programme: Tea break" in shown
    assert "Working with Nature" not in shown.split("earlier programme")[1].split("</table>")[0]
    assert notices_queued() == []  # nothing until the organizer decides

    response = organizer_client.post(
        f"/console/events/{event.id}/programme/notice/tell", data={"seen": seen(shown)}
    )
    assert response.status_code == 302
    assert sorted(m.guest_id for m in notices_queued()) == sorted([english.id, chinese.id])
    assert "Guests were invited with an earlier programme" not in page(organizer_client, event)

    assert delivery.deliver_due().sent >= 2
    (to_english,) = [m for m in inbox.to(english.email) if "changed" in m["Subject"]]
    body = to_english.get_body(("plain",)).get_content()
    assert "Programme: Innovating Green Mobility" in body
    assert "15:20–16:40" in body and "15:10–16:30" in body
    (to_chinese,) = inbox.to(chinese.email)
    body = to_chinese.get_body(("plain",)).get_content()
    assert "綠色運輸" in body and "15:20–16:40" in body and "茶敘" in body
    assert "Innovating" not in body  # the Chinese title did not change: no old title shown
    assert inbox.to(declined.email) == [] or all(
        "changed" not in m["Subject"] for m in inbox.to(declined.email)
    )

    # The guest's page says what changed, in their language.
    guest_page = text(client.get(invitation_path(chinese)))
    assert "綠色運輸" in guest_page and "15:10–16:30" in guest_page
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "programme.change_notice")
    ).one()
    assert entry.details["queued"] == 2 and entry.details["items"] == 2


def test_a_change_undone_before_telling_leaves_nothing_to_tell(app):
    event = forum_with_programme()
    invited(event)
    first = items(event)[0]
    programme.update_item(
        event.id, first.id, session("13:40", "14:50", "Working with Nature", "與自然共事"), ACTOR
    )
    db.session.commit()
    assert list(told.pending(event).changes) == [f"programme:{first.id}"]
    programme.update_item(
        event.id, first.id, session("13:30", "14:50", "Working with Nature", "與自然共事"), ACTOR
    )
    db.session.commit()
    pending = told.pending(event)
    assert pending.changes == {}
    with pytest.raises(told.NothingToTell):
        told.tell(event.id, pending.fingerprint, ACTOR)
    db.session.rollback()
    assert notices_queued() == []


def test_a_change_made_after_the_page_was_read_tells_nobody(organizer_client):
    event = forum_with_programme()
    invited(event)
    first, second = items(event)
    programme.delete_item(event.id, second.id, ACTOR)
    db.session.commit()
    looked = seen(page(organizer_client, event))
    # Another organizer changes the programme again before the button is pressed.
    programme.update_item(
        event.id, first.id, session("13:30", "14:40", "Working with Nature", "與自然共事"), ACTOR
    )
    db.session.commit()

    response = organizer_client.post(
        f"/console/events/{event.id}/programme/notice/tell", data={"seen": looked}
    )
    assert response.status_code == 302
    shown = page(organizer_client, event)
    assert "The programme changed again meanwhile" in shown
    assert "Off the programme" in shown and "13:30–14:40" in shown
    assert notices_queued() == []


def test_a_forged_decision_without_the_csrf_token_tells_nobody(app, organizer_client):
    event = forum_with_programme()
    invited(event)
    first = items(event)[0]
    programme.delete_item(event.id, first.id, ACTOR)
    db.session.commit()
    fingerprint = told.pending(event).fingerprint
    app.config["WTF_CSRF_ENABLED"] = True
    response = organizer_client.post(
        f"/console/events/{event.id}/programme/notice/tell", data={"seen": fingerprint}
    )
    assert response.status_code == 400  # the app's CSRF protection refuses it whole
    assert notices_queued() == []
    assert told.pending(event).changes  # still to be told


def test_keeping_the_changes_untold_makes_them_the_programme_guests_know(organizer_client):
    event = forum_with_programme()
    invited(event)
    first = items(event)[0]
    programme.update_item(
        event.id, first.id, session("13:30", "14:50", "Working with nature", "與自然共事"), ACTOR
    )
    db.session.commit()
    response = organizer_client.post(
        f"/console/events/{event.id}/programme/notice/keep",
        data={"seen": seen(page(organizer_client, event))},
    )
    assert response.status_code == 302
    assert "Guests were invited with an earlier programme" not in page(organizer_client, event)
    assert notices_queued() == []
    assert db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "programme.change_not_told")
    ).one()
    # A later change is compared with the programme as kept, not with the first one.
    programme.update_item(
        event.id, first.id, session("13:30", "14:40", "Working with nature", "與自然共事"), ACTOR
    )
    db.session.commit()
    (pair,) = told.pending(event).changes.values()
    assert pair[0]["title_en"] == "Working with nature"


def test_moving_the_whole_forum_moves_the_programme_guests_know_with_it(app):
    event = forum_with_programme()
    invited(event)
    first = items(event)[0]
    programme.update_item(
        event.id, first.id, session("13:30", "14:40", "Working with Nature", "與自然共事"), ACTOR
    )
    db.session.commit()
    db.session.refresh(event)
    details = EventDetails.of(event)
    moved = details.__class__(
        **{
            **vars(details),
            "doors_open_at": event.doors_open_at + timedelta(hours=1),
            "starts_at": event.starts_at + timedelta(hours=1),
            "ends_at": event.ends_at + timedelta(hours=1),
        }
    )
    events.update(
        event.id, moved, event.edit_version, ACTOR, notice_confirmed=True, move_programme=True
    )
    db.session.commit()
    # Only the item changed by hand is a change of the programme's own.
    assert list(told.pending(event).changes) == [f"programme:{first.id}"]


def test_a_revoked_guest_is_not_told(app):
    event = forum_with_programme()
    kept = invited(event)
    gone = invited(event)
    invitations.revoke(gone.id, ACTOR)
    db.session.commit()
    programme.delete_item(event.id, items(event)[0].id, ACTOR)
    db.session.commit()
    pending = told.pending(event)
    assert [g.id for g in pending.audience.guests] == [kept.id]
    assert told.tell(event.id, pending.fingerprint, ACTOR) == (1, 1)


def test_the_api_reads_the_changes_and_tells_them_once(client):
    event = forum_with_programme()
    organizer = make_staff("organizer@example.org", Role.ORGANIZER, events=[event])
    writer = api_bearer(organizer, event, ApiRole.ORGANIZER, "writer")
    reader = api_bearer(organizer, event, ApiRole.READ, "reader")
    english = invited(event)
    first = items(event)[0]
    url = f"/api/v1/events/{event.id}/programme/changes"
    assert client.get(url, headers=writer).get_json()["changes"] == []

    programme.update_item(
        event.id, first.id, session("13:40", "15:00", "Working with Nature", "與自然共事"), ACTOR
    )
    db.session.commit()
    assert client.get(url, headers=reader).status_code == 403
    read = client.get(url, headers=writer).get_json()
    (change,) = read["changes"]
    assert change["item_id"] == first.id
    assert change["before"]["starts_at"].startswith(f"{first.starts_at.date()}T05:30")
    assert change["after"]["starts_at"].startswith(f"{first.starts_at.date()}T05:40")
    assert read["invited"] == 1

    refused = client.post(url, headers=reader, json={"seen": read["seen"], "notify": True})
    assert refused.status_code == 403
    stale = client.post(url, headers=writer, json={"seen": "0" * 16, "notify": True})
    assert stale.status_code == 409
    assert notices_queued() == []

    done = client.post(url, headers=writer, json={"seen": read["seen"], "notify": True})
    assert done.status_code == 200
    assert done.get_json() == {"items": 1, "queued": 1}
    assert [m.guest_id for m in notices_queued()] == [english.id]
    # The same decision again (a retry): nothing left to tell, nothing sent twice.
    again = client.post(url, headers=writer, json={"seen": read["seen"], "notify": True})
    assert again.status_code == 400
    assert len(notices_queued()) == 1
