"""The console's e-mail page: previews of each message as a chosen guest gets it, tests to the
organizer's own address, the invitation's own introduction, and the confirmation before any
send to all. Mail goes to a real SMTP server (aiosmtpd) on the loopback."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from support.auth import ORGANIZER_EMAIL
from support.factories import answer, make_event, make_guest
from support.smtp import smtp_config, smtp_inbox

from registrar.extensions import db
from registrar.mail import campaigns, delivery, previews
from registrar.mail.render import WITH_BADGE
from registrar.models import (
    Event,
    Guest,
    Language,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    utcnow,
)
from registrar.services import audit

pytestmark = pytest.mark.usefixtures("organizer_client")


@pytest.fixture
def smtp_server():
    with smtp_inbox() as inbox:
        yield inbox


@pytest.fixture
def app_config(app_config, smtp_server):
    return {**app_config, **smtp_config(smtp_server)}


def outbox(**where) -> list[OutboxMessage]:
    db.session.expire_all()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(db.session.scalars(query))


def deliver() -> delivery.DeliveryReport:
    db.session.commit()
    report = delivery.deliver_due()
    db.session.expire_all()
    return report


def shown_text(page: str, language: str) -> str:
    """The plain-text part the preview page shows for one language."""
    section = page.split(f'data-language="{language}"', 1)[1]
    found = re.search(r'<pre class="mail-text">(.*?)</pre>', section, re.S)
    assert found, section[:2000]
    return unescape(found[1])


def test_the_chinese_invitation_preview_is_what_the_guest_receives(client, smtp_server):
    event = make_event(intro_en="Welcome to the forum.", intro_zh="歡迎光臨。\n請準時出席。")
    make_guest(event, name_en="First Guest")  # the picker's default: the event's first guest
    guest = make_guest(event, name_en="Lai Ching-Ming", name_zh="賴慶明", language=Language.ZH_HANT)
    base = f"/console/events/{event.id}/mail/preview"

    first = client.get(base).get_data(as_text=True)
    assert "First Guest" in first and 'value="invitation" selected' in first
    page = client.get(f"{base}?kind=invitation&guest={guest.id}")
    assert page.status_code == 200
    page_text = page.get_data(as_text=True)
    assert 'data-language="en"' in page_text and 'data-language="zh_Hant"' in page_text
    frame = client.get(f"{base}/zh_Hant.html?kind=invitation&guest={guest.id}")
    assert "sandbox" in frame.headers["Content-Security-Policy"]
    preview_html = frame.get_data(as_text=True)
    preview_text = shown_text(page_text, "zh_Hant")
    assert not outbox()  # a preview stores nothing

    response = client.post(
        f"/console/events/{event.id}/mail/invitations",
        data={"invite-guest_ids": [str(guest.id)], "invite-selected": "1", "invite-confirm": "1"},
    )
    assert response.status_code == 302
    assert deliver().sent == 1
    (received,) = smtp_server.to(guest.email)
    assert received["Content-Language"] == "zh-Hant-TW"
    assert received.get_body(("html",)).get_content() == preview_html
    assert received.get_body(("plain",)).get_content() == preview_text
    assert "歡迎光臨。<br>請準時出席。" in preview_html
    assert received["Subject"] in page_text


def test_every_kind_previews_in_both_languages_for_a_guest_who_can_get_it(client):
    event = make_event()
    waiting = make_guest(event, name_en="Waiting Guest")
    declined = make_guest(event)
    confirmed = make_guest(event, name_en="Seated Guest")
    answer(declined, attending=False)
    answer(confirmed)
    before = len(outbox())  # the answers' own messages
    for guest in (waiting, declined, confirmed):
        for kind in previews.KINDS:
            page = client.get(
                f"/console/events/{event.id}/mail/preview?kind={kind.value}&guest={guest.id}"
            ).get_data(as_text=True)
            if previews.can_show(guest, kind):
                for language in Language:
                    shown = previews.guest_preview(guest, kind, language)
                    assert shown.subject in unescape(page), (kind, language)
                    assert shown.text and shown.html
                    if kind in WITH_BADGE:  # the QR code shows inside the preview's frame
                        assert "cid:" in shown.html and "cid:" not in shown.shown_html
                        assert 'src="data:image/png;base64,' in shown.shown_html
                        assert "badge.pdf" in shown.attachments
            else:
                # A badge needs a seat: the page says so and offers a guest who has one.
                assert 'id="cannot-show"' in page and "Seated Guest" in page
                assert f"guest={confirmed.id}" in page
    assert len(outbox()) == before  # previews store nothing


def test_a_test_reaches_the_organizer_only_and_changes_no_guest(client, smtp_server):
    event = make_event()
    guest = make_guest(event, name_en="Amelia Clarke")
    confirmed = make_guest(event)
    answer(confirmed)
    deliver()  # the guest's own confirmation
    before = campaigns.status_counts(event)

    response = client.post(
        f"/console/events/{event.id}/mail/test",
        data={"guest": str(guest.id), "kind": "invitation", "language": "zh_Hant"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert f"to {ORGANIZER_EMAIL} (not to the guest)" in page
    (test,) = outbox(is_test=True)
    assert (test.to_address, test.language, test.guest_id) == (
        ORGANIZER_EMAIL,
        Language.ZH_HANT,
        guest.id,
    )
    # A second press at once queues nothing.
    again = client.post(
        f"/console/events/{event.id}/mail/test",
        data={"guest": str(guest.id), "kind": "invitation", "language": "zh_Hant"},
        follow_redirects=True,
    )
    assert "wait a few seconds" in again.get_data(as_text=True)
    assert len(outbox(is_test=True)) == 1

    # Not the guest's: not counted, not in the guest's messages, not blocking an invitation.
    assert campaigns.status_counts(event) == before
    assert campaigns.messages_of(guest) == []
    assert [g.id for g in campaigns.uninvited_guests(event)] == [guest.id]

    assert deliver().sent == 1
    (received,) = smtp_server.to(ORGANIZER_EMAIL)
    assert received["To"] == ORGANIZER_EMAIL
    assert received["Content-Language"] == "zh-Hant-TW"
    assert smtp_server.to(guest.email) == []
    db.session.expire_all()
    assert db.session.get(Guest, guest.id).sent_at is None
    assert [g.id for g in campaigns.uninvited_guests(event)] == [guest.id]
    assert outbox(is_test=True)[0].status == MessageStatus.SENT
    tests_page = client.get(f"/console/events/{event.id}/mail/preview?guest={guest.id}")
    assert "Sent" in tests_page.get_data(as_text=True)

    # A confirmed guest's seat message goes as a test even though nothing about the seat
    # changed, and the guest's own messages stay as they were.
    queued = campaigns.send_test(
        event,
        confirmed.id,
        MessageKind.CONFIRMATION,
        Language.EN,
        to_address=ORGANIZER_EMAIL,
        actor="staff:other",
    )
    db.session.commit()
    own = [m.id for m in campaigns.messages_of(confirmed)]
    assert deliver().sent == 1
    assert queued.id not in own and len(own) == 1
    assert len(smtp_server.to(ORGANIZER_EMAIL)) == 2
    assert len(smtp_server.to(confirmed.email)) == 1


def test_tests_are_limited_per_hour(app):
    event = make_event()
    guest = make_guest(event)
    now = utcnow() - timedelta(minutes=50)
    for n in range(campaigns.TESTS_PER_HOUR):
        campaigns.send_test(
            event,
            guest.id,
            MessageKind.INVITATION,
            Language.EN,
            to_address=ORGANIZER_EMAIL,
            actor="staff:1",
            now=now + timedelta(minutes=n),
        )
    with pytest.raises(campaigns.InvalidAnswer):
        campaigns.send_test(
            event,
            guest.id,
            MessageKind.INVITATION,
            Language.EN,
            to_address=ORGANIZER_EMAIL,
            actor="staff:1",
        )


def test_the_introduction_stays_text_and_keeps_its_line_breaks(client):
    event = make_event()
    guest = make_guest(event)
    typed = (
        "Dear friends,\r\n{{ config }} {% if 1 %}x{% endif %}\r\n<script>alert(1)</script> & more"
    )
    response = client.post(
        f"/console/events/{event.id}/mail/intro",
        data={"intro_en": typed, "intro_zh": "", "version": str(event.edit_version)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Event, event.id)
    assert stored.intro_en == typed.replace("\r\n", "\n")

    shown = previews.guest_preview(
        db.session.get(Guest, guest.id), MessageKind.INVITATION, Language.EN
    )
    assert (
        "Dear friends,<br>{{ config }} {% if 1 %}x{% endif %}<br>"
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"
    ) in shown.html
    assert "<script>" not in shown.html
    assert typed.replace("\r\n", "\n") in shown.text
    # The Chinese invitation falls back to the English paragraph when it has none of its own.
    chinese = previews.guest_preview(guest, MessageKind.INVITATION, Language.ZH_HANT)
    assert "Dear friends,<br>" in chinese.html


def test_a_too_long_introduction_is_refused_and_nothing_changes(client):
    event = make_event(intro_en="Before.")
    response = client.post(
        f"/console/events/{event.id}/mail/intro",
        data={"intro_en": "x" * 1501, "intro_zh": "", "version": str(event.edit_version)},
    )
    assert response.status_code == 400
    assert "At most 1500 characters" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Event, event.id).intro_en == "Before."


def test_invitations_go_by_default_only_to_guests_who_have_not_answered(app, smtp_server):
    event = make_event()
    waiting = make_guest(event)
    said_yes = make_guest(event)
    said_no = make_guest(event)
    answer(said_yes)
    answer(said_no, attending=False)

    assert [g.id for g in campaigns.uninvited_guests(event)] == [waiting.id]
    assert [g.id for g in campaigns.invitable_guests(event)] == [waiting.id]
    # Chosen by id, an answered guest is still not asked to answer.
    assert campaigns.send_invitations(event, audit.SYSTEM, [said_yes.id, said_no.id]) == []
    queued = campaigns.send_invitations(event, audit.SYSTEM)
    assert [m.guest_id for m in queued] == [waiting.id]
    db.session.commit()
    # One who answers before it goes out is not asked any more.
    answer(db.session.get(Guest, waiting.id), attending=False)
    deliver()
    (message,) = outbox(kind=MessageKind.INVITATION)
    assert (message.status, message.reason) == (MessageStatus.CANCELLED, "answered")
    assert not [m for m in smtp_server.to(waiting.email) if "Invitation" in m["Subject"]]


def test_send_to_all_asks_first_and_a_second_press_queues_nothing_twice(client, smtp_server):
    event = make_event()
    first, second = make_guest(event), make_guest(event)
    answer(make_guest(event))  # answered: never in "all"
    url = f"/console/events/{event.id}/mail/invitations"

    asked = client.post(url, data={"invite-everyone": "1"})
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "2 guests will get this message" in page
    assert f"/console/events/{event.id}/mail/preview?kind=invitation&amp;guest={first.id}" in page
    assert outbox(kind=MessageKind.INVITATION) == []  # nothing without the confirmation

    shown_at = re.search(r'name="invite-shown_at" value="([^"]+)"', page)[1]
    ids = re.findall(r'name="invite-guest_ids" value="(\d+)"', page)
    assert sorted(int(i) for i in ids) == [first.id, second.id]
    confirm = {
        "invite-selected": "1",
        "invite-guest_ids": ids,
        "invite-confirm": "1",
        "invite-shown_at": shown_at,
    }
    assert client.post(url, data=confirm).status_code == 302
    assert len(outbox(kind=MessageKind.INVITATION)) == 2
    deliver()
    assert {m.status for m in outbox(kind=MessageKind.INVITATION)} == {MessageStatus.SENT}
    # The same confirmation pressed again, after the first went out: nothing more.
    again = client.post(url, data=confirm, follow_redirects=True)
    assert "Nobody to send it to" in again.get_data(as_text=True)
    assert len(outbox(kind=MessageKind.INVITATION)) == 2

    # Reminders ask first too.
    reminders = f"/console/events/{event.id}/mail/reminders/unanswered"
    asked = client.post(reminders, data={"unanswered-everyone": "1"})
    assert "2 guests will get this message" in asked.get_data(as_text=True)
    assert outbox(kind=MessageKind.REMINDER_UNANSWERED) == []
    day_before = f"/console/events/{event.id}/mail/reminders/confirmed"
    asked = client.post(day_before, data={"confirmed-everyone": "1"})
    assert "1 guest will get this message" in asked.text
    assert outbox(kind=MessageKind.REMINDER_CONFIRMED) == []
    confirm = {"confirmed-everyone": "1", "confirmed-confirm": "1"}
    assert client.post(day_before, data=confirm).status_code == 302
    assert client.post(day_before, data=confirm).status_code == 302
    assert len(outbox(kind=MessageKind.REMINDER_CONFIRMED)) == 1


def test_a_test_of_a_kind_that_is_none_is_refused(client):
    event = make_event()
    guest = make_guest(event)
    answer(make_guest(event), attending=False)
    response = client.post(
        f"/console/events/{event.id}/mail/test",
        data={"guest": str(guest.id), "kind": "staff_link", "language": "en"},
        follow_redirects=True,
    )
    assert "Choose the message from the list." in response.text
    # A badge needs a confirmed seat: no test of it for a guest without one.
    response = client.post(
        f"/console/events/{event.id}/mail/test",
        data={"guest": str(guest.id), "kind": "confirmation", "language": "en"},
        follow_redirects=True,
    )
    assert "choose a guest with a confirmed seat" in response.text
    assert outbox(is_test=True) == []


def test_a_guest_who_answered_is_offered_no_invitation(client):
    event = make_event()
    waiting, declined = make_guest(event), make_guest(event)
    answer(declined, attending=False)
    assert "Send the invitation" in client.get(f"/console/guests/{waiting.id}/messages").text
    page = client.get(f"/console/guests/{declined.id}/messages").text
    assert "Send the invitation" not in page and "The guest has answered" in page
    forged = client.post(
        f"/console/guests/{declined.id}/messages/invitation", follow_redirects=True
    )
    assert "No invitation queued: the guest has answered" in forged.text
    assert outbox(kind=MessageKind.INVITATION) == []
