"""E-mail through the outbox, delivered to a real SMTP server (aiosmtpd) on the loopback."""

from __future__ import annotations

import email
import io
import re
import sqlite3
import threading
from datetime import timedelta
from email import policy
from html import unescape
from pathlib import Path

import icalendar
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from support.factories import answer, make_event, make_guest
from support.live_server import free_port
from support.smtp import Inbox, smtp_config, smtp_inbox

from registrar import create_app, tokens
from registrar.config import Defaults
from registrar.extensions import db
from registrar.mail import backends, campaigns, delivery
from registrar.mail.render import render
from registrar.models import (
    Guest,
    Language,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    SeatState,
    utcnow,
)
from registrar.services import audit, invitations
from registrar.services.outbox import enqueue, outbox_directory

MAIL_FROM = "CityCOP Registrar <registrar@forum.example>"
YES = {"attending": "yes", "channel": "en"}
NO = {"attending": "no"}


# -- the SMTP server ---------------------------------------------------------------------------


@pytest.fixture
def smtp_server():
    with smtp_inbox() as inbox:
        yield inbox


@pytest.fixture
def app_config(app_config, smtp_server):
    return {
        **app_config,
        **smtp_config(smtp_server),
        "REGISTRAR_MAIL_FROM": MAIL_FROM,
        "REGISTRAR_MAIL_MAX_ATTEMPTS": 3,
    }


# -- helpers -----------------------------------------------------------------------------------


def outbox(**where) -> list[OutboxMessage]:
    db.session.expire_all()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(db.session.scalars(query))


def deliver(**kwargs) -> delivery.DeliveryReport:
    db.session.commit()
    report = delivery.deliver_due(**kwargs)
    db.session.expire_all()
    return report


def invite(event, guests=None) -> list[OutboxMessage]:
    ids = None if guests is None else [g.id for g in guests]
    queued = campaigns.send_invitations(event, audit.SYSTEM, ids)
    db.session.commit()
    return queued


def parts(message) -> dict[str, str]:
    return {
        "text": message.get_body(("plain",)).get_content(),
        "html": message.get_body(("html",)).get_content(),
    }


def attachments(message) -> dict[str, email.message.EmailMessage]:
    return {part.get_filename(): part for part in message.iter_attachments()}


def personal_path(message) -> str:
    """The invitation link in the plain-text part, as a path for the test client."""
    text = parts(message)["text"]
    links = set(re.findall(r"http://localhost(/i/[A-Za-z0-9._-]+)(?![A-Za-z0-9._/-])", text))
    assert len(links) == 1, text
    return links.pop()


def reply(client, path: str, answer: dict):
    response = client.post(path, data=answer)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()


def guest_named(guest_id: int) -> Guest:
    db.session.expire_all()
    return db.session.get(Guest, guest_id)


# -- the messages ------------------------------------------------------------------------------


def test_invitations_arrive_in_each_guests_language_with_a_link_that_works(
    app, client, smtp_server
):
    event = make_event()
    english = make_guest(event, name_en="Maria Santos", name_zh="", language=Language.EN)
    chinese = make_guest(
        event, name_en="Chen Mei-Ling", name_zh="陳美玲", language=Language.ZH_HANT
    )

    assert len(invite(event)) == 2
    assert smtp_server.received == []  # queued, not sent, by the use case
    report = deliver()
    assert (report.sent, report.failed, report.retrying) == (2, 0, 0)

    (to_english,) = smtp_server.to(english.email)
    (to_chinese,) = smtp_server.to(chinese.email)
    assert to_english["Subject"] == f"Invitation: {event.title_en}"
    assert to_english["From"] == MAIL_FROM
    assert to_english["Content-Language"] == "en"
    assert to_chinese["Content-Language"] == "zh-Hant-TW"
    assert event.title_zh in to_chinese["Subject"] and "邀請" in to_chinese["Subject"]
    assert "陳美玲" in str(to_chinese["To"])

    english_parts, chinese_parts = parts(to_english), parts(to_chinese)
    assert "Dear Maria Santos," in english_parts["text"]
    assert "Please reply by" in english_parts["text"]
    assert 'lang="en"' in english_parts["html"]
    assert "陳美玲 您好" in chinese_parts["text"]
    assert "請於" in chinese_parts["text"] and "前回覆" in chinese_parts["text"]
    assert 'lang="zh-Hant-TW"' in chinese_parts["html"]
    assert "Please reply by" not in chinese_parts["text"]

    for message, guest in ((to_english, english), (to_chinese, chinese)):
        path = personal_path(message)
        assert f"http://localhost{path}" in unescape(parts(message)["html"])
        page = client.get(path)
        assert page.status_code == 200
        assert guest.name_en in page.get_data(as_text=True)

    sent = outbox(status=MessageStatus.SENT)
    assert {m.message_id for m in sent} == set(smtp_server.message_ids())
    assert all(guest_named(g.id).sent_at is not None for g in (english, chinese))


def test_invitations_go_once_to_those_not_invited_yet(app, smtp_server):
    event = make_event()
    first = make_guest(event)
    invite(event)
    deliver()
    second = make_guest(event)
    assert [m.guest_id for m in invite(event)] == [second.id]
    assert invite(event) == []  # queued already
    deliver()
    assert [m["To"].addresses[0].addr_spec for m in smtp_server.received] == [
        first.email,
        second.email,
    ]
    # Chosen explicitly, a guest is invited again.
    assert [m.guest_id for m in invite(event, [first])] == [first.id]


def test_yes_brings_a_confirmation_with_badge_calendar_entry_and_link(app, client, smtp_server):
    event = make_event(capacity=5)
    guest = make_guest(event, name_en="Tom Becker", language=Language.EN)
    invite(event)
    deliver()
    path = personal_path(smtp_server.received[0])

    reply(client, path, YES)
    assert [m.kind for m in outbox(status=MessageStatus.QUEUED)] == [MessageKind.CONFIRMATION]
    deliver()

    confirmation = smtp_server.received[-1]
    assert confirmation["Subject"] == f"Your seat is confirmed: {event.title_en}"
    text = parts(confirmation)["text"]
    assert "Your channel: English" in text
    assert personal_path(confirmation) == path
    assert client.get(path).status_code == 200

    files = attachments(confirmation)
    badge = files["badge.pdf"]
    assert badge.get_content_type() == "application/pdf"
    assert badge.get_content().startswith(b"%PDF-")
    # The QR code is also shown in the HTML part, referenced by its Content-ID, and it carries
    # the badge code the door accepts.
    html = parts(confirmation)["html"]
    (cid,) = re.findall(r'src="cid:([^"]+)"', html)
    (inline,) = [p for p in confirmation.walk() if p.get("Content-ID") == f"<{cid}>"]
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(inline.get_content())))
    assert decoded.text == tokens.badge_code(event.id, guest.id, guest.badge_version)

    ics = files[f"{event.slug}.ics"]
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "PUBLISH"
    calendar = icalendar.Calendar.from_ical(ics.get_content())
    (entry,) = calendar.walk("VEVENT")
    assert entry.decoded("dtstart") == event.starts_at.replace(microsecond=0)
    assert entry.decoded("dtend") == event.ends_at.replace(microsecond=0)
    assert str(entry["dtstart"].params["TZID"]) == "Asia/Taipei"
    assert "Conference Room 301a" in str(entry["location"])
    assert str(entry["uid"]).startswith(f"event-{event.id}-guest-{guest.id}@")


def test_waitlist_decline_and_promotion_each_tell_the_guest(app, client, smtp_server):
    event = make_event(capacity=1)
    holder = make_guest(event, language=Language.EN)
    waiting = make_guest(event, name_zh="林志豪", language=Language.ZH_HANT)
    invite(event)
    deliver()
    holder_path = personal_path(smtp_server.to(holder.email)[0])
    waiting_path = personal_path(smtp_server.to(waiting.email)[0])

    reply(client, holder_path, YES)
    reply(client, waiting_path, {"attending": "yes", "channel": "zh"})
    deliver()
    (waitlisted,) = [m for m in smtp_server.to(waiting.email) if "候補" in m["Subject"]]
    assert "您的候補順位：第 1 位" in parts(waitlisted)["text"]
    assert "badge.pdf" not in attachments(waitlisted)

    reply(client, holder_path, NO)
    deliver()
    cancelled = smtp_server.to(holder.email)[-1]
    assert cancelled["Subject"] == f"Your seat is cancelled: {event.title_en}"
    (ics,) = attachments(cancelled).values()
    assert ics.get_param("method") == "CANCEL"
    entry = icalendar.Calendar.from_ical(ics.get_content()).walk("VEVENT")[0]
    assert str(entry["status"]) == "CANCELLED"
    assert str(entry["uid"]).startswith(f"event-{event.id}-guest-{holder.id}@")

    promoted = smtp_server.to(waiting.email)[-1]
    assert "您有座位了" in promoted["Subject"]
    assert "badge.pdf" in attachments(promoted)
    assert "候補" in parts(promoted)["text"]  # "no longer on the waitlist"
    assert client.get(waiting_path).status_code == 200
    assert guest_named(waiting.id).seat.state == SeatState.CONFIRMED


def test_a_changed_channel_sends_the_updated_badge(app, client, smtp_server):
    event = make_event()
    guest = make_guest(event)
    path = f"/i/{invitations.invitation_token(guest)}"
    reply(client, path, YES)
    reply(client, path, YES)  # the same answer again: nothing new to tell
    deliver()
    reply(client, path, {"attending": "yes", "channel": "floor"})
    deliver()
    first, updated = smtp_server.received
    assert "updated badge" in parts(updated)["text"]
    assert "Floor language" in parts(updated)["text"]
    assert first["Message-ID"] != updated["Message-ID"]


def test_reminders_to_unanswered_and_confirmed_guests(app, client, smtp_server):
    event = make_event(capacity=5)
    quiet = make_guest(event)
    coming = make_guest(event)
    never_invited = make_guest(event)
    invite(event, [quiet, coming])
    deliver()
    reply(client, f"/i/{invitations.invitation_token(coming)}", YES)
    deliver()

    later = utcnow() + timedelta(hours=2)
    queued = campaigns.remind_unanswered(event, audit.SYSTEM, send_at=later)
    db.session.commit()
    assert [m.guest_id for m in queued] == [quiet.id]  # not the one who answered, not uninvited
    assert deliver().handled == 0  # not due yet
    assert deliver(now=later + timedelta(seconds=1)).sent == 1
    reminder = smtp_server.received[-1]
    assert reminder["Subject"] == f"Reminder, please reply: {event.title_en}"
    assert "not received your answer" in parts(reminder)["text"]

    assert [m.guest_id for m in campaigns.remind_confirmed(event, audit.SYSTEM)] == [coming.id]
    db.session.commit()
    assert campaigns.remind_confirmed(event, audit.SYSTEM) == []  # once per guest
    deliver()
    day_before = smtp_server.received[-1]
    assert day_before["Subject"].startswith("Reminder, see you on ")
    text = parts(day_before)["text"]
    assert "Please come to Conference Room 301a by" in text
    assert "Doors open" in text
    assert {"badge.pdf", f"{event.slug}.ics"} == set(attachments(day_before))
    assert never_invited.email not in str([m["To"] for m in smtp_server.received])


# -- what must not be sent --------------------------------------------------------------------


def test_no_mail_for_a_revoked_guest(app, smtp_server):
    event = make_event()
    revoked_before = make_guest(event)
    revoked_after = make_guest(event)
    invitations.revoke(revoked_before.id, audit.SYSTEM)
    db.session.commit()
    assert [m.guest_id for m in invite(event)] == [revoked_after.id]
    assert enqueue(revoked_before, MessageKind.INVITATION, actor=audit.SYSTEM) is None

    invitations.revoke(revoked_after.id, audit.SYSTEM)
    db.session.commit()
    (message,) = outbox()
    assert (message.status, message.reason) == (MessageStatus.CANCELLED, "revoked")
    assert deliver().handled == 0
    assert smtp_server.received == []

    # Revoked while the message was already claimed by a sender: it is still not sent.
    other = make_guest(event)
    invite(event, [other])
    queued = outbox(status=MessageStatus.QUEUED)[0]
    queued.status = MessageStatus.SENDING
    queued.next_attempt_at = utcnow() - timedelta(seconds=1)
    invitations.revoke(other.id, audit.SYSTEM)
    db.session.commit()
    assert deliver().cancelled == 1
    assert smtp_server.received == []
    with pytest.raises(Exception, match="revoked"):
        campaigns.resend(queued.id, audit.SYSTEM)


def test_a_message_that_no_longer_fits_is_cancelled_not_sent(app, client, smtp_server):
    event = make_event(capacity=5)
    guest = make_guest(event)
    path = f"/i/{invitations.invitation_token(guest)}"
    invite(event)
    deliver()
    campaigns.remind_unanswered(event, audit.SYSTEM)
    db.session.commit()
    reply(client, path, YES)  # confirmation queued
    reply(client, path, NO)  # ... and superseded by the decline at once
    deliver()
    states = {m.kind: (m.status, m.reason) for m in outbox()}
    assert states[MessageKind.REMINDER_UNANSWERED] == (MessageStatus.CANCELLED, "answered")
    assert states[MessageKind.CONFIRMATION] == (MessageStatus.CANCELLED, "superseded")
    assert states[MessageKind.DECLINED] == (MessageStatus.SENT, "")
    kinds_received = [m["Subject"].split(":")[0] for m in smtp_server.received]
    assert kinds_received == ["Invitation", "Your seat is cancelled"]

    # A confirmation still queued when the seat went away some other way is cancelled too.
    reply(client, path, YES)
    confirmation = outbox(kind=MessageKind.CONFIRMATION, status=MessageStatus.QUEUED)[0]
    db.session.delete(guest_named(guest.id).seat)
    db.session.commit()
    deliver()
    confirmation = db.session.get(OutboxMessage, confirmation.id)
    assert (confirmation.status, confirmation.reason) == (MessageStatus.CANCELLED, "seat_changed")
    assert len(smtp_server.received) == 2


# -- no transaction while rendering and sending -----------------------------------------------


def write_from_another_connection(url: sa.URL, message_id: int) -> None:
    """A write transaction of another connection to the database, giving up after 2 s: it
    cannot finish while the sender holds SQLite's write lock, or on PostgreSQL the message's
    row (a claim not yet committed, a record begun)."""
    if url.get_backend_name() == "sqlite":
        connection = sqlite3.connect(url.database, timeout=2, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "UPDATE outbox_messages SET last_error = last_error WHERE id = ?", (message_id,)
            )
            connection.execute("COMMIT")
        finally:
            connection.close()
        return
    # The URL's own options (the test's schema) with the lock timeout added.
    options = f"{url.query.get('options', '')} -c lock_timeout=2000".strip()
    engine = sa.create_engine(
        url.difference_update_query(["options"]),
        poolclass=sa.pool.NullPool,
        connect_args={"options": options},
    )
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE outbox_messages SET last_error = last_error WHERE id = :id"),
                {"id": message_id},
            )
    finally:
        engine.dispose()


class HoldingInbox(Inbox):
    """An SMTP server that holds the DATA step of each message until another connection's
    write to the database has gone through (or failed), and then accepts the message."""

    def __init__(self, url: sa.URL, message_id: int) -> None:
        super().__init__()
        self.url = url
        self.message_id = message_id
        self.writes: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        try:
            write_from_another_connection(self.url, self.message_id)
            self.writes.append("written")
        except Exception as exc:  # noqa: BLE001  (the test shows what failed)
            self.writes.append(f"{type(exc).__name__}: {exc}")
        return await super().handle_DATA(server, session, envelope)


def test_the_database_takes_writes_while_the_server_holds_a_message(app, client):
    event = make_event(capacity=5)
    guest = make_guest(event)
    answer_yes = rsvp_yes(guest)
    confirmation = outbox(kind=MessageKind.CONFIRMATION)[0]
    assert answer_yes and confirmation.status == MessageStatus.QUEUED

    with smtp_inbox(HoldingInbox(db.engine.url, confirmation.id)) as holding:
        app.config.update(smtp_config(holding))
        assert deliver().sent == 1

    assert holding.writes == ["written"]
    (received,) = holding.received
    assert received["Message-ID"] == confirmation.message_id
    assert outbox(kind=MessageKind.CONFIRMATION)[0].status == MessageStatus.SENT


def rsvp_yes(guest: Guest) -> bool:
    answer(guest)  # yes, on the English channel
    return True


def revoke(guest_id: int) -> None:
    invitations.revoke(guest_id, audit.SYSTEM)


def erase(guest_id: int) -> None:
    from registrar.services import guests

    guests.erase(guest_id, audit.SYSTEM)


def decline(guest_id: int) -> None:
    from registrar.services import rsvp

    guest = db.session.get(Guest, guest_id)
    rsvp.answer(guest.id, guest.token_version, rsvp.RsvpAnswer(attending=False), audit.GUEST)


@pytest.mark.parametrize(
    ("change", "reason"), [(revoke, "revoked"), (erase, "revoked"), (decline, "seat_changed")]
)
def test_a_guest_changed_while_the_message_is_rendered_gets_no_message(
    app, smtp_server, monkeypatch, change, reason
):
    event = make_event(capacity=5)
    guest = make_guest(event)
    rsvp_yes(guest)
    (confirmation,) = outbox(kind=MessageKind.CONFIRMATION)
    changed: list[str] = []

    def render_while_an_organizer_acts(message, guest, now):
        outgoing = render(message, guest, now)
        if changed:
            return outgoing  # once: a decline's own message goes out as usual
        # Another request changes the guest meanwhile, through the same services: it gets the
        # write lock at once (the sender holds none while it renders) and commits.

        def elsewhere():
            with app.app_context():
                try:
                    change(guest_id)
                    db.session.commit()
                    changed.append("committed")
                except Exception as exc:  # noqa: BLE001  (the test shows what failed)
                    changed.append(f"{type(exc).__name__}: {exc}")

        worker = threading.Thread(target=elsewhere)
        worker.start()
        worker.join(timeout=30)
        return outgoing

    guest_id = guest.id
    monkeypatch.setattr(delivery, "render", render_while_an_organizer_acts)
    report = deliver()

    assert changed == ["committed"]
    assert report.cancelled == 1
    assert confirmation.message_id not in smtp_server.message_ids()
    assert "confirmed" not in str([m["Subject"] for m in smtp_server.received])
    message = db.session.get(OutboxMessage, confirmation.id)
    assert (message.status, message.reason) == (MessageStatus.CANCELLED, reason)


def test_a_test_message_goes_out_whatever_happens_to_the_guest_meanwhile(app, smtp_server):
    from registrar.services import outbox as outbox_service

    event = make_event(capacity=5)
    guest = make_guest(event)
    rsvp_yes(guest)
    deliver()
    test = outbox_service.enqueue_test(
        guest,
        MessageKind.WAITLISTED,
        Language.EN,
        to_address="organizer@forum.example",
        actor=audit.SYSTEM,
    )
    message_id = test.message_id
    now = utcnow()
    claimed = delivery.claim_due(now, 1)
    db.session.commit()
    invitations.revoke(guest.id, audit.SYSTEM)  # after the claim, before the sending
    db.session.commit()
    report = delivery.DeliveryReport()
    backend = backends.make_backend()
    try:
        assert delivery.deliver_batch(claimed, backend, now, report)
    finally:
        backend.close()
    assert report.sent == 1
    assert smtp_server.received[-1]["Message-ID"] == message_id
    assert smtp_server.received[-1]["To"].addresses[0].addr_spec == "organizer@forum.example"


# -- delivery: outages, crashes, retries ------------------------------------------------------


@pytest.mark.parametrize("how", ["close", "421"])
def test_a_connection_lost_mid_batch_loses_nothing_and_sends_nothing_twice(app, smtp_server, how):
    event = make_event()
    for _ in range(5):
        make_guest(event)
    invite(event)
    due_before = [(0, m.next_attempt_at) for m in outbox()[3:]]
    smtp_server.drop_after, smtp_server.drop_how = 2, how

    report = deliver()
    assert (report.sent, report.retrying) == (2, 1)
    assert report.stopped
    assert len(smtp_server.received) == 2
    statuses = [m.status for m in outbox()]
    assert statuses == [MessageStatus.SENT] * 2 + [MessageStatus.QUEUED] * 3
    failed = outbox()[2]
    assert failed.attempts == 1
    assert failed.last_error
    assert failed.next_attempt_at > utcnow() + timedelta(seconds=50)  # backs off a minute
    # Claimed with the others but never tried: back where they were, the attempt not counted.
    assert [(m.attempts, m.next_attempt_at) for m in outbox()[3:]] == due_before

    # The next run (the server is back) sends the rest; the one that failed waits its turn.
    assert deliver().sent == 2
    assert deliver(now=utcnow() + timedelta(minutes=2)).sent == 1
    ids = smtp_server.message_ids()
    assert len(ids) == 5 and len(set(ids)) == 5
    assert set(ids) == {m.message_id for m in outbox(status=MessageStatus.SENT)}


def test_a_sender_that_dies_mid_batch_is_resumed_without_repeats(app, smtp_server, monkeypatch):
    event = make_event()
    for _ in range(5):
        make_guest(event)
    invite(event)

    real_send = backends.SmtpBackend.send
    calls = []

    def dies_on_the_third(self, outgoing):
        calls.append(outgoing.to)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the process is killed before the message is handed over
        return real_send(self, outgoing)

    monkeypatch.setattr(backends.SmtpBackend, "send", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        deliver()
    db.session.rollback()
    monkeypatch.setattr(backends.SmtpBackend, "send", real_send)

    statuses = [m.status for m in outbox()]
    assert (
        statuses == [MessageStatus.SENT] * 2 + [MessageStatus.SENDING] + [MessageStatus.QUEUED] * 2
    )
    # A new sender takes the rest at once, and the claimed one when the dead sender's claim
    # has lapsed.
    assert deliver().sent == 2
    assert outbox()[2].status == MessageStatus.SENDING
    assert deliver(now=utcnow() + delivery.CLAIM_LEASE + timedelta(seconds=1)).sent == 1
    ids = smtp_server.message_ids()
    assert len(ids) == 5 and len(set(ids)) == 5
    assert all(m.status == MessageStatus.SENT for m in outbox())
    assert outbox()[2].attempts == 2


def test_temporary_refusals_are_retried_with_growing_pauses_then_given_up(app, smtp_server):
    event = make_event()
    busy = make_guest(event)
    fine = make_guest(event)
    smtp_server.refuse[busy.email] = "451 4.3.0 Mailbox busy, try later"
    invite(event)

    now = utcnow()
    report = deliver(now=now)
    assert (report.sent, report.retrying) == (1, 1)
    assert [m["To"].addresses[0].addr_spec for m in smtp_server.received] == [fine.email]
    (message,) = outbox(guest_id=busy.id)
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert "451" in message.last_error
    assert message.next_attempt_at == now + timedelta(minutes=1)

    assert deliver(now=now + timedelta(seconds=30)).handled == 0  # pausing
    second = now + timedelta(minutes=1)
    deliver(now=second)
    (message,) = outbox(guest_id=busy.id)
    assert message.attempts == 2
    assert message.next_attempt_at == second + timedelta(minutes=2)

    deliver(now=second + timedelta(minutes=2))  # the third attempt is the last (max 3)
    (message,) = outbox(guest_id=busy.id)
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 3)
    assert deliver(now=second + timedelta(days=1)).handled == 0
    assert delivery.retry_delay(1) == timedelta(minutes=1)
    assert delivery.retry_delay(4) == timedelta(minutes=8)
    assert delivery.retry_delay(20) == timedelta(hours=1)


def test_a_permanent_refusal_is_given_up_at_once_and_the_batch_goes_on(app, smtp_server):
    event = make_event()
    unknown = make_guest(event)
    fine = make_guest(event)
    smtp_server.refuse[unknown.email] = "550 5.1.1 No such user here"
    invite(event)

    report = deliver()
    assert (report.sent, report.failed, report.stopped) == (1, 1, "")
    (message,) = outbox(guest_id=unknown.id)
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert "550" in message.last_error and "No such user" in message.last_error
    assert deliver(now=utcnow() + timedelta(days=1)).handled == 0
    assert len(smtp_server.to(fine.email)) == 1

    # Once the address is fixed, the organizer can send it again: a new message.
    del smtp_server.refuse[unknown.email]
    again = campaigns.resend(message.id, audit.SYSTEM)
    db.session.commit()
    assert again.message_id != message.message_id
    assert deliver().sent == 1
    assert smtp_server.received[-1]["Message-ID"] == again.message_id


# -- stored values that would break a message -------------------------------------------------


def test_a_line_break_stored_in_a_name_or_a_title_never_reaches_the_headers(
    app, client, smtp_server
):
    event = make_event(capacity=5)
    guest = make_guest(event, language=Language.EN)
    # Stored as typed, before anything refused it: a name correction, a CSV cell.
    guest.name_en = "Eve Example\r\nBcc: x@evil.example"
    guest.organization = "Evil Corp\r\nX-Injected: yes"
    event.title_en = "Test forum\nX-Injected: yes"
    db.session.commit()
    app.config["REGISTRAR_MAIL_REPLY_TO"] = "Forum desk\r\nBcc: y@evil.example <desk@forum.example>"

    invite(event)
    report = deliver()
    assert (report.sent, report.failed, report.retrying) == (1, 0, 0)
    reply(client, personal_path(smtp_server.received[0]), YES)
    assert deliver().sent == 1  # the confirmation, with the badge

    for received in smtp_server.received:
        assert received["Bcc"] is None and received["X-Injected"] is None
        (to,) = received["To"].addresses
        assert (to.display_name, to.addr_spec) == ("Eve Example Bcc: x@evil.example", guest.email)
        (reply_to,) = received["Reply-To"].addresses
        assert reply_to.addr_spec == "desk@forum.example"
        assert "Test forum X-Injected: yes" in received["Subject"]
        assert "\n" not in received["Subject"]
    assert [m.status for m in outbox()] == [MessageStatus.SENT, MessageStatus.SENT]


@pytest.mark.usefixtures("organizer_client")
def test_a_message_that_cannot_be_rendered_fails_at_once_and_is_shown(
    app, client, smtp_server, monkeypatch
):
    event = make_event()
    guest = make_guest(event, name_en="Amelia Clarke")
    invite(event)

    def broken(message, guest, now):
        raise RuntimeError("the template broke")

    monkeypatch.setattr(delivery, "render", broken)
    report = deliver()
    assert (report.sent, report.failed, report.retrying) == (0, 1, 0)
    (message,) = outbox()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert message.reason == "unrenderable"
    assert "RuntimeError: the template broke" in message.last_error
    assert deliver(now=utcnow() + timedelta(days=1)).handled == 0  # no retries
    assert smtp_server.received == []

    for page in (
        client.get(f"/console/events/{event.id}/mail").get_data(as_text=True),
        client.get(f"/console/events/{event.id}/dashboard").get_data(as_text=True),
    ):
        assert "1 message cannot be sent" in page
        assert "the template broke" in page and "Amelia Clarke" in page
    page = client.get(f"/console/guests/{guest.id}/messages").get_data(as_text=True)
    assert "could not be put together from what is stored" in page
    assert "Invitation: Test forum" in page  # the subject it would have had

    # Mended, and sent again from the guest's messages: it goes, and is no longer listed.
    monkeypatch.undo()
    assert client.post(f"/console/messages/{message.id}/resend").status_code == 302
    assert deliver().sent == 1
    page = client.get(f"/console/events/{event.id}/mail").get_data(as_text=True)
    assert "cannot be sent" not in page


def test_an_unreachable_server_leaves_the_queue_waiting(app, smtp_server):
    app.config["REGISTRAR_SMTP_PORT"] = free_port()  # nobody listens there
    event = make_event()
    make_guest(event)
    make_guest(event)
    invite(event)
    report = deliver()
    assert report.stopped and report.handled == 1
    first, second = outbox()
    assert (first.status, first.attempts) == (MessageStatus.QUEUED, 1)
    assert "Connection" in first.last_error or "refused" in first.last_error.lower()
    assert (second.status, second.attempts) == (MessageStatus.QUEUED, 0)


def test_claims_are_exclusive(app):
    event = make_event()
    make_guest(event)
    invite(event)
    now = utcnow()
    first = delivery.claim_next(now)
    db.session.commit()
    assert first is not None
    assert delivery.claim_next(now) is None  # claimed: another sender leaves it alone
    assert delivery.claim_next(now + delivery.CLAIM_LEASE) == first  # until the claim lapses


def test_two_senders_claim_two_messages_side_by_side_never_one_twice(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: the second claim waits for the first")
    event = make_event()
    make_guest(event)
    make_guest(event)
    invite(event)
    now = utcnow()
    first = delivery.claim(now)  # not committed yet: its row stays locked
    outer = db.session()
    with app.app_context():  # another session, as another sender would have
        assert db.session() is not outer
        second = delivery.claim(now)
        third = delivery.claim(now)
        db.session.commit()
    db.session.commit()
    assert first is not None and second is not None
    assert first[0] != second[0]  # the locked one skipped, without waiting
    assert third is None  # both taken
    assert delivery.claim(now) is None


def test_a_batch_claims_the_oldest_due_messages_and_the_next_claim_the_ones_after(app):
    event = make_event()
    for _ in range(5):
        make_guest(event)
    (*older, newest) = invite(event)
    newest.next_attempt_at = utcnow() - timedelta(minutes=5)  # due before the others
    db.session.commit()
    now = utcnow()
    first = delivery.claim_due(now, 3)
    db.session.commit()
    second = delivery.claim_due(now, 3)
    db.session.commit()
    assert [c.message_id for c in first] == [newest.id, older[0].id, older[1].id]
    assert [c.message_id for c in second] == [older[2].id, older[3].id]
    assert {c.attempts for c in first + second} == {1}
    assert delivery.claim_due(now, 3) == []
    assert all(m.status == MessageStatus.SENDING for m in outbox())


def test_two_senders_batch_claim_side_by_side_never_one_message_twice(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: the second claim waits for the first")
    event = make_event()
    for _ in range(5):
        make_guest(event)
    invite(event)
    now = utcnow()
    first = delivery.claim_due(now, 3)  # not committed yet: its rows stay locked
    outer = db.session()
    with app.app_context():  # another session, as another sender would have
        assert db.session() is not outer
        second = delivery.claim_due(now, 3)
        db.session.commit()
    db.session.commit()
    assert len(first) == 3 and len(second) == 2  # the locked ones skipped, without waiting
    assert not {c.message_id for c in first} & {c.message_id for c in second}
    assert delivery.claim_due(now, 3) == []


def test_two_senders_at_once_send_every_message_once(app, smtp_server):
    event = make_event(capacity=40)
    for _ in range(35):
        make_guest(event)
    invite(event)
    reports: list[delivery.DeliveryReport | str] = []

    def sender():
        with app.app_context():
            try:
                reports.append(delivery.deliver_due())
            except Exception as exc:  # noqa: BLE001  (the test shows what failed)
                reports.append(f"{type(exc).__name__}: {exc}")

    senders = [threading.Thread(target=sender) for _ in range(2)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join(timeout=60)
    assert all(isinstance(report, delivery.DeliveryReport) for report in reports), reports
    assert sum(report.sent for report in reports if not isinstance(report, str)) == 35
    ids = smtp_server.message_ids()
    assert len(ids) == 35 and len(set(ids)) == 35
    assert all(m.status == MessageStatus.SENT for m in outbox())


# -- the demo's file backend, the console, the command line, the settings ---------------------


def test_the_file_backend_writes_eml_files_once_per_message(app, client):
    app.config["REGISTRAR_MAIL_BACKEND"] = "file"
    event = make_event()
    guest = make_guest(event, name_zh="陳美玲", language=Language.ZH_HANT)
    invite(event)
    assert deliver().sent == 1
    folder = outbox_directory()
    assert folder == Path(app.instance_path) / "outbox"
    (eml,) = folder.glob("*.eml")
    assert eml.name.endswith("-invitation-zh_Hant.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert "陳美玲" in parts(message)["text"]
    assert client.get(personal_path(message)).status_code == 200

    # Delivered again (the sender died after writing the file, before recording it): the
    # same message replaces its file.
    (row,) = outbox()
    row.status = MessageStatus.SENDING
    db.session.commit()
    assert deliver(now=utcnow() + delivery.CLAIM_LEASE + timedelta(seconds=1)).sent == 1
    assert [p.name for p in folder.glob("*.eml")] == [eml.name]
    assert not list(folder.glob(".*part"))
    assert guest.email in str(message["To"])


@pytest.mark.usefixtures("organizer_client")
def test_console_sends_invitations_shows_delivery_and_resends(app, client, smtp_server):
    event = make_event()
    chosen = make_guest(event, name_en="Amelia Clarke")
    other = make_guest(event)

    page = client.get(f"/console/events/{event.id}/mail")
    assert page.status_code == 200
    assert "2 guests have not been sent an invitation and have not answered." in page.get_data(
        as_text=True
    )
    assert (
        client.get(f"/console/events/{event.id}/guests")
        .get_data(as_text=True)
        .count(f"/console/guests/{chosen.id}/messages")
    )

    response = client.post(
        f"/console/events/{event.id}/mail/invitations",
        data={"invite-guest_ids": [str(chosen.id)], "invite-selected": "1", "invite-confirm": "1"},
    )
    assert response.status_code == 302
    assert [m.guest_id for m in outbox()] == [chosen.id]
    response = client.post(
        f"/console/events/{event.id}/mail/invitations", data={"invite-selected": "1"}
    )
    assert response.status_code == 400  # nobody ticked
    client.post(
        f"/console/events/{event.id}/mail/invitations",
        data={"invite-everyone": "1", "invite-confirm": "1"},
    )
    assert [m.guest_id for m in outbox()] == [chosen.id, other.id]

    smtp_server.refuse[other.email] = "550 5.1.1 No such user"
    deliver()
    page = client.get(f"/console/guests/{other.id}/messages").get_data(as_text=True)
    assert "Failed" in page and "550 5.1.1 No such user" in page
    page = client.get(f"/console/guests/{chosen.id}/messages").get_data(as_text=True)
    assert "Sent" in page and "Invitation: Test forum" in page

    (sent,) = outbox(guest_id=chosen.id)
    response = client.post(f"/console/messages/{sent.id}/resend")
    assert response.status_code == 302
    assert len(outbox(guest_id=chosen.id)) == 2
    deliver()
    assert len(smtp_server.to(chosen.email)) == 2

    later = (utcnow() + timedelta(days=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/console/events/{event.id}/mail/reminders/unanswered",
        data={"unanswered-everyone": "1", "unanswered-send_at": later, "unanswered-confirm": "1"},
    )
    assert response.status_code == 302
    reminders = outbox(kind=MessageKind.REMINDER_UNANSWERED)
    assert [m.guest_id for m in reminders] == [chosen.id]  # the other was never reached
    assert reminders[0].next_attempt_at > utcnow() + timedelta(hours=12)


def test_cli_invites_sends_reminds_and_reports(app, runner, smtp_server):
    event = make_event()
    guests = [make_guest(event) for _ in range(3)]

    result = runner.invoke(args=["mail", "invite", "--email", guests[0].email])
    assert result.exit_code == 0, result.output
    assert "Queued 1 invitations." in result.output
    result = runner.invoke(args=["mail", "invite", "--all"])
    assert "Queued 2 invitations." in result.output

    result = runner.invoke(args=["mail", "send", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert "sent 2" in result.output
    result = runner.invoke(args=["mail", "send"])
    assert "sent 1" in result.output
    assert len(smtp_server.received) == 3

    result = runner.invoke(args=["mail", "remind"])
    assert result.exit_code != 0 and "--unanswered or --confirmed" in result.output
    result = runner.invoke(args=["mail", "remind", "--unanswered"])
    assert "Queued 3 reminders now." in result.output
    result = runner.invoke(args=["mail", "status"])
    assert "queued 3" in result.output and "sent 3" in result.output

    smtp_server.refuse[guests[0].email] = "550 5.1.1 Gone"
    result = runner.invoke(args=["mail", "send", "--watch", "--limit", "3", "--interval", "1"])
    assert result.exit_code == 0, result.output
    assert "Mail sender stopped." in result.output
    result = runner.invoke(args=["mail", "status"])
    assert f"failed reminder_unanswered to {guests[0].email}: 550 5.1.1 Gone" in result.output

    app.config["REGISTRAR_SMTP_PORT"] = free_port()
    runner.invoke(args=["mail", "invite", "--email", guests[1].email])
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 1 and "wait for the next run" in result.output


def test_mail_settings_come_from_the_environment(monkeypatch, instance_path, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REGISTRAR_MAIL_BACKEND", "SMTP")
    monkeypatch.setenv("REGISTRAR_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("REGISTRAR_SMTP_PORT", "587")
    monkeypatch.setenv("REGISTRAR_SMTP_SECURITY", "starttls")
    monkeypatch.setenv("REGISTRAR_SMTP_USER", "registrar")
    monkeypatch.setenv("REGISTRAR_SMTP_PASSWORD", "s3cret")
    monkeypatch.setenv("REGISTRAR_SMTP_TIMEOUT", "12.5")
    monkeypatch.setenv("REGISTRAR_MAIL_MAX_ATTEMPTS", "5")
    monkeypatch.setenv("REGISTRAR_MAIL_FROM", "Forum <forum@example.org>")
    config = create_app().config
    assert config["REGISTRAR_MAIL_BACKEND"] == "smtp"
    assert config["REGISTRAR_SMTP_PORT"] == 587
    assert config["REGISTRAR_SMTP_TIMEOUT"] == 12.5
    assert config["REGISTRAR_MAIL_MAX_ATTEMPTS"] == 5
    assert config["REGISTRAR_SMTP_SECURITY"] == "starttls"
    assert config["REGISTRAR_MAIL_FROM"] == "Forum <forum@example.org>"

    monkeypatch.setenv("REGISTRAR_SMTP_SECURITY", "tls")
    with pytest.raises(RuntimeError, match="REGISTRAR_SMTP_SECURITY"):
        create_app()
    monkeypatch.setenv("REGISTRAR_SMTP_SECURITY", "ssl")
    monkeypatch.setenv("REGISTRAR_SMTP_PORT", "twenty-five")
    with pytest.raises(RuntimeError, match="REGISTRAR_SMTP_PORT"):
        create_app()


def test_the_demo_default_is_the_file_backend_into_the_instance_folder(app):
    assert Defaults.REGISTRAR_MAIL_BACKEND == "file"
    assert outbox_directory() == Path(app.instance_path) / "outbox"
