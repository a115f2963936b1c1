"""The console's dashboard and audit log: the counts, the filters, and a fixed number of queries."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from support.app import text
from support.auth import DOOR_EMAIL, logged_in
from support.factories import make_event, make_guest, make_guests_in_bulk, make_staff

from registrar import tokens
from registrar.extensions import db
from registrar.models import (
    AuditEntry,
    Channel,
    DoorLink,
    Guest,
    Role,
    Rsvp,
    SeatState,
    utcnow,
)
from registrar.services import audit, checkin, dashboard, invitations, rsvp, staff

PASSWORD = "correct horse battery"


@pytest.fixture
def organizer(client):
    make_staff()
    return logged_in(client)


@contextlib.contextmanager
def counting_statements():
    """Every SQL statement sent to the database inside the block, as a growing list."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    db.session.commit()
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def shown_counts(page: str) -> dict[str, int]:
    """The dashboard's numbers by key: {data-count: number}, links or not."""
    pattern = r'data-count="([a-z_]+)"><dt[^>]*>[^<]*</dt><dd>(?:<a[^>]*>)?(\d+)'
    return {key: int(n) for key, n in re.findall(pattern, page)}


def answer(guest: Guest, attending: bool, channel: Channel | None = None, **needs) -> None:
    rsvp.answer(
        guest.id,
        guest.token_version,
        rsvp.RsvpAnswer(attending=attending, channel=channel, **needs),
        audit.GUEST,
    )
    db.session.commit()


def scan(guest: Guest, direction: str = "in") -> str:
    code = tokens.badge_code(guest.event_id, guest.id, guest.badge_version)
    result = checkin.scan(
        guest.event_id, checkin.ScanRequest(code=code, direction=direction), "staff:1"
    )
    db.session.commit()
    return result.verdict


def answered_at(guest: Guest, moment: datetime) -> None:
    guest.rsvp.answered_at = moment
    db.session.commit()


# -- every state, by hand ---------------------------------------------------------------------


@pytest.fixture
def event(app):
    return make_event(capacity=3)


@pytest.fixture
def everyone(event):
    """One guest in each state, their answers on known days (Asia/Taipei is UTC+8)."""
    g = {name: make_guest(event, name_en=name.title()) for name in (
        "revoked", "not_sent", "pending", "en_inside", "zh_left", "zh_home", "waiting",
        "declined",
    )}  # fmt: skip
    for guest in g.values():
        if guest is not g["not_sent"]:
            guest.sent_at = utcnow()
    db.session.commit()
    # Answered yes and held a seat, then the invitation was withdrawn: revoked, nothing else.
    answer(g["revoked"], True, Channel.EN, dietary="Kosher")
    invitations.revoke(g["revoked"].id, actor="staff:1")
    db.session.commit()
    answer(g["en_inside"], True, Channel.EN, dietary="Vegetarian")
    answer(g["zh_left"], True, Channel.ZH, access_needs="Wheelchair")
    answer(g["zh_home"], True, Channel.ZH)
    answer(g["waiting"], True, Channel.EN, dietary="Halal")
    answer(g["declined"], False, dietary="Vegan")
    assert g["waiting"].seat.state == SeatState.WAITLISTED

    assert scan(g["en_inside"]) == "ok"
    checkin.set_receiver(event.id, g["en_inside"].id, "EN-07", "staff:1")
    assert scan(g["zh_left"]) == "ok"
    checkin.set_receiver(event.id, g["zh_left"].id, "ZH-02", "staff:1")
    checkin.return_receiver(event.id, g["zh_left"].id, "staff:1")
    db.session.commit()
    assert scan(g["zh_left"], "out") == "ok"

    day = datetime(2025, 3, 1, tzinfo=UTC)
    answered_at(g["en_inside"], day + timedelta(hours=15, minutes=30))  # 1 March, 23:30
    answered_at(g["zh_left"], day + timedelta(hours=16, minutes=30))  # 2 March, 00:30
    answered_at(g["zh_home"], day + timedelta(days=1, hours=10))  # 2 March, 18:00
    answered_at(g["waiting"], day + timedelta(days=3, hours=1))  # 4 March
    answered_at(g["declined"], day + timedelta(days=3, hours=2))  # 4 March
    answered_at(g["revoked"], day + timedelta(days=3, hours=3))  # not counted: revoked
    return g


EXPECTED_GUESTS = dict(
    invited=7, not_sent=1, pending=1, confirmed=3, waitlisted=1, declined=1, revoked=1, inside=1
)


def test_guest_counts_cover_every_state(everyone, event):
    board = dashboard.summary(event)
    assert board.guests == dashboard.GuestCounts(**EXPECTED_GUESTS)
    assert (board.seats.capacity, board.seats.held) == (3, 0)
    assert (board.seats.confirmed, board.seats.free) == (3, 0)


def test_counts_agree_with_each_guests_state(everyone, event):
    """The dashboard's states are the guest pages' (rsvp.state_of), guest by guest."""
    states = {"confirmed": 0, "waitlisted": 0, "declined": 0, "unanswered": 0}
    for guest in everyone.values():
        if guest.is_revoked:
            continue
        state = rsvp.state_of(guest)
        if not state.answered:
            states["unanswered"] += 1
        elif not state.attending:
            states["declined"] += 1
        else:
            states[state.seat.value] += 1
    counts = dashboard.guest_counts(event)
    assert states == {
        "confirmed": counts.confirmed,
        "waitlisted": counts.waitlisted,
        "declined": counts.declined,
        "unanswered": counts.not_sent + counts.pending,
    }
    assert counts.inside == checkin.occupancy(event).inside


def test_receivers_per_channel(everyone, event):
    receivers = {r.channel: r for r in dashboard.receivers(event).channels}
    assert list(receivers) == [Channel.EN, Channel.ZH]
    # EN: one confirmed guest, receiver still out; the waitlisted one needs none yet.
    assert receivers[Channel.EN] == dashboard.ChannelReceivers(Channel.EN, 1, 1, 1)
    # ZH: two confirmed guests; one took a receiver and gave it back.
    assert receivers[Channel.ZH] == dashboard.ChannelReceivers(Channel.ZH, 2, 1, 0)


def test_the_receivers_rows_add_up_to_the_confirmed_guests(organizer):
    event = make_event(capacity=6)
    on = {
        name: make_guest(event, name_en=name) for name in ("en", "zh", "floor1", "floor2", "gone")
    }
    answer(on["en"], True, Channel.EN)
    answer(on["zh"], True, Channel.ZH)
    answer(on["floor1"], True, Channel.FLOOR)
    answer(on["floor2"], True, Channel.FLOOR)
    answer(on["gone"], True, Channel.ZH)
    answer(make_guest(event), True, Channel.FLOOR)
    answer(make_guest(event), True, Channel.FLOOR)  # waitlisted: the room holds 6
    # The event stops offering Chinese: the guest who chose it is still confirmed.
    event.channels = "en"
    db.session.commit()

    board = dashboard.summary(event)
    receivers = board.receivers
    assert [(r.channel, r.needed) for r in receivers.channels] == [(Channel.EN, 1)]
    assert (receivers.floor, receivers.other) == (3, 2)
    assert receivers.confirmed == board.seats.confirmed == board.guests.confirmed == 6

    page = text(organizer.get(f"/console/events/{event.id}/dashboard"))
    rows = {
        key: int(re.search(r'class="num">(?:<a[^>]*>)?(\d+)', row).group(1))
        for key, row in re.findall(r'<tr data-channel="([a-z]+)">(.*?)</tr>', page, re.S)
    }
    assert rows == {"en": 1, "floor": 3, "other": 2, "total": 6}
    assert rows["en"] + rows["floor"] + rows["other"] == rows["total"]
    assert shown_counts(page)["confirmed"] == rows["total"]


def test_the_guest_list_splits_into_sent_and_not_sent_and_the_sent_into_answers(
    organizer, everyone, event
):
    counts = dashboard.guest_counts(event)
    assert counts.sent + counts.not_sent == counts.invited
    assert counts.pending + counts.confirmed + counts.waitlisted + counts.declined == counts.sent
    page = text(organizer.get(f"/console/events/{event.id}/dashboard"))
    shown = shown_counts(page)
    assert (shown["invited"], shown["sent"], shown["not_sent"]) == (7, 6, 1)
    assert "On the guest list" in page and "Of the 6 sent:" in page
    # The sent count opens the list of exactly those guests.
    href = re.search(r'data-count="sent"><dt[^>]*>[^<]*</dt><dd><a href="([^"]+)"', page).group(1)
    listed = text(organizer.get(unescape(href)))
    assert "6 of 8 guests match" in listed
    for left_out in ("not_sent", "revoked"):
        assert f'id="guest-{everyone[left_out].id}"' not in listed
    assert f'id="guest-{everyone["declined"].id}"' in listed


def test_needs_of_confirmed_guests_only(everyone, event):
    needs = dashboard.needs(event)
    assert (needs.dietary, needs.access, needs.total) == (1, 1, 2)
    listed = [(row.name_en, row.dietary, row.access_needs) for row in needs.listed]
    assert listed == [("En_Inside", "Vegetarian", ""), ("Zh_Left", "", "Wheelchair")]


def test_needs_list_is_cut_but_counts_are_not(everyone, event):
    needs = dashboard.needs(event, limit=1)
    assert len(needs.listed) == 1
    assert needs.total == 2


def test_answers_per_day_in_the_events_time_zone(everyone, event):
    days = [(d.day.isoformat(), d.answers, d.attending) for d in dashboard.answers_by_day(event)]
    assert days == [
        ("2025-03-01", 1, 1),
        ("2025-03-02", 2, 2),
        ("2025-03-03", 0, 0),
        ("2025-03-04", 2, 1),
    ]


def test_the_page_shows_every_count(organizer, everyone, event):
    response = organizer.get(f"/console/events/{event.id}/dashboard")
    assert response.status_code == 200
    page = text(response)
    counts = shown_counts(page)
    assert {k: counts[k] for k in EXPECTED_GUESTS} == EXPECTED_GUESTS
    assert (counts["capacity"], counts["held"], counts["free"]) == (3, 0, 0)
    assert (counts["dietary"], counts["access"]) == (1, 1)
    assert "Vegetarian" in page and "Wheelchair" in page
    assert "Halal" not in page and "Kosher" not in page
    en = re.search(r'data-channel="en">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r">(\d+)<", en) == ["1", "1", "1"]
    march_4 = re.search(r'data-day="2025-03-04">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'class="num">(\d+)<', march_4) == ["2", "1", "1"]
    assert "<script" not in page and "style=" not in page


def test_console_home_opens_the_dashboard(organizer, event):
    response = organizer.get("/console/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/console/events/{event.id}/dashboard"


def test_dashboard_of_an_unknown_event_is_404(organizer, event):
    assert organizer.get("/console/events/999999/dashboard").status_code == 404


@pytest.mark.parametrize("path", ["dashboard", "audit"])
def test_both_languages_render(organizer, everyone, event, path):
    response = organizer.get(f"/console/events/{event.id}/{path}?lang=zh_Hant")
    assert response.status_code == 200
    assert 'lang="zh-Hant-TW"' in response.get_data(as_text=True)
    assert organizer.get(f"/console/events/{event.id}/{path}?lang=en").status_code == 200


def test_door_staff_cannot_open_the_dashboard_or_the_log(client, event):
    make_staff("door@example.org", role=Role.DOOR)
    logged_in(client, DOOR_EMAIL)
    assert client.get(f"/console/events/{event.id}/dashboard").status_code == 403
    assert client.get(f"/console/events/{event.id}/audit").status_code == 403


# -- counts link to the guest list ------------------------------------------------------------


@pytest.fixture
def app_with_guest_list(app):
    """The app with a console.guests endpoint: the real one, or a stand-in until it exists."""
    if "console.guests" not in app.view_functions:
        app.add_url_rule(
            "/console/events/<int:event_id>/guests", "console.guests", lambda event_id: ""
        )
    return app


def test_counts_link_to_the_guest_list_filtered(app_with_guest_list, organizer, everyone, event):
    page = text(organizer.get(f"/console/events/{event.id}/dashboard"))
    links = {}
    linked = r'data-count="([a-z_]+)"><dt[^>]*>[^<]*</dt><dd><a href="([^"]+)"'
    for key, href in re.findall(linked, page):
        assert urlsplit(href).path == f"/console/events/{event.id}/guests"
        links[key] = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
    assert links["confirmed"] == {"state": "confirmed"}
    assert links["not_sent"] == {"state": "not_sent"}
    assert links["pending"] == {"state": "pending"}
    assert links["revoked"] == {"state": "revoked"}
    assert links["inside"] == {"state": "inside"}
    assert "capacity" not in links
    receivers = re.search(r'data-channel="zh">(.*?)</tr>', page, re.S).group(1)
    href = unescape(re.search(r'href="([^"]+)"', receivers).group(1))
    assert parse_qs(urlsplit(href).query) == {"state": ["confirmed"], "channel": ["zh"]}


def test_counts_are_plain_numbers_without_a_guest_list(app, organizer, everyone, event):
    # As before the guest list existed: the dashboard must not link to what is not there.
    app.view_functions.pop("console.guests", None)
    page = text(organizer.get(f"/console/events/{event.id}/dashboard"))
    assert shown_counts(page)["confirmed"] == 3
    assert "/guests" not in page


# -- a fixed number of queries ----------------------------------------------------------------


def dashboard_statements(client, event_id: int) -> int:
    with counting_statements() as statements:
        response = client.get(f"/console/events/{event_id}/dashboard")
    assert response.status_code == 200
    return len(statements)


def test_the_dashboard_asks_the_database_the_same_number_of_times_for_10_or_250(
    app_with_guest_list, organizer
):
    event = make_event(capacity=100)
    make_guests_in_bulk(event, 10)
    few = dashboard_statements(organizer, event.id)
    make_guests_in_bulk(event, 240)
    many = dashboard_statements(organizer, event.id)
    assert few == many
    counts = shown_counts(text(organizer.get(f"/console/events/{event.id}/dashboard")))
    # 250 guests: 1 in 20 revoked, 10 in 20 attending; 100 seats, the rest waitlisted.
    assert counts["invited"] == 250 - 13
    assert (counts["confirmed"], counts["waitlisted"]) == (100, 20)
    assert counts["revoked"] == 13


# -- the audit log ----------------------------------------------------------------------------


def audit_page(client, event_id: int, query: str = "") -> str:
    response = client.get(f"/console/events/{event_id}/audit{query}")
    assert response.status_code == 200, query
    return text(response)


def entry_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-entry="(\d+)"', page)]


@pytest.fixture
def logged(event):
    """120 entries about two guests, a minute apart, the newest last."""
    first, second = make_guest(event, name_en="First Guest"), make_guest(event, name_en="Other")
    db.session.execute(sa.delete(AuditEntry))
    start = datetime(2025, 3, 1, 15, 0, tzinfo=UTC)
    for n in range(120):
        entry = audit.record(
            "seat.confirmed" if n % 3 == 0 else "rsvp.answered",
            actor="guest",
            event_id=event.id,
            guest_id=(first if n % 2 == 0 else second).id,
            attending=True,
        )
        entry.created_at = start + timedelta(minutes=n)
    db.session.commit()
    ids = db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id)).all()
    return {"first": first, "second": second, "ids": ids}


def test_audit_log_is_newest_first_and_paginated(organizer, event, logged):
    ids = logged["ids"]
    page_1 = audit_page(organizer, event.id)
    assert entry_ids(page_1) == ids[::-1][:50]
    assert "120 entries" in page_1
    assert "Page 1 of 3" in page_1
    assert entry_ids(audit_page(organizer, event.id, "?page=3")) == ids[::-1][100:]
    # Past the end: the last page.
    assert entry_ids(audit_page(organizer, event.id, "?page=7")) == ids[::-1][100:]


def test_audit_log_times_are_in_the_events_zone(organizer, event, logged):
    page = audit_page(organizer, event.id, "?page=3")
    # The oldest entry: 15:00 UTC on 1 March is 23:00 in Taipei.
    assert "2025-03-01 23:00:00" in page
    assert "2025-03-01 15:00:00" not in page


def test_audit_log_filters_by_guest_and_by_action(organizer, event, logged):
    first = logged["first"]
    page = audit_page(organizer, event.id, f"?guest={first.id}")
    rows = db.session.scalars(
        sa.select(AuditEntry.id)
        .where(AuditEntry.guest_id == first.id)
        .order_by(AuditEntry.created_at.desc())
    ).all()
    assert entry_ids(page) == rows[:50]
    assert "Entries about First Guest." in page
    assert f'data-guest="{logged["second"].id}"' not in page

    page = audit_page(organizer, event.id, f"?guest={first.id}&action=seat.confirmed")
    both = db.session.scalars(
        sa.select(AuditEntry.id)
        .where(AuditEntry.guest_id == first.id, AuditEntry.action == "seat.confirmed")
        .order_by(AuditEntry.created_at.desc())
    ).all()
    assert entry_ids(page) == both and len(both) == 20
    assert "Seat confirmed" in page


def test_audit_log_links_each_guest_to_their_entries(organizer, event, logged):
    page = audit_page(organizer, event.id)
    second = logged["second"]
    assert f'href="/console/events/{event.id}/audit?guest={second.id}" data-guest' in page


@pytest.mark.parametrize(
    "query, message",
    [
        ("?page=abc", "That page number is not valid"),
        ("?page=-2", "That page number is not valid"),
        ("?page=99999999999999999999999", "That page number is not valid"),
        ("?guest=abc", "That guest is not valid"),
        ("?guest=0", "That guest is not on this event"),
        ("?guest=99999999", "That guest is not on this event"),
        ("?action=%3Cscript%3E", "That action is not known"),
        ("?action=" + "x" * 500, "That action is not known"),
    ],
)
def test_audit_log_garbage_parameters_get_a_message(organizer, event, logged, query, message):
    page = audit_page(organizer, event.id, query)
    assert message in page
    assert entry_ids(page) == logged["ids"][::-1][:50]
    assert "<script>" not in page


def test_audit_log_refuses_another_events_guest(organizer, event, logged):
    other = make_guest(make_event(), name_en="Elsewhere")
    page = audit_page(organizer, event.id, f"?guest={other.id}")
    assert "That guest is not on this event" in page


def test_audit_log_names_who_did_it(organizer, event):
    user = db.session.scalar(sa.select(staff.StaffUser))
    user.name = "Chen Mei-Ling"
    link = DoorLink(event_id=event.id, label="North door", created_by="x", expires_at=utcnow())
    db.session.add(link)
    db.session.flush()
    guest = make_guest(event)
    audit.record("invitation.rotated", actor=audit.staff_actor(user), event_id=event.id)
    audit.record("receiver.handed_out", actor=f"door-link:{link.id}", event_id=event.id)
    audit.record("some.future_action", actor="system", event_id=event.id, guest_id=guest.id)
    db.session.commit()
    page = audit_page(organizer, event.id)
    assert "Chen Mei-Ling" in page
    assert "Door link “North door”" in page
    assert "New invitation link issued" in page
    # An action without a label yet is shown by its code, and can be filtered on.
    assert "some.future_action" in page
    page = audit_page(organizer, event.id, "?action=some.future_action")
    assert "That action is not known" not in page
    assert len(entry_ids(page)) == 1


def test_audit_log_shows_details_readably(organizer, event):
    audit.record(
        "event.capacity_changed",
        actor="system",
        event_id=event.id,
        capacity=[10, 12],
        held_seats=[0, 2],
    )
    audit.record(
        "rsvp.answered",
        actor="guest",
        event_id=event.id,
        attending=False,
        channel=None,
        changed=["attending", "channel"],
    )
    db.session.commit()
    page = audit_page(organizer, event.id)
    assert "Capacity: 10 → 12" in page
    assert "Held back: 0 → 2" in page
    assert "Attending: No" in page
    assert "Changed: Attending, Channel" in page


def test_audit_log_asks_the_database_the_same_number_of_times_per_page(organizer, event, logged):
    def statements(query: str) -> int:
        with counting_statements() as sent:
            audit_page(organizer, event.id, query)
        return len(sent)

    assert statements("?page=1") == statements("?page=2") == statements("?page=3")
    guest = logged["first"].id
    assert statements(f"?guest={guest}&page=1") == statements(f"?guest={guest}&page=2")


def test_every_action_code_in_the_code_has_a_label():
    """A new audit.record(...) call without a label shows its bare code on the log page."""
    root = Path(__file__).resolve().parent.parent / "registrar"
    codes = set()
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for call in re.finditer(r"audit\.record\((.*?)actor=", source, re.S):
            for code in re.findall(r'"([a-z_]+\.[a-z_{}.]+)"', call.group(1)):
                if "{" in code:
                    codes.update(code.split("{")[0] + state.value for state in SeatState)
                else:
                    codes.add(code)
    assert codes, "no audit.record calls found"
    assert sorted(codes - set(audit.ACTION_LABELS)) == []


def test_bulk_guests_have_the_promised_spread(event):
    event.capacity = 1000
    db.session.commit()
    make_guests_in_bulk(event, 40)
    answered = db.session.scalar(
        sa.select(sa.func.count()).select_from(Rsvp).join(Guest).where(Guest.event_id == event.id)
    )
    assert answered == 2 * 13
