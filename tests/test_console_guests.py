"""The console's guest list: search, filters, order, pages; adding, editing, answering for a
guest, and erasing a guest's personal data."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from markupsafe import escape
from support.app import confirm, request_client, text
from support.auth import PASSWORD
from support.factories import (
    invitation_path,
    make_event,
    make_guest,
    make_guests_in_bulk,
    make_staff,
)

from registrar import create_app
from registrar.extensions import db
from registrar.mail import campaigns, delivery
from registrar.models import (
    AuditEntry,
    Category,
    Channel,
    CheckIn,
    Direction,
    Event,
    Guest,
    Language,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    Rsvp,
    Scan,
    Seat,
    SeatState,
    StaffUser,
    Verdict,
    utcnow,
)
from registrar.services import audit, guests, invitations, outbox, rsvp

CSRF_VALUE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def event(app):
    return make_event(capacity=3)


@pytest.fixture
def organizer(event, organizer_client):
    return organizer_client


def list_path(event, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/console/events/{event.id}/guests" + (f"?{query}" if query else "")


def shown(client, event, **params) -> list[int]:
    """The ids of the guests the list shows, in order."""
    response = client.get(list_path(event, **params))
    assert response.status_code == 200
    return [int(n) for n in re.findall(r'<tr id="guest-(\d+)"', response.get_data(as_text=True))]


def row_of(page: str, guest_id: int) -> str:
    return page.split(f'id="guest-{guest_id}"')[1].split("</tr>")[0]


def answer(guest: Guest, attending: bool = True, channel: Channel = Channel.EN, **needs):
    guest = db.session.get(Guest, guest.id)
    reply = rsvp.RsvpAnswer(attending=attending, channel=channel if attending else None, **needs)
    rsvp.answer(guest.id, guest.token_version, reply, audit.GUEST)
    db.session.commit()


def seat_state(guest_id: int) -> SeatState | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Seat.state).where(Seat.guest_id == guest_id))


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def organizer_actor() -> str:
    return f"staff:{db.session.scalar(sa.select(StaffUser.id).where(StaffUser.is_admin.is_(True)))}"


# -- search -------------------------------------------------------------------------------


@pytest.fixture
def people(event):
    return {
        "lai": make_guest(
            event,
            name_en="Lai Ching-Ming",
            name_zh="賴慶明",
            email="lai@kcg.gov.tw",
            organization="Kaohsiung City Government",
        ),
        "ingrid": make_guest(
            event,
            name_en="Ingrid Coetzee",
            name_zh="",
            email="ingrid.coetzee@iclei.org",
            organization="ICLEI Africa",
        ),
        "chen": make_guest(
            event,
            name_en="",
            name_zh="陳其邁",
            email="mayor@example.org",
            organization="高雄市政府",
        ),
    }


@pytest.mark.parametrize(
    "query, expected",
    [
        ("賴慶", ["lai"]),
        ("陳其邁", ["chen"]),
        ("ching-ming", ["lai"]),
        ("COETZEE", ["ingrid"]),
        ("iclei.ORG", ["ingrid"]),
        ("mayor@", ["chen"]),
        ("高雄市", ["chen"]),
        ("kaohsiung city", ["lai"]),
        ("lai kaohsiung", ["lai"]),
        ("lai iclei", []),
        ("ＩＣＬＥＩ", ["ingrid"]),  # typed with a Chinese keyboard's full-width letters
        ("%", []),
        ("_", []),
        ("  ", ["lai", "ingrid", "chen"]),
    ],
)
def test_search_in_either_script_email_and_organization(organizer, event, people, query, expected):
    ids = shown(organizer, event, q=query)
    assert sorted(ids) == sorted(people[name].id for name in expected)


def test_the_search_stays_in_the_form_and_the_links(organizer, event, people):
    page = text(organizer.get(list_path(event, q="賴慶明")))
    assert 'value="賴慶明"' in page
    assert "1 of 3 guests match" in page
    row = row_of(page, people["lai"].id)
    assert "Lai Ching-Ming" in row and "賴慶明" in row and "lai@kcg.gov.tw" in row
    assert "Kaohsiung City Government" in row


# -- filters --------------------------------------------------------------------------------


@pytest.fixture
def in_every_state(event):
    """One guest per state, capacity 3 (two confirmed, one of them inside; one waitlisted)."""
    g = {
        name: make_guest(event, name_en=f"{name} guest")
        for name in (
            "not_sent",
            "pending",
            "confirmed",
            "inside",
            "left",
            "waitlisted",
            "declined",
            "revoked",
            "erased",
        )
    }
    now = utcnow()
    for name in ("pending", "confirmed", "inside", "left", "waitlisted", "declined"):
        db.session.get(Guest, g[name].id).sent_at = now
    db.session.commit()
    answer(g["confirmed"], channel=Channel.ZH)
    answer(g["inside"], channel=Channel.EN)
    answer(g["left"], channel=Channel.FLOOR)
    answer(g["waitlisted"], channel=Channel.ZH)
    answer(g["declined"], attending=False)
    for name, inside in (("inside", True), ("left", False)):
        db.session.add(
            CheckIn(
                event_id=event.id,
                guest_id=g[name].id,
                first_scan_at=now,
                first_gate="A",
                inside=inside,
                changed_at=now,
            )
        )
    db.session.commit()
    invitations.revoke(g["revoked"].id, audit.SYSTEM)
    guests.erase(g["erased"].id, audit.SYSTEM)
    db.session.commit()
    return g


@pytest.mark.parametrize(
    "state, expected",
    [
        ("not_sent", {"not_sent"}),
        ("pending", {"pending"}),
        ("confirmed", {"confirmed", "inside", "left"}),
        ("waitlisted", {"waitlisted"}),
        ("declined", {"declined"}),
        ("revoked", {"revoked", "erased"}),
        ("checked_in", {"inside", "left"}),
        ("inside", {"inside"}),
        ("erased", {"erased"}),
    ],
)
def test_filter_by_state(organizer, event, in_every_state, state, expected):
    ids = shown(organizer, event, state=state)
    assert sorted(ids) == sorted(in_every_state[name].id for name in expected)


def test_each_row_shows_its_state_and_waitlist_position(organizer, event, in_every_state):
    page = text(organizer.get(list_path(event)))
    g = in_every_state
    expected = {
        "not_sent": "Invitation not sent",
        "pending": "Sent, no answer yet",
        "confirmed": "Confirmed",
        "waitlisted": "Waitlisted #1",
        "declined": "Declined",
        "revoked": "Revoked",
    }
    for name, label in expected.items():
        assert label in row_of(page, g[name].id), name
    assert "Checked in" in row_of(page, g["inside"].id)
    assert "Checked in" not in row_of(page, g["confirmed"].id)
    erased = row_of(page, g["erased"].id)
    assert f"Erased guest #{g['erased'].id}" in erased and "Personal data erased" in erased
    assert "/edit" not in erased and "/answer" not in erased
    # The badge is offered for confirmed guests only.
    assert "badge.pdf" in row_of(page, g["confirmed"].id)
    assert "badge.pdf" not in row_of(page, g["waitlisted"].id)
    # Revoked guests can be reinstated, not answered for.
    revoked = row_of(page, g["revoked"].id)
    assert "/reinstate" in revoked and "/answer" not in revoked


def test_filter_by_category_and_channel(organizer, event):
    event.capacity = 10
    db.session.commit()
    speaker = make_guest(event, category=Category.SPEAKER)
    press = make_guest(event, category=Category.PRESS)
    vip = make_guest(event, category=Category.VIP)
    answer(speaker, channel=Channel.ZH)
    answer(press, channel=Channel.EN)
    answer(vip, channel=Channel.ZH)
    assert shown(organizer, event, category="speaker") == [speaker.id]
    assert sorted(shown(organizer, event, channel="zh")) == sorted([speaker.id, vip.id])
    assert shown(organizer, event, channel="zh", category="vip") == [vip.id]
    assert shown(organizer, event, channel="floor") == []


@pytest.mark.parametrize(
    "params, ignored",
    [
        ({"state": "bogus"}, "state=bogus"),
        ({"category": "king"}, "category=king"),
        ({"channel": "xx"}, "channel=xx"),
        ({"sort": "-password"}, "sort=-password"),
        ({"sort": "name'--"}, "sort=name'--"),
        ({"page": "abc"}, "page=abc"),
        ({"page": "0"}, "page=0"),
        ({"page": "-3"}, "page=-3"),
        ({"page": "99999999999999999999"}, "page=99999999999999999999"),
    ],
)
def test_values_not_understood_are_reported_and_ignored(organizer, event, people, params, ignored):
    response = organizer.get(list_path(event, **params))
    assert response.status_code == 200
    page = text(response)
    assert "was not understood and was left out" in page
    assert ignored in page
    assert sorted(shown(organizer, event, **params)) == sorted(p.id for p in people.values())


# -- order ----------------------------------------------------------------------------------


def test_sort_orders(organizer, event):
    event.capacity = 1
    db.session.commit()
    zhang = make_guest(event, name_en="", name_zh="張三", organization="", category=Category.STAFF)
    adams = make_guest(
        event, name_en="adams", name_zh="", organization="Zeta", category=Category.VIP
    )
    brown = make_guest(
        event, name_en="Brown", name_zh="", organization="alpha", category=Category.SPEAKER
    )
    answer(brown)  # confirmed, the one seat
    answer(adams, attending=False)  # declined, answered after brown
    answer(zhang)  # waitlisted, the latest answer

    assert shown(organizer, event) == [adams.id, brown.id, zhang.id]
    assert shown(organizer, event, sort="-name") == [zhang.id, brown.id, adams.id]
    # Guests without an organization last, in both directions.
    assert shown(organizer, event, sort="organization") == [brown.id, adams.id, zhang.id]
    assert shown(organizer, event, sort="-organization") == [adams.id, brown.id, zhang.id]
    assert shown(organizer, event, sort="category") == [brown.id, adams.id, zhang.id]
    assert shown(organizer, event, sort="state") == [brown.id, zhang.id, adams.id]
    assert shown(organizer, event, sort="-answered") == [zhang.id, adams.id, brown.id]
    assert shown(organizer, event, sort="answered") == [brown.id, adams.id, zhang.id]
    assert shown(organizer, event, sort="invited") == [zhang.id, adams.id, brown.id]
    assert shown(organizer, event, sort="-invited") == [brown.id, adams.id, zhang.id]


# -- pages ----------------------------------------------------------------------------------


def test_pages_of_fifty_with_links_and_counts(organizer, event):
    ids = make_guests_in_bulk(event, 120)
    first = shown(organizer, event, sort="invited")
    assert first == ids[:50]
    assert shown(organizer, event, sort="invited", page=2) == ids[50:100]
    assert shown(organizer, event, sort="invited", page=3) == ids[100:]

    page = text(organizer.get(list_path(event, sort="invited", page=3)))
    assert "120 guests" in page and "Showing 101–120." in page
    assert 'rel="prev"' in page and 'rel="next"' not in page
    links = re.findall(r'href="([^"]*/guests\?[^"]*)"', page)
    pages = {parse_qs(urlsplit(unescape(link)).query).get("page", ["1"])[0] for link in links}
    assert {"1", "2"} <= pages
    # The order chosen stays in the page links.
    assert all("sort=invited" in unescape(link) for link in links if "page=" in link)


def test_a_page_past_the_end_shows_the_last_page(organizer, event):
    ids = make_guests_in_bulk(event, 60)
    response = organizer.get(list_path(event, sort="invited", page=7))
    assert response.status_code == 200
    assert "There is no page 7; this is the last page, 2." in text(response)
    assert shown(organizer, event, sort="invited", page=7) == ids[50:]


def test_an_empty_list_and_an_empty_search(organizer, event):
    page = text(organizer.get(list_path(event)))
    assert "Nobody is on the guest list yet." in page
    make_guest(event)
    page = text(organizer.get(list_path(event, q="nobody-matches-this")))
    assert "0 of 1 guests match" in page and "No guest matches." in page


def test_many_matches_are_counted_up_to_a_limit_and_paged_on(organizer, event, monkeypatch):
    monkeypatch.setattr(guests.listing, "COUNT_LIMIT", 100)
    ids = make_guests_in_bulk(event, 260)
    make_guest(event, name_en="Someone Else")
    wanted = {"q": "bulk", "sort": "invited"}
    page = text(organizer.get(list_path(event, **wanted)))
    assert "More than 100 of 261 guests match" in page and "Showing 1–50." in page
    assert 'rel="next"' in page and '<span class="gap">…</span>' in page
    # Each page counts 100 past its first row, so the pager goes on as far as there are guests.
    page = text(organizer.get(list_path(event, **wanted, page=3)))
    assert "More than 200 of 261 guests match" in page and "Showing 101–150." in page
    assert shown(organizer, event, **wanted, page=3) == ids[100:150]
    page = text(organizer.get(list_path(event, **wanted, page=5)))
    assert "260 of 261 guests match" in page and "More than" not in page
    assert shown(organizer, event, **wanted, page=6) == ids[250:]
    assert "There is no page 9; this is the last page, 6." in text(
        organizer.get(list_path(event, **wanted, page=9))
    )
    everyone = [n for p in range(1, 7) for n in shown(organizer, event, q="bulk", page=p)]
    assert sorted(everyone) == ids
    # The whole list is counted exactly, from the index on the event.
    page = text(organizer.get(list_path(event, page=4)))
    assert "261 guests" in page and "More than" not in page
    chinese = text(organizer.get(list_path(event, **wanted, lang="zh_Hant")))
    assert "261位來賓中有超過100位符合" in chinese


def test_the_list_page_takes_as_many_sql_statements_for_200_guests_as_for_10(app, organizer):
    statements: list[str] = []

    def counter(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def ten_guests(event: Event) -> None:
        """3 confirmed (1 checked in), 2 waitlisted, 1 declined, 1 revoked, 3 not answered."""
        ten = [make_guest(event) for _ in range(10)]
        for guest in ten[:5]:
            answer(guest)
        answer(ten[5], attending=False)
        invitations.revoke(ten[6].id, audit.SYSTEM)
        db.session.get(Guest, ten[7].id).sent_at = utcnow()
        now = utcnow()
        db.session.add(
            CheckIn(event_id=event.id, guest_id=ten[0].id, first_scan_at=now, changed_at=now)
        )
        db.session.commit()

    def statements_for(n: int, **params) -> tuple[int, int]:
        event = make_event(capacity=3 if n == 10 else n // 3)
        if n == 10:
            ten_guests(event)
        else:
            make_guests_in_bulk(event, n)
        # Every state is on the page: waitlisted, checked in, declined, revoked.
        assert count(Seat, Seat.event_id == event.id, Seat.state == SeatState.WAITLISTED) > 0
        assert count(CheckIn, CheckIn.event_id == event.id) > 0
        sa.event.listen(db.engine, "before_cursor_execute", counter)
        try:
            statements.clear()
            response = organizer.get(list_path(event, sort="state", **params))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", counter)
        assert response.status_code == 200
        rows = response.get_data(as_text=True).count('<tr id="guest-')
        return len(statements), rows

    small, small_rows = statements_for(10)
    large, large_rows = statements_for(200)
    assert (small_rows, large_rows) == (10, 50)
    assert small == large
    # A search asks SQLite's trigram table first whether its words are common: one statement
    # more, as many for 200 guests as for 10.
    filters = {"q": "bulk", "category": "vip", "channel": "zh", "page": 2}
    assert statements_for(10, **filters)[0] == statements_for(200, **filters)[0]


# -- adding and editing ---------------------------------------------------------------------

NEW_GUEST = {
    "name_en": "Thulani Mkhonta",
    "name_zh": "姆孔塔",
    "email": "  Thulani.Mkhonta@Example.ORG ",
    "organization": "City of Tshwane",
    "title": "Director",
    "category": "speaker",
    "language": "en",
}


def test_add_a_guest(organizer, event):
    form = organizer.get(f"/console/events/{event.id}/guests/new")
    assert form.status_code == 200
    assert re.search(r'<option selected value="delegate">|value="delegate" selected', text(form))
    response = organizer.post(f"/console/events/{event.id}/guests/new", data=NEW_GUEST)
    assert response.status_code == 302
    page = text(organizer.get(response.headers["Location"]))
    assert "thulani.mkhonta@example.org is on the guest list." in page
    guest = db.session.scalar(sa.select(Guest).where(Guest.event_id == event.id))
    assert (guest.email, guest.name_zh, guest.category, guest.language) == (
        "thulani.mkhonta@example.org",
        "姆孔塔",
        Category.SPEAKER,
        Language.EN,
    )
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.guest_id == guest.id))
    assert (entry.action, entry.actor) == ("guest.added", organizer_actor())


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"name_en": "", "name_zh": " "}, "A guest needs a name in at least one script."),
        ({"email": "not-an-address"}, "Not a valid e-mail address"),
        ({"email": ""}, "Please enter the guest's e-mail."),
        ({"email": "someone@erased.invalid"}, "Not a valid e-mail address"),
        ({"name_en": "x" * 201}, "At most 200 characters, please."),
        ({"category": "king"}, "Please choose one of the categories listed."),
        ({"language": "fr"}, "Please choose one of the languages listed."),
    ],
)
def test_a_guest_with_errors_is_not_added(organizer, event, changes, message):
    before = count(Guest), count(AuditEntry)
    response = organizer.post(
        f"/console/events/{event.id}/guests/new", data={**NEW_GUEST, **changes}
    )
    assert response.status_code == 400
    assert message in text(response)
    assert (count(Guest), count(AuditEntry)) == before
    # The form keeps what was typed.
    assert 'value="City of Tshwane"' in response.get_data(as_text=True)


def test_an_e_mail_already_on_the_list_is_refused_and_a_double_submit_adds_one(organizer, event):
    first = organizer.post(f"/console/events/{event.id}/guests/new", data=NEW_GUEST)
    assert first.status_code == 302
    before = count(Guest), count(AuditEntry)
    again = organizer.post(f"/console/events/{event.id}/guests/new", data=NEW_GUEST)
    assert again.status_code == 400
    assert "thulani.mkhonta@example.org is already on the guest list. Nothing was saved." in text(
        again
    )
    assert (count(Guest), count(AuditEntry)) == before
    assert before[0] == 1
    # Another event may have the same guest.
    other = make_event()
    response = organizer.post(f"/console/events/{other.id}/guests/new", data=NEW_GUEST)
    assert response.status_code == 302
    assert count(Guest) == 2


def test_edit_a_guest_audits_the_fields_changed_without_their_values(organizer, event):
    guest = make_guest(event, name_en="Ingrid Coetze", email="ingrid@old.example.org")
    # A queued invitation follows the corrected address.
    campaigns.send_invitations(event, audit.SYSTEM, [guest.id])
    db.session.commit()
    path = f"/console/guests/{guest.id}/edit"
    page = text(organizer.get(path))
    assert 'value="Ingrid Coetze"' in page and 'value="ingrid@old.example.org"' in page

    data = {
        "name_en": "Ingrid Coetzee",
        "name_zh": guest.name_zh,
        "email": "Ingrid@ICLEI.org",
        "organization": guest.organization,
        "title": "",
        "category": "vip",
        "language": "zh_Hant",
    }
    response = organizer.post(path, data=data)
    assert response.status_code == 302
    assert "The guest's details are saved." in text(organizer.get(response.headers["Location"]))
    db.session.expire_all()
    guest = db.session.get(Guest, guest.id)
    assert (guest.name_en, guest.email, guest.category, guest.language) == (
        "Ingrid Coetzee",
        "ingrid@iclei.org",
        Category.VIP,
        Language.ZH_HANT,
    )
    (message,) = db.session.scalars(sa.select(OutboxMessage)).all()
    assert message.to_address == "ingrid@iclei.org"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "guest.updated"))
    assert entry.actor == organizer_actor() and entry.guest_id == guest.id
    assert sorted(entry.details["fields"]) == ["category", "email", "language", "name_en"]
    assert entry.details["category"] == ["delegate", "vip"]
    dumped = json.dumps(entry.details, ensure_ascii=False)
    assert "Coetze" not in dumped and "iclei" not in dumped and "old.example" not in dumped

    # The same form again changes nothing and writes nothing.
    before = count(AuditEntry)
    response = organizer.post(path, data=data)
    assert "Nothing was changed." in text(organizer.get(response.headers["Location"]))
    assert count(AuditEntry) == before


def test_edit_refuses_another_guests_e_mail_and_bad_values(organizer, event):
    guest = make_guest(event, email="one@example.org")
    make_guest(event, email="two@example.org")
    path = f"/console/guests/{guest.id}/edit"
    base = {"name_en": "One", "name_zh": "", "category": "delegate", "language": "en"}
    before = count(AuditEntry)
    response = organizer.post(path, data={**base, "email": "TWO@example.org"})
    assert response.status_code == 400
    assert "two@example.org is already on the guest list. Nothing was saved." in text(response)
    response = organizer.post(path, data={**base, "name_en": "", "email": "one@example.org"})
    assert response.status_code == 400
    assert "A guest needs a name in at least one script." in text(response)
    db.session.expire_all()
    assert db.session.get(Guest, guest.id).email == "one@example.org"
    assert db.session.get(Guest, guest.id).name_en != "One"
    assert count(AuditEntry) == before
    assert organizer.get("/console/guests/999999/edit").status_code == 404


def test_the_edit_page_goes_back_to_the_list_as_it_was(organizer, event):
    guest = make_guest(event)
    back = f"/console/events/{event.id}/guests?q=guest&sort=-name"
    page = text(organizer.get(f"/console/guests/{guest.id}/edit", query_string={"back": back}))
    assert f'href="{back}"' in page
    data = {
        "name_en": "Changed",
        "name_zh": "",
        "email": guest.email,
        "category": "delegate",
        "language": "en",
    }
    response = organizer.post(
        f"/console/guests/{guest.id}/edit", query_string={"back": back}, data=data
    )
    assert response.headers["Location"] == back
    # Anywhere else is not followed.
    for elsewhere in ("https://evil.example/", "//evil.example/x", f"/console/events/{event.id}"):
        response = organizer.post(
            f"/console/guests/{guest.id}/edit", query_string={"back": elsewhere}, data=data
        )
        assert response.headers["Location"] == f"/console/events/{event.id}/guests"


# -- answering for the guest ----------------------------------------------------------------


def answer_path(guest: Guest) -> str:
    return f"/console/guests/{guest.id}/answer"


def test_answer_for_guests_confirms_then_waitlists_and_queues_their_e_mails(organizer, event):
    event.capacity = 1
    db.session.commit()
    first = make_guest(event)
    second = make_guest(event)
    data = {"attending": "yes", "channel": "zh", "dietary": "Vegetarian", "note": "By phone"}

    response = organizer.post(answer_path(first), data=data)
    assert response.status_code == 302
    page = text(organizer.get(response.headers["Location"]))
    assert "Answer saved: the seat is confirmed." in page
    response = organizer.post(answer_path(second), data=data)
    assert "the guest is number 1 on the waitlist" in text(
        organizer.get(response.headers["Location"])
    )

    assert seat_state(first.id) == SeatState.CONFIRMED
    assert seat_state(second.id) == SeatState.WAITLISTED
    stored = db.session.scalar(sa.select(Rsvp).where(Rsvp.guest_id == first.id))
    assert (stored.channel, stored.dietary, stored.note) == (Channel.ZH, "Vegetarian", "By phone")
    messages = db.session.execute(
        sa.select(OutboxMessage.guest_id, OutboxMessage.kind).where(
            OutboxMessage.status == MessageStatus.QUEUED
        )
    ).all()
    assert sorted(messages) == sorted(
        [(first.id, MessageKind.CONFIRMATION), (second.id, MessageKind.WAITLISTED)]
    )
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.action == "rsvp.answered", AuditEntry.guest_id == first.id
        )
    )
    assert entry.actor == organizer_actor() and entry.details["on_behalf"] is True

    # "No" for the first gives the seat to the second, who is told.
    response = organizer.post(answer_path(first), data={"attending": "no"})
    assert "Answer saved: not attending." in text(organizer.get(response.headers["Location"]))
    assert seat_state(first.id) is None
    assert seat_state(second.id) == SeatState.CONFIRMED
    assert (
        count(
            OutboxMessage,
            OutboxMessage.guest_id == second.id,
            OutboxMessage.kind == MessageKind.PROMOTED,
        )
        == 1
    )


def test_the_answer_page_starts_from_the_guests_answer(organizer, event):
    guest = make_guest(event)
    answer(guest, channel=Channel.FLOOR, access_needs="Wheelchair")
    page = organizer.get(answer_path(guest)).get_data(as_text=True)
    assert re.search(r'value="yes"[^>]*checked|checked[^>]*value="yes"', page)
    assert re.search(r'value="floor"[^>]*checked|checked[^>]*value="floor"', page)
    assert 'value="Wheelchair"' in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Please answer yes or no."),
        ({"attending": "yes"}, "Please choose the channel you will listen on."),
        ({"attending": "yes", "channel": "fr"}, "Please choose one of the channels listed."),
        ({"attending": "no", "note": "x" * 1001}, "At most 1000 characters, please."),
    ],
)
def test_a_wrong_answer_saves_nothing(organizer, event, data, message):
    guest = make_guest(event)
    before = count(Rsvp), count(AuditEntry), count(OutboxMessage)
    response = organizer.post(answer_path(guest), data=data)
    assert response.status_code == 400
    assert message in text(response)
    assert (count(Rsvp), count(AuditEntry), count(OutboxMessage)) == before


def test_organizers_answer_after_the_deadline_and_the_page_says_so(organizer, client, app):
    event = make_event(capacity=5, deadline_in_days=-1)
    guest = make_guest(event)
    assert not rsvp.is_open(event)
    page = text(organizer.get(answer_path(guest)))
    assert "The reply deadline has passed: guests can no longer answer, but organizers" in page
    response = organizer.post(answer_path(guest), data={"attending": "yes", "channel": "en"})
    assert response.status_code == 302
    assert seat_state(guest.id) == SeatState.CONFIRMED
    assert count(OutboxMessage, OutboxMessage.guest_id == guest.id) == 1


def test_nobody_answers_for_a_revoked_guest(organizer, event):
    guest = make_guest(event)
    invitations.revoke(guest.id, audit.SYSTEM)
    db.session.commit()
    page = text(organizer.get(answer_path(guest)))
    assert "The invitation of this guest is revoked" in page
    assert 'name="attending"' not in page
    before = count(Rsvp), count(AuditEntry), count(Seat)
    response = organizer.post(answer_path(guest), data={"attending": "yes", "channel": "en"})
    assert response.status_code == 400
    assert "Reinstate the invitation first; nothing was saved." in text(response)
    assert (count(Rsvp), count(AuditEntry), count(Seat)) == before


# -- erasing personal data ------------------------------------------------------------------


def test_erasing_removes_the_personal_data_everywhere_and_frees_the_seat(
    organizer, client, app, event
):
    event.capacity = 1
    db.session.commit()
    guest = make_guest(
        event,
        name_en="Ingrid Coetzee",
        name_zh="英格麗",
        email="ingrid.coetzee@iclei.org",
        organization="ICLEI Africa",
        title="Director",
    )
    waiting = make_guest(event)
    link = invitation_path(guest)
    # The guest corrects the name on the invitation page (the audit log keeps both spellings)
    # and answers with needs; the invitation went out as a file.
    response = client.post(
        link,
        data={
            "attending": "yes",
            "channel": "en",
            "name_en": "Ingrid M. Coetzee",
            "dietary": "Halal",
            "access_needs": "Step-free access",
            "note": "Arriving from Cape Town",
        },
    )
    assert response.status_code == 302
    answer(waiting)
    assert seat_state(waiting.id) == SeatState.WAITLISTED
    campaigns.send_invitations(event, audit.SYSTEM, [guest.id])
    db.session.commit()
    assert delivery.deliver_due().sent >= 1
    outbox_folder = outbox.outbox_directory()
    guest_files = {
        p.name for p in outbox_folder.glob("*.eml") if b"ingrid.coetzee@iclei.org" in p.read_bytes()
    }
    assert guest_files
    # A scan at the door keeps the name shown.
    db.session.add(
        Scan(
            event_id=event.id,
            guest_id=guest.id,
            code="B1:X",
            verdict=Verdict.OK,
            direction=Direction.IN,
            scanned_at=utcnow(),
            actor="door",
            result={
                "verdict": "ok",
                "guest": {
                    "id": guest.id,
                    "name_en": "Ingrid M. Coetzee",
                    "name_zh": "英格麗",
                    "organization": "ICLEI Africa",
                },
            },
        )
    )
    db.session.commit()
    personal = [
        "Ingrid",
        "Coetzee",
        "英格麗",
        "iclei",
        "ICLEI Africa",
        "Director",
        "Halal",
        "Step-free",
        "Cape Town",
    ]

    page = text(organizer.get(f"/console/guests/{guest.id}/erase"))
    assert "It cannot be undone." in page
    assert "holds a confirmed seat. It is freed and goes to" in page
    response = confirm(organizer, f"/console/guests/{guest.id}/erase")
    assert response.status_code == 302
    page = text(organizer.get(response.headers["Location"]))
    assert "The guest's personal data is erased." in page
    assert "first on the waitlist, got the freed seat and is told by e-mail." in page

    db.session.expire_all()
    erased = db.session.get(Guest, guest.id)
    assert erased.name_en == f"Erased guest #{guest.id}"
    assert (erased.name_zh, erased.organization, erased.title) == ("", "", "")
    assert erased.email == f"erased-{guest.id}@erased.invalid"
    assert erased.is_revoked and erased.category == Category.DELEGATE
    assert erased.rsvp.channel == Channel.EN  # kept for the counts
    assert (erased.rsvp.dietary, erased.rsvp.access_needs, erased.rsvp.note) == ("", "", "")
    assert seat_state(guest.id) is None
    # The waitlisted guest has the seat and is told.
    assert seat_state(waiting.id) == SeatState.CONFIRMED
    assert (
        count(
            OutboxMessage,
            OutboxMessage.guest_id == waiting.id,
            OutboxMessage.kind == MessageKind.PROMOTED,
        )
        == 1
    )

    # Nothing personal is left in any table, the audit log included.
    stored = []
    for model in (Guest, Rsvp, OutboxMessage, AuditEntry, Scan):
        # Every column of the table as stored, those no attribute maps included.
        for values in db.session.execute(sa.select(model.__table__)).mappings():
            stored.append(json.dumps(dict(values), default=str, ensure_ascii=False).lower())
    for value in personal:
        assert not [s for s in stored if value.lower() in s], value
    assert not set(p.name for p in outbox_folder.glob("*.eml")) & guest_files
    erase_entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "guest.erased")
    )
    assert erase_entry.actor == organizer_actor() and erase_entry.guest_id == guest.id
    assert erase_entry.details["released"] == "confirmed"

    # The links and the badge are dead.
    assert client.get(link).status_code in (404, 410)
    assert organizer.get(f"/console/guests/{guest.id}/badge.pdf").status_code == 404


def test_an_erased_guest_cannot_be_edited_answered_for_or_erased_again(organizer, event):
    guest = make_guest(event)
    guests.erase(guest.id, audit.SYSTEM)
    db.session.commit()
    before = count(AuditEntry), count(Rsvp)
    for path in (f"/console/guests/{guest.id}/edit", answer_path(guest)):
        response = organizer.get(path)
        assert response.status_code == 409
        assert "personal data has been erased" in text(response)
    response = organizer.post(
        f"/console/guests/{guest.id}/edit",
        data={"name_en": "Back", "email": "back@example.org", "category": "vip", "language": "en"},
    )
    assert response.status_code == 409
    response = organizer.post(answer_path(guest), data={"attending": "yes", "channel": "en"})
    assert response.status_code == 409
    response = organizer.post(f"/console/guests/{guest.id}/erase")
    assert response.status_code == 409
    assert "already erased" in text(response)
    assert (count(AuditEntry), count(Rsvp)) == before
    db.session.expire_all()
    assert db.session.get(Guest, guest.id).name_en == f"Erased guest #{guest.id}"


@pytest.mark.parametrize("action", ["reinstate", "rotate"])
def test_an_erased_guest_gets_no_new_link(organizer, event, action):
    guest = make_guest(event)
    guests.erase(guest.id, audit.SYSTEM)
    db.session.commit()
    versions = db.session.get(Guest, guest.id).token_version, count(AuditEntry)
    response = organizer.post(f"/console/guests/{guest.id}/{action}", follow_redirects=True)
    assert "personal data has been erased" in text(response)
    db.session.expire_all()
    assert (db.session.get(Guest, guest.id).token_version, count(AuditEntry)) == versions


def test_an_action_from_the_list_comes_back_to_the_list_as_filtered(organizer, event):
    guest = make_guest(event)
    back = list_path(event, q="x", page=1)
    path = f"/console/guests/{guest.id}/revoke"
    page = organizer.get(path, query_string={"back": back}).get_data(as_text=True)
    assert f'href="{escape(back)}#guest-{guest.id}">Cancel</a>' in page
    # Anywhere else is not a place to come back to.
    for elsewhere in ("https://evil.example/console", "/console/events/999/guests", "//evil"):
        page = organizer.get(path, query_string={"back": elsewhere}).get_data(as_text=True)
        assert f'href="/console/events/{event.id}/guests#guest-{guest.id}">Cancel</a>' in page
    response = confirm(organizer, path, back=back)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{back}#guest-{guest.id}"


def test_erasing_many_keeps_each_placeholder_unique(event):
    ids = [make_guest(event).id for _ in range(3)]
    for guest_id in ids:
        guests.erase(guest_id, audit.SYSTEM)
    db.session.commit()
    emails = db.session.scalars(sa.select(Guest.email)).all()
    assert len(set(emails)) == 3 and all(e.endswith("@erased.invalid") for e in emails)


# -- who may enter ----------------------------------------------------------------------------


@pytest.fixture
def routes(event):
    guest = make_guest(event)
    return [
        ("get", f"/console/events/{event.id}/guests"),
        ("get", f"/console/events/{event.id}/guests/new"),
        ("post", f"/console/events/{event.id}/guests/new"),
        ("get", f"/console/guests/{guest.id}/edit"),
        ("post", f"/console/guests/{guest.id}/edit"),
        ("get", f"/console/guests/{guest.id}/answer"),
        ("post", f"/console/guests/{guest.id}/answer"),
        ("get", f"/console/guests/{guest.id}/erase"),
        ("post", f"/console/guests/{guest.id}/erase"),
    ]


def _everything() -> tuple:
    db.session.expire_all()
    return (
        count(Guest),
        count(AuditEntry),
        count(Rsvp),
        tuple(db.session.scalars(sa.select(Guest.email).order_by(Guest.id))),
    )


def test_anonymous_visitors_are_sent_to_login(client, event, routes):
    before = _everything()
    for method, path in routes:
        response = getattr(client, method)(path, data={**NEW_GUEST, "attending": "yes"})
        assert response.status_code == 302, path
        assert urlsplit(response.headers["Location"]).path == "/login", path
    assert _everything() == before


@pytest.mark.usefixtures("door_client")
def test_door_staff_get_403(client, event, routes):
    before = _everything()
    for method, path in routes:
        response = getattr(client, method)(path, data={**NEW_GUEST, "attending": "yes"})
        assert response.status_code == 403, path
    assert _everything() == before


@pytest.fixture
def csrf_organizer(app_config, app, event):
    make_staff()
    db.session.commit()
    csrf_app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = request_client(csrf_app)
    page = client.get("/login").get_data(as_text=True)
    token = CSRF_VALUE.search(page).group(1)
    response = client.post(
        "/login", data={"email": "organizer@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    yield client
    with csrf_app.app_context():
        db.engine.dispose()


def test_posts_without_the_csrf_token_are_refused(csrf_organizer, event, routes):
    before = _everything()
    for method, path in routes:
        if method != "post":
            continue
        for token in (None, "forged"):
            data = {**NEW_GUEST, "attending": "yes", "channel": "en"}
            if token:
                data["csrf_token"] = token
            response = csrf_organizer.post(path, data=data)
            assert response.status_code == 400, path
            assert "The form has expired" in text(response)
    assert _everything() == before
    # The control: the add form with its token goes through.
    page = csrf_organizer.get(f"/console/events/{event.id}/guests/new").get_data(as_text=True)
    token = CSRF_VALUE.search(page).group(1)
    response = csrf_organizer.post(
        f"/console/events/{event.id}/guests/new", data={**NEW_GUEST, "csrf_token": token}
    )
    assert response.status_code == 302
    assert count(Guest) == before[0] + 1


def test_the_overview_and_the_navigation_link_to_the_guest_list(organizer, event):
    page = organizer.get(f"/console/events/{event.id}").get_data(as_text=True)
    assert f'href="/console/events/{event.id}/guests"' in page


def test_the_dashboards_state_links_show_as_many_guests_as_it_counts(organizer, event):
    from registrar.services import dashboard

    event.capacity = 40
    db.session.commit()
    make_guests_in_bulk(event, 120)
    counts = dashboard.guest_counts(db.session.get(Event, event.id))
    for state in (
        "not_sent",
        "pending",
        "confirmed",
        "waitlisted",
        "declined",
        "revoked",
        "inside",
    ):
        page = text(organizer.get(list_path(event, state=state)))
        assert f"{getattr(counts, state)} of 120 guests match" in page, state


def test_answer_time_is_shown_in_the_events_zone(organizer, event):
    guest = make_guest(event)
    answer(guest)
    stored = db.session.scalar(sa.select(Rsvp.updated_at).where(Rsvp.guest_id == guest.id))
    local = stored.astimezone(ZoneInfo(event.timezone))
    row = row_of(text(organizer.get(list_path(event))), guest.id)
    assert local.strftime("%H:%M") in row
    assert timedelta(0) <= utcnow() - stored < timedelta(minutes=5)
