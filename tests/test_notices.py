"""Telling guests after invitations went out: a change of the details, confirmed in the console
after its preview, and a cancellation; delivered by a real SMTP server on the loopback."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
import sqlalchemy as sa
from support.app import text
from support.event_form import edit_form
from support.factories import (
    TAIPEI,
    answer,
    invitation_path,
    make_guest,
    make_taipei_afternoon,
)
from support.smtp import smtp_config, smtp_inbox

from registrar.extensions import db
from registrar.mail import delivery, previews
from registrar.models import (
    AuditEntry,
    Event,
    EventState,
    Guest,
    Language,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    SeatState,
    utcnow,
)
from registrar.services import audit, calendar, events, invitations, notices
from registrar.services.event_details import EventDetails

ACTOR = "staff:1"


@pytest.fixture
def inbox():
    with smtp_inbox() as running:
        yield running


@pytest.fixture
def app_config(app_config, inbox):
    return {**app_config, **smtp_config(inbox)}


def forum(**fields) -> Event:
    fields.setdefault("capacity", 1)
    return make_taipei_afternoon(**fields)


def invited(event: Event, **fields) -> Guest:
    """A guest whose invitation went out yesterday."""
    guest = make_guest(event, **fields)
    guest.sent_at = utcnow() - timedelta(days=1)
    db.session.commit()
    return guest


def everyone(event: Event) -> dict[str, Guest]:
    """A guest in each state, the confirmed one in English and the waitlisted one in Chinese."""
    guests = {
        "confirmed": invited(event, name_en="Maria Santos", name_zh=""),
        "waitlisted": invited(
            event, name_en="Chen Mei-Ling", name_zh="陳美玲", language=Language.ZH_HANT
        ),
        "unanswered": invited(event, language=Language.ZH_HANT),
        "declined": invited(event),
        "revoked": invited(event),
        "not_invited": make_guest(event),
    }
    answer(guests["confirmed"])
    answer(guests["waitlisted"])
    answer(guests["declined"], attending=False)
    invitations.revoke(guests["revoked"].id, ACTOR)
    db.session.commit()
    assert guests["waitlisted"].seat.state == SeatState.WAITLISTED
    return guests


def deliver() -> delivery.DeliveryReport:
    db.session.commit()
    report = delivery.deliver_due()
    db.session.expire_all()
    return report


def queued(kind: MessageKind) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.kind == kind, OutboxMessage.status == MessageStatus.QUEUED)
            .order_by(OutboxMessage.id)
        )
    )


def calendar_entry(message) -> tuple[str, icalendar.Event]:
    """The METHOD and the one VEVENT of the message's attached .ics."""
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    parsed = icalendar.Calendar.from_ical(part.get_content())
    (entry,) = parsed.walk("VEVENT")
    return str(parsed["method"]), entry


def calendars(message) -> int:
    return sum(p.get_content_type() == "text/calendar" for p in message.iter_attachments())


def plain(message) -> str:
    return message.get_body(("plain",)).get_content()


# -- a change of the details -------------------------------------------------------------------


def test_moving_the_start_tells_each_guest_once_in_their_language_after_the_confirmation(
    organizer_client, inbox
):
    event = forum()
    guests = everyone(event)
    deliver()  # the confirmation, the waitlist notice and the decline
    (confirmation,) = inbox.to(guests["confirmed"].email)
    _, before = calendar_entry(confirmation)
    inbox.received.clear()

    # The editor's save stops at the page saying who is told, with the message in each language.
    form = edit_form(event, starts="14:00")
    assert organizer_client.get(f"/console/events/{event.id}/edit").status_code == 200
    response = organizer_client.post(f"/console/events/{event.id}/edit", data=form)
    assert response.status_code == 409
    page = text(response)
    assert "These guests will be told: 3 invited, 1 confirmed, 1 waitlisted." in page
    assert page.count('class="card notice-preview"') == 2
    assert 'lang="en"' in page and 'lang="zh-Hant"' in page
    assert "Start: now 14:00 (was 13:30)" in page
    assert event.title_zh in page  # the Chinese preview's subject
    assert queued(MessageKind.DETAILS_CHANGED) == []  # nothing before the confirmation

    response = organizer_client.post(
        f"/console/events/{event.id}/edit", data={**form, "confirm": "1"}
    )
    assert response.status_code == 302
    told = queued(MessageKind.DETAILS_CHANGED)
    assert sorted(m.guest_id for m in told) == sorted(
        guests[k].id for k in ("confirmed", "waitlisted", "unanswered")
    )
    # The same Confirm again (a double click, the back button) is refused by the edit version.
    again = organizer_client.post(f"/console/events/{event.id}/edit", data={**form, "confirm": "1"})
    assert again.status_code == 409
    assert "The event changed since you opened it" in text(again)
    assert len(queued(MessageKind.DETAILS_CHANGED)) == 3

    assert deliver().sent == 3
    for key in ("declined", "revoked", "not_invited"):
        assert inbox.to(guests[key].email) == []
    (to_confirmed,) = inbox.to(guests["confirmed"].email)
    (to_waitlisted,) = inbox.to(guests["waitlisted"].email)
    (to_unanswered,) = inbox.to(guests["unanswered"].email)

    assert to_confirmed["Subject"] == f"The details have changed: {event.title_en}"
    assert to_confirmed["Content-Language"] == "en"
    assert "Start: now 14:00 (was 13:30)" in plain(to_confirmed)
    method, after = calendar_entry(to_confirmed)
    assert method == "PUBLISH"
    assert after["uid"] == before["uid"]
    assert after["sequence"] > before["sequence"]
    assert after.decoded("dtstart").astimezone(TAIPEI).strftime("%H:%M") == "14:00"

    for message in (to_waitlisted, to_unanswered):
        assert message["Content-Language"] == "zh-Hant-TW"
        assert event.title_zh in message["Subject"]
        assert "14:00" in plain(message) and "13:30" in plain(message)
        assert calendars(message) == 0  # no calendar entry without a confirmed seat
    assert "陳美玲 您好" in plain(to_waitlisted)


def test_the_guest_page_says_what_changed_in_the_guests_language(client):
    event = forum()
    english = invited(event)
    chinese = invited(event, language=Language.ZH_HANT)
    move_start(event, minutes=30)
    page = text(client.get(invitation_path(english)))
    assert "Changed on" in page
    assert "Start: now 14:00 (was 13:30)" in page
    page = text(client.get(invitation_path(chinese)))
    assert 'class="card notice notice-changed"' in page
    assert "14:00" in page and "13:30" in page

    # Invited after the change: nothing to point out.
    later = make_guest(event)
    later.sent_at = utcnow() + timedelta(seconds=1)
    db.session.commit()
    assert "notice-changed" not in text(client.get(invitation_path(later)))


def move_start(event: Event, minutes: int) -> None:
    """Move the start (and so nothing else) as an organizer confirming the notice does."""
    db.session.refresh(event)
    details = EventDetails.of(event)
    moved = details.__class__(
        **{**vars(details), "starts_at": event.starts_at + timedelta(minutes=minutes)}
    )
    events.update(event.id, moved, event.edit_version, ACTOR, notice_confirmed=True)
    db.session.commit()


def test_changes_made_before_the_notice_went_out_make_one_notice_from_the_first_old_value(
    app, inbox
):
    event = forum()
    guest = invited(event)
    answer(guest)
    deliver()
    move_start(event, minutes=30)  # 13:30 -> 14:00
    move_start(event, minutes=30)  # 14:00 -> 14:30
    (one,) = queued(MessageKind.DETAILS_CHANGED)
    assert one.details["changes"]["starts_at"][1].startswith(event.starts_at.isoformat()[:16])
    inbox.received.clear()
    assert deliver().sent == 1
    (message,) = inbox.received
    assert "Start: now 14:30 (was 13:30)" in plain(message)
    superseded = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.status == MessageStatus.CANCELLED)
    ).all()
    assert [m.reason for m in superseded] == [notices.NEWER_DETAILS]

    # Moved back before anything went out: the queued notice goes, and nothing replaces it.
    move_start(event, minutes=-30)
    move_start(event, minutes=30)
    move_start(event, minutes=-30)
    assert len(queued(MessageKind.DETAILS_CHANGED)) == 1  # 14:30 -> 14:00, from what was sent
    move_start(event, minutes=30)
    assert queued(MessageKind.DETAILS_CHANGED) == []


def test_a_notice_being_sent_when_a_newer_change_came_is_not_sent_again_on_retry(app, inbox):
    event = forum()
    guest = invited(event)
    move_start(event, minutes=30)
    (first,) = queued(MessageKind.DETAILS_CHANGED)
    first.status = MessageStatus.SENDING  # a sender has it in hand
    db.session.commit()
    move_start(event, minutes=15)
    (second,) = queued(MessageKind.DETAILS_CHANGED)
    # The newer one repeats the first change, from what the guest knew before it.
    assert second.details["changes"]["starts_at"][0].startswith("20")
    first = db.session.get(OutboxMessage, first.id)
    first.status = MessageStatus.QUEUED  # its try failed: it would be retried
    first.next_attempt_at = utcnow()
    db.session.commit()
    report = deliver()
    assert (report.sent, report.cancelled) == (1, 1)
    assert db.session.get(OutboxMessage, first.id).reason == notices.NEWER_DETAILS
    (message,) = inbox.to(guest.email)
    assert "Start: now 14:15 (was 13:30)" in plain(message)


def test_a_guest_who_declines_before_the_notice_goes_out_is_not_told(app, inbox):
    event = forum()
    guest = invited(event)
    move_start(event, minutes=30)
    answer(guest, attending=False)
    deliver()
    assert [m["Subject"] for m in inbox.to(guest.email)] == [
        f"Thank you for your answer: {event.title_en}"
    ]


def test_the_preview_writes_nothing_and_names_the_new_value(app):
    event = forum()
    invited(event)
    changes = {"room_en": (event.room_en, "Room 302"), "room_zh": (event.room_zh, "302 會議室")}
    shown = [previews.preview(event, changes, language) for language in previews.LANGUAGES]
    assert not db.session.new and not db.session.dirty
    assert "Room: now Room 302 (was Conference Room 301a)" in shown[0].text
    assert "302 會議室" in shown[1].text and "301a 會議室" in shown[1].text
    assert "Room 302" in shown[0].html
    assert db.session.get(Event, event.id).room_en == "Conference Room 301a"


# -- a cancellation ----------------------------------------------------------------------------


def test_cancelling_tells_everyone_still_coming_with_a_calendar_cancel(organizer_client, inbox):
    event = forum()
    guests = everyone(event)
    queued_invitation = make_guest(event)
    invitations_before = len(queued(MessageKind.INVITATION))
    from registrar.mail import campaigns

    campaigns.send_invitations(event, audit.SYSTEM, [queued_invitation.id])
    db.session.commit()
    assert len(queued(MessageKind.INVITATION)) == invitations_before + 1
    # Deliver everything but that invitation: hold it back an hour.
    held = queued(MessageKind.INVITATION)[-1]
    held.next_attempt_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    deliver()
    (confirmation,) = inbox.to(guests["confirmed"].email)
    _, before = calendar_entry(confirmation)
    inbox.received.clear()

    url = f"/console/events/{event.id}/cancel"
    page = text(organizer_client.get(url))
    assert "These guests will be told: 3 invited, 1 confirmed, 1 waitlisted." in page
    assert page.count('class="card notice-preview"') == 2
    assert 'name="confirm" value="1"' in page
    reason = {"reason_en": "A typhoon is coming.", "reason_zh": "颱風將至。"}
    page = text(organizer_client.post(url, data=reason))
    assert "The organizers say: A typhoon is coming." in page
    assert "颱風將至。" in page
    assert queued(MessageKind.EVENT_CANCELLED) == []
    assert db.session.get(Event, event.id).state == EventState.OPEN

    response = organizer_client.post(url, data={**reason, "confirm": "1"})
    assert response.status_code == 302
    assert len(queued(MessageKind.EVENT_CANCELLED)) == 3
    again = organizer_client.post(url, data={**reason, "confirm": "1"})
    assert again.status_code == 409
    assert len(queued(MessageKind.EVENT_CANCELLED)) == 3
    assert db.session.get(OutboxMessage, held.id).reason == notices.EVENT_CANCELLED
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "event.cancelled"))
    assert entry.details["told"] == 3 and entry.actor.startswith("staff:")

    held.next_attempt_at = utcnow()
    assert deliver().sent == 3
    for key in ("declined", "revoked", "not_invited"):
        assert inbox.to(guests[key].email) == []
    assert inbox.to(queued_invitation.email) == []
    (to_confirmed,) = inbox.to(guests["confirmed"].email)
    assert to_confirmed["Subject"] == f"Cancelled: {event.title_en}"
    assert "The organizers say: A typhoon is coming." in plain(to_confirmed)
    method, cancel = calendar_entry(to_confirmed)
    assert method == "CANCEL"
    assert cancel["uid"] == before["uid"]
    assert cancel["sequence"] > before["sequence"]
    assert str(cancel["status"]) == "CANCELLED"
    (to_waitlisted,) = inbox.to(guests["waitlisted"].email)
    assert "颱風將至。" in plain(to_waitlisted)
    assert calendars(to_waitlisted) == 1  # held a seat: may have an entry
    (to_unanswered,) = inbox.to(guests["unanswered"].email)
    assert calendars(to_unanswered) == 0


def test_a_cancelled_event_says_so_on_the_guest_page_and_takes_no_answer(client):
    event = forum()
    english = invited(event)
    chinese = invited(event, language=Language.ZH_HANT)
    answer(english)
    notices.cancel_event(event.id, "A typhoon is coming.", "颱風將至。", ACTOR)
    db.session.commit()

    page = text(client.get(invitation_path(english)))
    assert "This forum is cancelled" in page
    assert "The organizers say: A typhoon is coming." in page
    assert 'name="attending"' not in page
    assert "Your seat is confirmed" not in page and "badge.png" not in page
    page = text(client.get(invitation_path(chinese)))
    assert "notice-cancelled" in page and "颱風將至。" in page
    assert "A typhoon" not in page

    response = client.post(invitation_path(english), data={"attending": "no"})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Guest, english.id).rsvp.attending is True

    ics = client.get(f"{invitation_path(english)}/calendar.ics")
    assert "method=CANCEL" in ics.headers["Content-Type"]
    assert b"METHOD:CANCEL" in ics.data


def test_a_cancelled_event_refuses_changes_and_a_second_cancellation(app):
    event = forum()
    notices.cancel_event(event.id, "", "", ACTOR)
    db.session.commit()
    with pytest.raises(notices.EventCancelled):
        notices.cancel_event(event.id, "", "", ACTOR)
    db.session.rollback()
    with pytest.raises(notices.EventCancelled):
        move_start(event, minutes=30)
    db.session.rollback()
    with pytest.raises(Exception, match="cannot become"):
        events.set_state(event.id, EventState.OPEN, ACTOR)
    db.session.rollback()
    events.set_state(event.id, EventState.ARCHIVED, ACTOR)


def test_an_entry_made_after_the_notice_beats_one_made_before_even_in_the_same_second(app):
    event = forum(capacity=5)
    guest = invited(event)
    answer(guest)
    now = utcnow()
    before = icalendar.Calendar.from_ical(calendar.guest_calendar(guest, now=now))
    move_start(event, minutes=30)
    # The sender's clock says the same second (or is a little behind): the entry still wins.
    after = icalendar.Calendar.from_ical(calendar.guest_calendar(guest, now=now))
    (old,), (new,) = before.walk("VEVENT"), after.walk("VEVENT")
    assert new["uid"] == old["uid"]
    assert new["sequence"] > old["sequence"]


def test_only_guests_reading_the_language_of_a_changed_spelling_are_told(app):
    event = forum()
    invited(event)  # reads English: the Chinese spelling is not theirs
    chinese = invited(event, language=Language.ZH_HANT)
    db.session.refresh(event)
    details = EventDetails.of(event)
    renamed = details.__class__(**{**vars(details), "venue_zh": "高雄市政府"})
    with pytest.raises(events.NoticeNotConfirmed) as refused:
        events.update(event.id, renamed, event.edit_version, ACTOR)
    db.session.rollback()
    assert refused.value.audience.invited == 1
    events.update(event.id, renamed, event.edit_version, ACTOR, notice_confirmed=True)
    db.session.commit()
    assert [m.guest_id for m in queued(MessageKind.DETAILS_CHANGED)] == [chinese.id]
