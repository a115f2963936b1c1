"""The console's held seats: per category and by name, with how many are taken."""

from __future__ import annotations

import re

import sqlalchemy as sa
from support.app import text
from support.auth import logged_in
from support.factories import answer, make_event, make_guest, make_staff

from registrar.extensions import db
from registrar.models import AuditEntry, Category, SeatHold

CATEGORIES = {f"hold_{c.value}": 0 for c in Category}


def follow(client, response) -> str:
    assert response.status_code == 302
    return text(client.get(response.headers["Location"]))


def hold_row(page: str, key: str) -> list[int]:
    """Held, taken and free of a category's row."""
    row = re.search(rf'<tr id="hold-{key}">(.*?)</tr>', page, re.DOTALL)
    assert row, page[:2000]
    return [int(n) for n in re.findall(r"<td [^>]*>(\d+)</td>", row.group(1))]


def holds_written(event) -> tuple:
    db.session.expire_all()
    holds = db.session.execute(
        sa.select(SeatHold.guest_id, SeatHold.category, SeatHold.count)
        .where(SeatHold.event_id == event.id)
        .order_by(SeatHold.id)
    ).all()
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    return [tuple(h) for h in holds], entries


def test_the_organizer_holds_seats_for_vips_and_a_guest_and_sees_them_taken(client, app):
    event = make_event(capacity=4)
    make_staff()
    logged_in(client)
    mayor = make_guest(event, name_en="Chen Chi-Mai", name_zh="陳其邁", category=Category.VIP)
    aide = make_guest(event, name_en="Aide To The Mayor")
    path = f"/console/events/{event.id}/holds"
    assert f'href="{path}"' in text(client.get(f"/console/events/{event.id}/guests"))

    page = follow(client, client.post(f"{path}/categories", data={**CATEGORIES, "hold_vip": 2}))
    assert "Held seats saved." in page
    assert hold_row(page, "vip") == [2, 0, 2]
    page = follow(client, client.post(f"{path}/guests", data={"guest": aide.id}))
    assert f'id="held-guest-{aide.id}"' in page
    answer(mayor)
    answer(aide)

    page = text(client.get(path))
    assert hold_row(page, "vip") == [2, 1, 1]
    assert "Free, waiting for the guest" not in page
    dashboard = text(client.get(f"/console/events/{event.id}/dashboard"))
    assert "Held seats taken: 2 of 3" in dashboard
    # A guest sitting in the seat held for them keeps it.
    page = follow(client, client.post(f"/console/guests/{aide.id}/hold/release"))
    assert "has taken the seat held for them" in page
    assert len(holds_written(event)[0]) == 2


def test_bad_and_forged_posts_are_refused_with_a_message_and_write_nothing(client, app):
    event = make_event(capacity=3)
    make_staff()
    logged_in(client)
    vip = make_guest(event, category=Category.VIP)
    path = f"/console/events/{event.id}/holds"
    follow(client, client.post(f"{path}/categories", data={**CATEGORIES, "hold_vip": 1}))
    answer(vip)
    other_event = make_event()
    stranger = make_guest(other_event)
    before = holds_written(event)

    refusals = [
        ({**CATEGORIES, "hold_vip": 0}, "categories", "1 seats held for the category VIP"),
        (
            {**CATEGORIES, "hold_vip": 1, "hold_speaker": 3},
            "categories",
            "cannot exceed the capacity (3)",
        ),
        ({**CATEGORIES, "hold_press": "-1"}, "categories", "Enter a number from 0 to 100000."),
        ({**CATEGORIES, "hold_press": "x"}, "categories", "Not a valid integer value."),
        ({"hold_vip": "1"}, "categories", "Please enter the seats held (0 for none)."),
        ({"guest": stranger.id}, "guests", "A guest chosen is not on this event's list"),
        ({"guest": "99999999999"}, "guests", "Not a valid integer value."),
        ({}, "guests", "Please choose a guest from the list."),
    ]
    for data, where, words in refusals:
        page = follow(client, client.post(f"{path}/{where}", data=data))
        assert words in page, (data, words)
        assert holds_written(event) == before
    # A release of a hold that is not there (a double submit, a forged post).
    page = follow(client, client.post(f"/console/guests/{vip.id}/hold/release"))
    assert "No seat is held for this guest any more, so nothing was changed." in page
    assert holds_written(event) == before
