"""Sessions guests choose, as the guest is told of them: the e-mails list the sessions with the
guest's place in each (in the guest's language, over real SMTP), the calendar has an entry per
confirmed session, the badge names them; an event without such sessions is as before."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from support import smtp
from support.factories import answer, invitation_path, make_guest, make_taipei_afternoon
from support.sessions import SESSION_2, SESSION_3, choose, make_sessions_event

from registrar.extensions import db
from registrar.mail import delivery, previews, render
from registrar.models import Language, MessageKind, SeatState
from registrar.services import audit, badges, calendar, rsvp, seats

# The app sends its e-mails to a real SMTP server of the test's own.
smtp_server = smtp.smtp_server
app_config = smtp.app_config


def entries(ics: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(ics).walk("VEVENT"))


def local_times(entry: icalendar.Event) -> tuple[str, str]:
    return f"{entry.decoded('dtstart'):%H:%M}", f"{entry.decoded('dtend'):%H:%M}"


def standing(ics: bytes) -> list[tuple[str, str]]:
    return sorted(local_times(e) for e in entries(ics) if str(e["status"]) == "CONFIRMED")


def bodies(smtp_server, guest) -> list[tuple[str, str, str]]:
    delivery.deliver_due()
    db.session.commit()
    return [
        (
            str(m["Subject"]),
            m.get_body(("plain",)).get_content(),
            m.get_body(("html",)).get_content(),
        )
        for m in smtp_server.to(guest.email)
    ]


# -- the calendar ----------------------------------------------------------------------------


def test_a_guest_in_session_3_only_gets_one_entry_for_its_times_and_two_after_adding_session_2(
    app, client
):
    event, s2, s3 = make_sessions_event(capacity=5)
    guest = make_guest(event)
    choose(guest, s3)

    ics = client.get(f"{invitation_path(guest)}/calendar.ics").data
    (entry,) = entries(ics)
    assert local_times(entry) == ("15:10", "16:30")
    assert str(entry["dtstart"].params["TZID"]) == "Asia/Taipei"
    assert entry.decoded("dtstart") == s3.starts_at
    assert str(entry["summary"]).startswith(SESSION_3[0])
    assert str(entry["uid"]) == calendar.session_uid_for(guest, s3)

    choose(guest, s2, s3)
    ics = client.get(f"{invitation_path(guest)}/calendar.ics").data
    assert standing(ics) == [("13:30", "14:50"), ("15:10", "16:30")]
    uids = {str(e["uid"]) for e in entries(ics)}
    assert uids == {calendar.session_uid_for(guest, s2), calendar.session_uid_for(guest, s3)}


def test_a_waitlisted_session_has_no_entry_and_a_guest_waitlisted_in_all_has_no_calendar(
    app, client, smtp_server
):
    event, s2, s3 = make_sessions_event(capacity=1)
    choose(make_guest(event), s3)  # Session 3 is full
    guest = make_guest(event)
    choose(guest, s2, s3)
    first = client.get(f"{invitation_path(guest)}/calendar.ics").data
    assert standing(first) == [("13:30", "14:50")]
    assert len(entries(first)) == 1  # waitlisted in Session 3: no entry for it
    bodies(smtp_server, guest)

    choose(make_guest(event), s2)  # waits for Session 2
    choose(guest, s3)  # gives Session 2 up (to that guest), still waits for Session 3
    assert guest.seat.state == SeatState.WAITLISTED
    assert client.get(f"{invitation_path(guest)}/calendar.ics").status_code == 404
    # The waitlist message takes the Session 2 entry out of the guest's calendar.
    delivery.deliver_due()
    db.session.commit()
    last = smtp_server.to(guest.email)[-1]
    (attached,) = [p for p in last.iter_attachments() if p.get_content_type() == "text/calendar"]
    cancel = icalendar.Calendar.from_ical(attached.get_content())
    assert str(cancel["method"]) == "CANCEL"
    (entry,) = cancel.walk("VEVENT")
    assert str(entry["uid"]) == calendar.session_uid_for(guest, s2)
    assert str(entry["status"]) == "CANCELLED"


def test_the_file_cancels_the_entry_of_a_session_given_up_and_keeps_the_other(app, client):
    event, s2, s3 = make_sessions_event(capacity=5)
    guest = make_guest(event)
    choose(guest, s2, s3)
    before = entries(client.get(f"{invitation_path(guest)}/calendar.ics").data)

    choose(guest, s3)
    after = entries(client.get(f"{invitation_path(guest)}/calendar.ics").data)
    by_uid = {str(e["uid"]): e for e in after}
    dropped = by_uid[calendar.session_uid_for(guest, s2)]
    kept = by_uid[calendar.session_uid_for(guest, s3)]
    assert str(dropped["status"]) == "CANCELLED" and str(kept["status"]) == "CONFIRMED"
    assert local_times(dropped) == ("13:30", "14:50")
    old = {str(e["uid"]): int(e["sequence"]) for e in before}
    assert int(dropped["sequence"]) >= old[str(dropped["uid"])]

    # Declined: the cancellation removes both.
    rsvp.answer(guest.id, guest.token_version, rsvp.RsvpAnswer(attending=False), audit.GUEST)
    db.session.commit()
    with render.guest_language(guest):
        gone = calendar.guest_calendar(guest, cancelled=True)
    assert str(icalendar.Calendar.from_ical(gone)["method"]) == "CANCEL"
    assert {str(e["uid"]) for e in entries(gone)} == {
        calendar.session_uid_for(guest, s2),
        calendar.session_uid_for(guest, s3),
    }
    assert {str(e["status"]) for e in entries(gone)} == {"CANCELLED"}


def test_the_google_link_has_the_session_times_or_the_span_of_several(app):
    event, s2, s3 = make_sessions_event(capacity=5)
    one, both = make_guest(event), make_guest(event)
    choose(one, s3)
    choose(both, s2, s3)
    fmt = "%Y%m%dT%H%M%SZ"

    def query(guest):
        with render.guest_language(guest):
            url = calendar.google_calendar_url(event, guest)
        return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}

    single = query(one)
    assert (
        single["dates"]
        == f"{s3.starts_at.astimezone(UTC):{fmt}}/{s3.ends_at.astimezone(UTC):{fmt}}"
    )
    assert single["text"].startswith(SESSION_3[0])
    spanned = query(both)
    assert (
        spanned["dates"]
        == f"{s2.starts_at.astimezone(UTC):{fmt}}/{s3.ends_at.astimezone(UTC):{fmt}}"
    )
    assert "13:30–14:50" in spanned["details"] and "15:10–16:30" in spanned["details"]


# -- the e-mails -----------------------------------------------------------------------------


def test_the_confirmation_lists_the_sessions_with_the_place_in_each_in_the_guests_language(
    app, smtp_server
):
    event, s2, s3 = make_sessions_event(capacity=1)
    choose(make_guest(event), s3)
    english = make_guest(event)
    chinese = make_guest(event, language=Language.ZH_HANT)
    choose(english, s2, s3)

    ((subject, text, html),) = bodies(smtp_server, english)
    assert subject.startswith("Your seat is confirmed")
    assert "Your sessions" in text
    assert f"13:30–14:50  {SESSION_2[0]}: seat confirmed" in text
    assert f"15:10–16:30  {SESSION_3[0]}: on the waitlist, place 1" in text
    assert SESSION_3[0] in html and "on the waitlist, place 1" in html

    choose(chinese, s3)
    ((subject, text, html),) = bodies(smtp_server, chinese)
    assert subject.startswith("您在候補名單中")
    assert "您的場次" in text
    assert f"15:10–16:30  {SESSION_3[1]}：候補中，第 2 位" in text
    assert SESSION_2[1] not in text
    assert SESSION_3[1] in html and "候補中，第 2 位" in html


def test_the_promotion_names_the_session_given_even_to_a_guest_confirmed_in_another(
    app, smtp_server
):
    event, s2, s3 = make_sessions_event(capacity=1)
    holder = make_guest(event)
    choose(holder, s3)
    guest = make_guest(event, language=Language.ZH_HANT)
    choose(guest, s2, s3)  # confirmed in Session 2, waits for Session 3
    bodies(smtp_server, guest)

    choose(holder, s2)  # gives up Session 3 (and waits for Session 2)
    messages = bodies(smtp_server, guest)
    subject, text, html = messages[-1]
    assert subject.startswith("您有座位了")
    assert f"「{SESSION_3[1]}」有座位空出，已保留給您" in text
    assert f"13:30–14:50  {SESSION_2[1]}：座位已確認" in text
    assert f"15:10–16:30  {SESSION_3[1]}：座位已確認" in text
    assert f"「{SESSION_3[1]}」有座位空出" in html


def test_an_event_without_sessions_tells_no_sessions(app, smtp_server):

    event = make_taipei_afternoon(capacity=5)
    guest = make_guest(event)
    answer(guest)
    db.session.commit()
    ((_subject, text, _html),) = bodies(smtp_server, guest)
    assert "Your sessions" not in text
    assert seats.sessions.places_of(guest) == []


# -- the badge and the guest's page ----------------------------------------------------------


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is not installed")
def test_the_badge_pdf_names_the_confirmed_sessions_with_their_times_but_not_a_waitlisted_one(
    app, tmp_path
):
    event, s2, s3 = make_sessions_event(capacity=1)
    choose(make_guest(event), s2)  # Session 2 is full
    guest = make_guest(event)
    choose(guest, s2, s3)

    source = tmp_path / "badge.pdf"
    source.write_bytes(badges.badge_pdf(guest))
    words = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", source, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "15:10–16:30" in words and SESSION_3[1] in words and SESSION_3[0] in words
    assert "13:30–14:50" not in words  # waitlisted there


def test_the_page_says_plainly_when_the_seat_is_confirmed_in_one_session_and_waitlisted_in_another(
    app, client
):
    event, s2, s3 = make_sessions_event(capacity=1)
    choose(make_guest(event), s2)  # Session 2 is full
    guest = make_guest(event)
    choose(guest, s2, s3)

    page = client.get(invitation_path(guest)).get_data(as_text=True)
    assert "Seat confirmed in 1 of your 2 sessions" in page
    assert 'class="session-partly"' in page
    assert page.count('class="badge-session"') == 1 and SESSION_3[0] in page

    choose(guest, s3)  # only the session with a seat
    page = client.get(invitation_path(guest)).get_data(as_text=True)
    assert "Your seat is confirmed" in page and "session-partly" not in page


def test_the_console_preview_shows_the_sessions_of_a_session_event(organizer_client):
    event, s2, s3 = make_sessions_event(capacity=5)
    guest = make_guest(event)
    choose(guest, s3)
    unanswered = make_guest(event)

    promoted = previews.guest_preview(guest, MessageKind.PROMOTED, Language.EN)
    assert f"A seat has become free in {SESSION_3[0]}" in promoted.text
    assert f"15:10–16:30  {SESSION_3[0]}: seat confirmed" in promoted.text
    # A guest who has chosen nothing yet: every session, as an example.
    waiting = previews.guest_preview(unanswered, MessageKind.WAITLISTED, Language.ZH_HANT)
    assert f"13:30–14:50  {SESSION_2[1]}：候補中，第 1 位" in waiting.text
    assert f"15:10–16:30  {SESSION_3[1]}：候補中，第 1 位" in waiting.text
    page = organizer_client.get(
        f"/console/events/{event.id}/mail/preview?kind=confirmation&guest={guest.id}"
    ).get_data(as_text=True)
    assert SESSION_3[0] in page

    plain = make_taipei_afternoon(capacity=5)
    other = make_guest(plain)
    assert (
        "Your sessions"
        not in previews.guest_preview(other, MessageKind.WAITLISTED, Language.EN).text
    )
