"""Issue 14's journey on an empty install, in a real browser against a real server and SMTP.

The first organizer (made with `flask staff add`, as the README says) signs in, creates a forum
with two sessions and a break, adds speakers and moderators, invites a door volunteer, imports
30 guests and sends the invitations; a guest answers yes on a phone; the organizer moves the
start by 30 minutes and confirms the notice; the guest's update carries a calendar entry with
the same UID, a higher SEQUENCE and the new start.

Everything goes through the pages, as a new user would go, except starting the server, the
first account and the mail sender (`flask mail send`, run between steps as cron would).
Headless Chromium (Debian's package) driven by Playwright; SQLite only, as the other browser
tests: the rules on the way are tested on both databases by their own modules.
"""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import date, datetime, timedelta
from datetime import time as dt_time
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from support.browser import PHONE, TIMEOUT_MS, in_browser
from support.live_server import serving
from support.smtp import Inbox, smtp_config, smtp_inbox

from registrar.extensions import db

pytestmark = in_browser

SCREENSHOTS = Path(__file__).parent / "screenshots"
ORGANIZER = "first.organizer@forum.example"
VOLUNTEER = "door.volunteer@forum.example"
GUEST = "guest07@delegates.example"
PASSWORD = "first organizer pass"
VOLUNTEER_PASSWORD = "volunteer door pass"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/\S+")
MAIL_WAIT_S = 10


@pytest.fixture
def inbox():
    with smtp_inbox() as inbox:
        yield inbox


@pytest.fixture
def app_config(app_config, inbox) -> dict:
    return {**app_config, **smtp_config(inbox)}


def guest_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name_en", "name_zh", "email", "organization", "category", "language"])
    for n in range(1, 31):
        language = "zh_Hant" if n % 3 == 0 else "en"
        writer.writerow(
            [f"Guest {n:02d}", "", f"guest{n:02d}@delegates.example", "City Office", "delegate",
             language]
        )  # fmt: skip
    return out.getvalue().encode()


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def calendar_of(message: EmailMessage) -> icalendar.Event:
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            return next(iter(calendar.walk("VEVENT")))
    raise AssertionError(f"no .ics in “{message['Subject']}”")


def flask(runner, *args: str) -> str:
    """A `flask --app registrar` command's output; it must succeed.

    The command runs in the test's app context, whose session it leaves in a transaction
    (reading what it printed): on SQLite that holds the write lock the server needs.
    """
    try:
        result = runner.invoke(args=list(args))
    finally:
        db.session.remove()
    assert result.exit_code == 0, result.output
    return result.output


def send_mail(runner) -> str:
    """The mail sender, once, as cron runs it."""
    return flask(runner, "mail", "send")


def test_first_organizer_to_guest_update(app, runner, inbox: Inbox, browser):
    added = flask(
        runner, "staff", "add", ORGANIZER, "--name", "First Organizer", "--password", PASSWORD
    )
    assert "administrator of every event" in added
    day = date.today() + timedelta(weeks=4)
    deadline = day - timedelta(days=5)

    with serving(app) as base:
        # Links in the e-mails lead to this server.
        app.config["REGISTRAR_BASE_URL"] = base
        chromium = browser()
        desk = chromium.new_context(viewport={"width": 1280, "height": 900})
        desk.set_default_timeout(TIMEOUT_MS)
        page = desk.new_page()

        # -- the first organizer signs in: an empty console says what to do first ----------
        page.goto(base + "/login")
        page.fill("#email", ORGANIZER)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.get_by_role("heading", name="Create your first event").wait_for()
        page.get_by_role("link", name="Create your first event").click()

        # -- the event, as a draft, then open ------------------------------------------------
        fields = {
            "#title_en": "Climate Forum",
            "#title_zh": "氣候論壇",
            "#slug": "climate-forum",
            "#day": day.isoformat(),
            "#doors_open": "13:30",
            "#starts": "14:00",
            "#ends": "17:00",
            "#deadline_day": deadline.isoformat(),
            "#deadline_time": "18:00",
            "#venue_en": "Kaohsiung Exhibition Center",
            "#venue_zh": "高雄展覽館",
            "#room_en": "Room 301a",
            "#room_zh": "301a 會議室",
            "#capacity": "40",
            "#held_seats": "2",
            "#contact_name": "Lin Mei",
            "#contact_email": "forum@city.example",
            "#contact_phone": "+886 7 123 4567",
        }
        for selector, value in fields.items():
            page.fill(selector, value)
        assert page.is_checked("input[name=channels][value=en]")
        assert page.is_checked("input[name=channels][value=zh]")
        page.get_by_role("button", name="Create the event").click()
        page.get_by_text("The event is saved as a draft.").wait_for()
        event_url = page.url.removesuffix("/edit")
        page.get_by_role("button", name="Open for replies").click()
        page.get_by_text("The event is open").wait_for()

        # -- the programme: Session A, a break, Session B, each session with two people ----
        def add_item(kind: str, title: str, starts: str, ends: str) -> None:
            page.goto(event_url + "/programme")
            page.get_by_role("link", name="Add a session or a break").click()
            page.check(f"input[name=kind][value={kind}]")
            page.fill("#title_en", title)
            page.fill("#starts", starts)
            page.fill("#ends", ends)
            page.get_by_role("button", name="Add to the programme").click()
            page.wait_for_load_state("load")
            assert not page.locator(".error").count(), page.locator(".error").all_inner_texts()

        def add_person(item: str, role: str, name: str) -> None:
            page.goto(event_url + "/programme")
            page.get_by_role("link", name=f"Edit, speakers and moderators ({item})").click()
            page.get_by_role("link", name="Add a speaker or a moderator").click()
            page.check(f"input[name=role][value={role}]")
            page.fill("#name_en", name)
            page.get_by_role("button", name="Add to the item").click()
            page.get_by_text(f"{name} is on the programme item.").wait_for()

        add_item("session", "Session A", "14:00", "15:00")
        add_item("break", "Break", "15:00", "15:20")
        add_item("session", "Session B", "15:20", "16:30")
        add_person("Session A", "speaker", "Chen Wei")
        add_person("Session A", "moderator", "Ana Souza")
        add_person("Session B", "speaker", "Tanaka Yuki")
        add_person("Session B", "moderator", "Lee Min")
        page.goto(event_url + "/programme")
        times = page.locator(".programme-entry .agenda-time").all_inner_texts()
        assert times == ["14:00–15:00", "15:00–15:20", "15:20–16:30"]

        # -- a door volunteer, invited on the team page --------------------------------------
        page.goto(event_url + "/team")
        page.fill("#email", VOLUNTEER)
        page.fill("#name", "Door Volunteer")
        page.check("input[name=role][value=door]")
        page.get_by_role("button", name="Invite").click()
        page.wait_for_load_state("load")
        invitation = wait_for_mail(inbox, VOLUNTEER, 1)[0]
        set_password_link = LINK.search(body(invitation)).group(0)

        volunteer = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        volunteer.set_default_timeout(TIMEOUT_MS)
        door = volunteer.new_page()
        door.goto(set_password_link)
        door.fill("#password", VOLUNTEER_PASSWORD)
        door.fill("#confirm", VOLUNTEER_PASSWORD)
        door.get_by_role("button", name="Set the password").click()
        door.wait_for_url(re.compile(r"/login"))
        door.fill("#email", VOLUNTEER)
        door.fill("#password", VOLUNTEER_PASSWORD)
        door.click("button[type=submit]")
        door.wait_for_url(re.compile(r"/door/events/\d+$"))
        door.get_by_role("heading", name="Climate Forum").wait_for()
        refused = door.goto(base + "/console/")
        assert refused is not None and refused.status == 403
        volunteer.close()

        # -- 30 guests from a CSV file: preview, then import ---------------------------------
        page.goto(event_url + "/import")
        page.set_input_files(
            "#file", files=[{"name": "guests.csv", "mimeType": "text/csv", "buffer": guest_csv()}]
        )
        page.get_by_role("button", name="Preview the import").click()
        page.get_by_role("button", name="Import 30 guests").click()
        page.get_by_text("Guest list imported: 30 new, 0 updated, 0 unchanged.").wait_for()

        # -- invitations, sent from the e-mail page and delivered by the sender -------------
        page.goto(event_url + "/mail")
        page.get_by_role("button", name="Send invitations to all 30…").click()
        page.get_by_role("button", name="Queue it for 30 guests").click()
        page.locator(".flashes").get_by_text("30").wait_for()
        assert "sent 30" in send_mail(runner)
        guest_invitation = wait_for_mail(inbox, GUEST, 1)[0]
        guest_link = LINK.search(body(guest_invitation)).group(0)

        # -- the guest answers yes on a phone ------------------------------------------------
        phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        phone.set_default_timeout(TIMEOUT_MS)
        answer = phone.new_page()
        answer.goto(guest_link)
        answer.check("input[name=attending][value=yes]")
        answer.check("input[name=channel][value=zh]")
        answer.screenshot(path=SCREENSHOTS / "journey-guest-answer-phone.png", full_page=True)
        answer.get_by_role("button", name="Send my answer").click()
        answer.get_by_text("Your seat is confirmed").first.wait_for()
        phone.close()
        send_mail(runner)
        confirmation = wait_for_mail(inbox, GUEST, 2)[-1]
        attachments = {p.get_content_type() for p in confirmation.iter_attachments()}
        assert {"application/pdf", "text/calendar"} <= attachments
        first_entry = calendar_of(confirmation)

        # -- the organizer moves the start by 30 minutes -------------------------------------
        # As anyone would: the new start alone. "Move the programme by as much as the start
        # moves" is ticked, so the three items move with it and still end by 17:00.
        page.goto(event_url + "/edit")
        assert page.is_checked("#move_programme")
        page.fill("#starts", "14:30")
        page.get_by_role("button", name="Save").click()
        page.get_by_role("heading", name="Guests will be told of this change").wait_for()
        told = page.locator(".who-is-told").inner_text()
        assert "30 invited, 1 confirmed, 0 waitlisted" in told
        previews = page.locator(".notice-preview")
        assert previews.count() == 2
        assert "Start: now 14:30 (was 14:00)" in previews.nth(0).inner_text()
        assert "開始時間：改為 14:30（原為 14:00）" in previews.nth(1).inner_text()
        page.screenshot(path=SCREENSHOTS / "journey-notice-confirm.png", full_page=True)
        page.get_by_role("button", name="Confirm: save and tell the guests").click()
        page.get_by_text("The event is saved.").wait_for()
        assert page.input_value("#starts") == "14:30"
        page.goto(event_url + "/programme")
        times = page.locator(".programme-entry .agenda-time").all_inner_texts()
        assert times == ["14:30–15:30", "15:30–15:50", "15:50–17:00"]

        # -- the guest's update replaces the calendar entry ----------------------------------
        send_mail(runner)
        update = wait_for_mail(inbox, GUEST, 3)[-1]
        new_entry = calendar_of(update)
        desk.close()

        # The guest's page says the new time too.
        phone = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        again = phone.new_page()
        again.goto(guest_link)
        assert "programme 14:30–17:00" in again.locator("main").inner_text()
        phone.close()

    assert update["Subject"] == "The details have changed: Climate Forum"
    assert "Start: now 14:30 (was 14:00)" in body(update)
    taipei = ZoneInfo("Asia/Taipei")
    assert first_entry.decoded("DTSTART") == datetime.combine(day, dt_time(14, 0), taipei)
    assert new_entry["UID"] == first_entry["UID"]
    assert int(new_entry["SEQUENCE"]) > int(first_entry["SEQUENCE"])
    moved = new_entry.decoded("DTSTART") - first_entry.decoded("DTSTART")
    assert moved == timedelta(minutes=30)
    # Everyone invited, but no one twice: the notice went to the 30 invited guests.
    assert len([m for m in inbox.received if "delegates.example" in str(m["To"])]) == 30 + 1 + 30


def wait_for_mail(inbox: Inbox, address: str, count: int):
    """The messages to `address` once there are `count` (staff mail is sent during the
    request; the rest by the sender before this is called)."""
    deadline = time.monotonic() + MAIL_WAIT_S
    while time.monotonic() < deadline:
        with inbox.lock:
            found = inbox.to(address)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{len(inbox.to(address))} messages to {address}, wanted {count}")
