"""The console's guest actions that need a confirmation: the page says what happens to this
guest, its button alone acts (with the CSRF token and the version it showed), a second press or
a forged post changes nothing and says so; after a new link, the link goes out by e-mail once,
in the guest's language (a real SMTP server on the loopback)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from support.app import confirm, request_client, text
from support.auth import PASSWORD
from support.factories import answer, invitation_path, make_event, make_guest, make_staff
from support.smtp import smtp_config, smtp_inbox

from registrar import create_app
from registrar.extensions import db
from registrar.mail import delivery
from registrar.models import (
    AuditEntry,
    Guest,
    Language,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    Seat,
    SeatState,
    utcnow,
)
from registrar.services import audit, invitations

CSRF_VALUE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ACTIONS = ["revoke", "rotate", "reissue-badge", "erase"]


@pytest.fixture
def smtp_server():
    with smtp_inbox() as inbox:
        yield inbox


@pytest.fixture
def app_config(app_config, smtp_server):
    return {**app_config, **smtp_config(smtp_server)}


@pytest.fixture
def event(app):
    return make_event(capacity=1)


@pytest.fixture
def organizer(event, organizer_client):
    return organizer_client


@pytest.fixture
def seated(event):
    """Wang Mei-Ling holds the one seat, with a badge; Lin Chia-Hao waits first in line."""
    wang = make_guest(event, name_en="Wang Mei-Ling", name_zh="王美玲", language=Language.ZH_HANT)
    wang.sent_at = utcnow() - timedelta(days=2)
    lin = make_guest(event, name_en="Lin Chia-Hao", name_zh="林家豪")
    db.session.commit()
    answer(wang)
    answer(lin)
    assert (seat_of(wang.id), seat_of(lin.id)) == (SeatState.CONFIRMED, SeatState.WAITLISTED)
    return wang, lin


def seat_of(guest_id: int) -> SeatState | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Seat.state).where(Seat.guest_id == guest_id))


def snapshot(guest_id: int) -> tuple:
    """Everything an action could change: the guest's versions, revocation, name, the log."""
    db.session.expire_all()
    guest = db.session.get(Guest, guest_id)
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    return (
        guest.token_version,
        guest.badge_version,
        guest.revoked_at,
        guest.name_en,
        seat_of(guest_id),
        entries,
    )


def path(guest: Guest, action: str) -> str:
    return f"/console/guests/{guest.id}/{action}"


# -- the pages say what happens to this guest -------------------------------------------------


def test_revoking_a_confirmed_guest_says_who_gets_the_seat_and_that_the_badge_dies(
    organizer, seated
):
    wang, lin = seated
    page = text(organizer.get(path(wang, "revoke")))
    assert "Revoke the invitation of Wang Mei-Ling?" in page
    assert (
        "Wang Mei-Ling holds a confirmed seat. It is freed and goes to Lin Chia-Hao, first on "
        "the waitlist, who is told by e-mail." in page
    )
    assert "The badge of Wang Mei-Ling stops working at the door, printed copies included." in page
    assert "The invitation link of Wang Mei-Ling stops working" in page
    assert 'name="confirm"' in page and ">Cancel</a>" in page
    # Only the page was shown: nothing changed.
    assert seat_of(wang.id) == SeatState.CONFIRMED


def test_the_pages_speak_of_the_guest_as_they_stand(organizer, seated, event):
    wang, lin = seated
    waiting = text(organizer.get(path(lin, "revoke")))
    assert "Lin Chia-Hao is number 1 on the waitlist and loses that place." in waiting
    assert "badge" not in waiting.split("What happens")[1].split("Reinstating")[0]

    new_link = text(organizer.get(path(wang, "rotate")))
    assert "The current link of Wang Mei-Ling stops working at once, including the one in" in (
        new_link
    )
    assert "The answer and the seat of Wang Mei-Ling stay as they are." in new_link

    badge = text(organizer.get(path(wang, "reissue-badge")))
    assert "The current badge of Wang Mei-Ling stops working at the door" in badge
    no_badge = text(organizer.get(path(lin, "reissue-badge")))
    assert "There is no badge to replace" in no_badge and 'name="confirm"' not in no_badge

    erase = text(organizer.get(path(wang, "erase")))
    assert "It cannot be undone." in erase
    assert "It is freed and goes to Lin Chia-Hao" in erase

    chinese = text(organizer.get(path(wang, "revoke"), query_string={"lang": "zh_Hant"}))
    assert "要撤回 王美玲 的邀請嗎？" in chinese
    assert "給候補名單第一位的 林家豪" in chinese


def test_revoking_with_the_confirmation_promotes_the_first_in_line_and_says_so(organizer, seated):
    wang, lin = seated
    response = confirm(organizer, path(wang, "revoke"))
    assert response.status_code == 302
    page = text(organizer.get(response.headers["Location"]))
    assert "Invitation revoked; its link no longer works." in page
    assert "Lin Chia-Hao, first on the waitlist, got the freed seat" in page
    assert (seat_of(wang.id), seat_of(lin.id)) == (None, SeatState.CONFIRMED)
    assert db.session.get(Guest, wang.id).is_revoked


# -- what changes nothing -----------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_a_post_without_the_confirmation_changes_nothing_and_says_so(organizer, seated, action):
    wang, _ = seated
    before = snapshot(wang.id)
    for data in ({}, {"confirm": ""}, {"confirm": "abc"}):
        response = organizer.post(path(wang, action), data=data)
        assert response.status_code == 400
        page = text(response)
        assert "Nothing was changed" in page or "Not a valid integer value." in page
        assert 'name="confirm"' in page  # the page to confirm on, shown again
    assert snapshot(wang.id) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_a_confirmation_from_an_older_page_changes_nothing(organizer, seated, action):
    wang, _ = seated
    before = snapshot(wang.id)
    stale = str(before[1 if action == "reissue-badge" else 0] - 1)
    response = organizer.post(path(wang, action), data={"confirm": stale})
    assert response.status_code == 409
    assert "Nothing was changed" in text(response)
    assert snapshot(wang.id) == before


@pytest.mark.parametrize(
    "action, message",
    [
        ("revoke", "Nothing was changed: the invitation is already revoked."),
        ("rotate", "Nothing was changed: a new link was issued after this page was opened."),
        (
            "reissue-badge",
            "Nothing was changed: a new badge was issued after this page was opened.",
        ),
    ],
)
def test_pressing_twice_acts_once(organizer, seated, action, message):
    wang, lin = seated
    page = organizer.get(path(wang, action)).get_data(as_text=True)
    data = {"confirm": re.search(r'name="confirm" type="hidden" value="(\d+)"', page).group(1)}
    assert organizer.post(path(wang, action), data=data).status_code == 302
    after_first = snapshot(wang.id)
    second = organizer.post(path(wang, action), data=data)
    assert second.status_code == 409
    assert message in text(second)
    assert snapshot(wang.id) == after_first
    if action == "revoke":
        assert seat_of(lin.id) == SeatState.CONFIRMED


def test_erasing_twice_erases_once(organizer, seated):
    wang, _ = seated
    page = organizer.get(path(wang, "erase")).get_data(as_text=True)
    data = {"confirm": re.search(r'name="confirm" type="hidden" value="(\d+)"', page).group(1)}
    assert organizer.post(path(wang, "erase"), data=data).status_code == 302
    after_first = snapshot(wang.id)
    second = organizer.post(path(wang, "erase"), data=data)
    assert second.status_code == 409
    assert "already erased. Nothing was changed." in text(second)
    assert snapshot(wang.id) == after_first


@pytest.fixture
def csrf_organizer(app_config, app, event):
    make_staff()
    db.session.commit()
    csrf_app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = request_client(csrf_app)
    token = CSRF_VALUE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login", data={"email": "organizer@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    yield client
    with csrf_app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("action", ACTIONS)
def test_a_post_with_a_forged_csrf_token_changes_nothing(csrf_organizer, seated, action):
    wang, _ = seated
    page = csrf_organizer.get(path(wang, action)).get_data(as_text=True)
    version = re.search(r'name="confirm" type="hidden" value="(\d+)"', page).group(1)
    before = snapshot(wang.id)
    for token in (None, "forged"):
        data = {"confirm": version, **({"csrf_token": token} if token else {})}
        response = csrf_organizer.post(path(wang, action), data=data)
        assert response.status_code == 400
        assert "The form has expired" in text(response)
    assert snapshot(wang.id) == before
    # The control: the page's own button goes through.
    assert confirm(csrf_organizer, path(wang, action)).status_code == 302
    assert snapshot(wang.id) != before


# -- after a new link: e-mail it ----------------------------------------------------------------


def messages_to(guest: Guest, kind: MessageKind) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.guest_id == guest.id, OutboxMessage.kind == kind
            )
        )
    )


def test_after_a_new_link_an_answered_guest_gets_her_answers_message_once_in_her_language(
    organizer, client, seated, smtp_server
):
    wang, _ = seated
    delivery.deliver_due()  # the seats' own messages, before the new link
    smtp_server.received.clear()
    old_link = invitation_path(wang)
    response = confirm(organizer, path(wang, "rotate"))
    assert response.status_code == 302
    link_page = response.headers["Location"]
    assert link_page == f"/console/guests/{wang.id}/link"
    page = text(organizer.get(link_page))
    new_link = invitation_path(db.session.get(Guest, wang.id))
    assert f"http://localhost{new_link}" in page
    assert "E-mail the new link to Wang Mei-Ling" in page
    assert "in 中文 (the guest's language)" in page

    token = {"csrf_token": ""}
    response = organizer.post(f"/console/guests/{wang.id}/link/send", data=token)
    assert response.status_code == 302
    page = text(organizer.get(response.headers["Location"]))
    # She has answered: she is not asked to answer again; the confirmation of her seat (which
    # carries the link) goes out again.
    assert (
        "A message with the new link to Wang Mei-Ling is queued (Seat confirmed), in 中文." in page
    )
    assert "(Seat confirmed) is waiting to go out; it carries this link." in page
    # Pressed again: nothing more is queued, and the page says why.
    response = organizer.post(f"/console/guests/{wang.id}/link/send", data=token)
    page = text(organizer.get(response.headers["Location"]))
    assert "Nothing was queued: a message to Wang Mei-Ling (Seat confirmed) is already" in page
    assert messages_to(wang, MessageKind.INVITATION) == []
    waiting = messages_to(wang, MessageKind.CONFIRMATION)
    (queued,) = [m for m in waiting if m.status == MessageStatus.QUEUED]
    assert queued.language == Language.ZH_HANT

    db.session.commit()
    report = delivery.deliver_due()
    assert report.sent == 1
    (message,) = smtp_server.to(wang.email)
    assert message["Content-Language"] == "zh-Hant-TW"
    body = message.get_body(("plain",)).get_content()
    assert "王美玲" in body
    assert f"http://localhost{new_link}" in body and f"http://localhost{old_link}" not in body
    assert client.get(old_link).status_code == 410
    assert client.get(new_link).status_code == 200


def test_a_guest_who_has_not_answered_gets_the_invitation_with_the_new_link(
    organizer, event, smtp_server
):
    chen = make_guest(event, name_en="Chen Li", language=Language.EN)
    db.session.commit()
    confirm(organizer, path(chen, "rotate"))
    new_link = invitation_path(db.session.get(Guest, chen.id))
    response = organizer.post(f"/console/guests/{chen.id}/link/send", data={"csrf_token": ""})
    page = text(organizer.get(response.headers["Location"]))
    assert "A message with the new link to Chen Li is queued (Invitation e-mail)" in page
    (queued,) = messages_to(chen, MessageKind.INVITATION)
    db.session.commit()
    assert delivery.deliver_due().sent == 1
    (message,) = smtp_server.to(chen.email)
    assert f"http://localhost{new_link}" in message.get_body(("plain",)).get_content()


def test_once_replies_are_closed_only_guests_who_answered_can_be_sent_the_link(
    organizer, seated, event
):
    wang, _ = seated
    delivery.deliver_due()  # the seats' own messages
    chen = make_guest(event, name_en="Chen Li")
    event.rsvp_deadline = utcnow() - timedelta(hours=1)
    db.session.commit()
    confirm(organizer, path(chen, "rotate"))
    page = text(organizer.get(f"/console/guests/{chen.id}/link"))
    assert "Replies are closed, so no invitation can be sent" in page
    assert "E-mail the new link" not in page
    # A forged post is refused with the reason, and queues nothing.
    response = organizer.post(f"/console/guests/{chen.id}/link/send", data={"csrf_token": ""})
    assert "Replies are closed" in text(organizer.get(response.headers["Location"]))
    assert messages_to(chen, MessageKind.INVITATION) == []
    # Wang's seat stands after the deadline: the confirmation with her new link can go.
    confirm(organizer, path(wang, "rotate"))
    page = text(organizer.get(f"/console/guests/{wang.id}/link"))
    assert "E-mail the new link to Wang Mei-Ling" in page


def test_reinstating_leads_to_the_new_link_and_its_offer(organizer, seated):
    wang, _ = seated
    invitations.revoke(wang.id, audit.SYSTEM)
    db.session.commit()
    page = text(organizer.get(path(wang, "reinstate")))
    assert "Wang Mei-Ling answers again from the start" in page
    response = confirm(organizer, path(wang, "reinstate"))
    assert response.headers["Location"] == f"/console/guests/{wang.id}/link"
    page = text(organizer.get(response.headers["Location"]))
    assert "Invitation reinstated with a new link." in page
    assert "E-mail the new link to Wang Mei-Ling" in page


# -- one table with every action ----------------------------------------------------------------


def test_the_guest_list_holds_the_seats_and_every_action_and_the_old_page_leads_to_it(
    organizer, seated, event
):
    wang, lin = seated
    response = organizer.get(f"/console/events/{event.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/console/events/{event.id}/guests"

    event.capacity = 2
    db.session.commit()  # a seat is free: Lin can be given it from the list
    page = organizer.get(f"/console/events/{event.id}/guests").get_data(as_text=True)
    assert 'id="seats"' in page and 'id="badge-sheet"' in page
    row = page.split(f'id="guest-{wang.id}"')[1].split("</tr>")[0]
    for action in ("revoke", "rotate", "reissue-badge", "erase", "edit", "answer", "messages"):
        assert f"/console/guests/{wang.id}/{action}" in row, action
    assert "link-field" in row
    waiting = page.split(f'id="guest-{lin.id}"')[1].split("</tr>")[0]
    assert "Waitlisted #1" in waiting
    assert f"/console/guests/{lin.id}/promote" in waiting
    assert f"/console/events/{event.id}/waitlist#guest-{lin.id}" in waiting
    # The list's actions are links to their pages: nothing acts on one click but the seat.
    assert f'action="/console/guests/{wang.id}/revoke' not in page

    response = organizer.post(
        f"/console/guests/{lin.id}/promote",
        query_string={"back": f"/console/events/{event.id}/guests"},
    )
    assert response.headers["Location"] == f"/console/events/{event.id}/guests"
    assert seat_of(lin.id) == SeatState.CONFIRMED
