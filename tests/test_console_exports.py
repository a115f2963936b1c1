"""The console's exports page and its downloads: CSV with a BOM and Excel workbooks."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from html import unescape
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from support.factories import make_event, make_guest

from registrar import tokens
from registrar.extensions import db
from registrar.models import Channel, Event, Guest
from registrar.services import audit, checkin, rsvp

KINDS = ["guests", "checkins", "waitlist"]


def answer(guest: Guest, attending: bool = True) -> None:
    choice = rsvp.RsvpAnswer(attending=attending, channel=Channel.ZH if attending else None)
    rsvp.answer(guest.id, guest.token_version, choice, audit.GUEST)
    db.session.commit()


def seed(event: Event, guests: int) -> None:
    """Guests with Chinese names; the first two seated, a third waiting, one at the door."""
    people = [
        make_guest(event, name_en=f"Guest {n}", name_zh=f"來賓{n}號", organization="高雄市政府")
        for n in range(guests)
    ]
    for guest in people[:3]:
        answer(guest)
    if len(people) > 3:
        answer(people[3], attending=False)
    code = tokens.badge_code(event.id, people[0].id, people[0].badge_version)
    checkin.scan(event.id, checkin.ScanRequest(code=code, gate="正門"), actor="staff:1")
    checkin.scan(event.id, checkin.ScanRequest(code="GARBAGE"), actor="staff:1")
    db.session.commit()


@pytest.fixture
def forum(app):
    event = make_event(capacity=2, slug="citycop-2025")
    seed(event, 6)
    return event


@pytest.fixture
def organizer(forum, organizer_client):
    return organizer_client


def download(client, event, kind, fmt):
    response = client.get(f"/console/events/{event.id}/exports/{kind}.{fmt}")
    assert response.status_code == 200, (kind, fmt)
    assert response.headers["Cache-Control"] == "no-store"
    today = datetime.now(ZoneInfo(event.timezone)).strftime("%Y-%m-%d")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{event.slug}-{kind}-{today}.{fmt}"'
    )
    return response


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_page_offers_every_kind_in_both_formats(client, forum, organizer):
    response = client.get(f"/console/events/{forum.id}/exports")
    assert response.status_code == 200
    page = unescape(response.get_data(as_text=True))
    for kind in KINDS:
        for fmt in ("csv", "xlsx"):
            assert f'href="/console/events/{forum.id}/exports/{kind}.{fmt}"' in page
    headings = re.findall(r'<h2>([^<]+) <span class="muted">\((\d+)\)</span></h2>', page)
    assert headings == [
        ("Guest list with answers", "6"),
        ("Check-in log", "2"),
        ("Waitlist", "1"),
        ("Paper door list", "6"),
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_csv_downloads_have_a_bom_and_chinese_intact(client, forum, organizer, kind):
    response = download(client, forum, kind, "csv")
    assert response.content_type == "text/csv; charset=utf-8"
    rows = read_csv(response.data)
    body = rows[1:]
    if kind == "guests":
        assert rows[0][:4] == ["ID", "Name in English", "Name in Chinese", "E-mail"]
        assert [row[2] for row in body] == [f"來賓{n}號" for n in range(6)]
        assert body[0][rows[0].index("Gate")] == "正門"
    elif kind == "checkins":
        assert len(body) == 2
        assert "來賓0號" in body[0] and "正門" in body[0]
        assert "Not a valid badge" in body[1]
    else:
        assert rows[0][0] == "Waitlist position"
        assert [(row[0], row[2]) for row in body] == [("1", "來賓2號")]


@pytest.mark.parametrize("kind", KINDS)
def test_xlsx_downloads_open_in_openpyxl(client, forum, organizer, kind):
    response = download(client, forum, kind, "xlsx")
    assert response.content_type == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    rows = read_xlsx(response.data)
    # The workbook holds the same table as the CSV.
    as_csv = read_csv(download(client, forum, kind, "csv").data)
    assert rows[0] == as_csv[0]
    assert len(rows) == len(as_csv)
    names = [value for row in rows[1:] for value in row if isinstance(value, str)]
    assert "來賓0號" in names or "來賓2號" in names


def test_unknown_kinds_formats_and_events_are_404(client, forum, organizer):
    for path in [
        f"/console/events/{forum.id}/exports/badges.csv",
        f"/console/events/{forum.id}/exports/guests.pdf",
        f"/console/events/{forum.id}/exports/guests",
        "/console/events/9999/exports/guests.csv",
        "/console/events/9999/exports",
    ]:
        assert client.get(path).status_code == 404, path


def test_export_queries_do_not_grow_with_the_guest_list(app, client, organizer):
    small, large = make_event(capacity=2), make_event(capacity=2)
    seed(small, 5)
    seed(large, 60)
    statements = []

    def count(*args):
        statements.append(1)

    def queries(event, kind, fmt) -> int:
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            client.get(f"/console/events/{event.id}/exports/{kind}.{fmt}")
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    for kind in KINDS:
        for fmt in ("csv", "xlsx"):
            assert queries(small, kind, fmt) == queries(large, kind, fmt), (kind, fmt)
    assert queries(large, "guests", "xlsx") < 15


def my_routes(event: Event) -> list[str]:
    return [f"/console/events/{event.id}/exports"] + [
        f"/console/events/{event.id}/exports/{kind}.{fmt}"
        for kind in KINDS
        for fmt in ("csv", "xlsx")
    ]


def test_anonymous_visitors_go_to_login(client, forum):
    for path in my_routes(forum):
        response = client.get(path)
        assert response.status_code == 302, path
        assert urlsplit(response.headers["Location"]).path == "/login", path


@pytest.mark.usefixtures("door_client")
def test_door_staff_get_403(client, forum):
    for path in my_routes(forum):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "來賓" not in response.get_data(as_text=True)
