"""The console's exports through the organizer API: the same files, types and names."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from support.auth import api_bearer as bearer
from support.auth import logged_in
from support.factories import answer, make_event, make_guest, make_staff

from registrar.models import ApiRole, Role

FILES = [(kind, fmt) for kind in ("guests", "checkins", "waitlist") for fmt in ("csv", "xlsx")]


@pytest.fixture
def event(app):
    event = make_event(capacity=1, slug="citycop-2026")
    for n in range(3):
        answer(make_guest(event, name_en=f"Guest {n}", name_zh=f"來賓{n}號"))
    return event


def rows(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize(("kind", "fmt"), FILES)
def test_the_same_file_as_the_consoles(client, event, kind, fmt):
    account = make_staff("org@example.org", Role.ORGANIZER, events=[event])
    token = bearer(account, event, ApiRole.READ, "reader")
    through_api = client.get(f"/api/v1/events/{event.id}/exports/{kind}.{fmt}", headers=token)
    assert through_api.status_code == 200
    logged_in(client, "org@example.org")
    console = client.get(f"/console/events/{event.id}/exports/{kind}.{fmt}")
    assert through_api.headers["Content-Type"] == console.headers["Content-Type"]
    assert through_api.headers["Content-Disposition"] == console.headers["Content-Disposition"]
    assert through_api.headers["Content-Disposition"].startswith(
        f'attachment; filename="citycop-2026-{kind}-'
    )
    if fmt == "csv":
        assert through_api.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert through_api.data == console.data and through_api.data.startswith(b"\xef\xbb\xbf")
    else:
        assert rows(through_api.data) == rows(console.data)


def test_for_the_events_organizers_only(client, event):
    door = make_staff("door@example.org", Role.DOOR, events=[event])
    token = bearer(door, event, ApiRole.DOOR, "gate")
    refused = client.get(f"/api/v1/events/{event.id}/exports/guests.csv", headers=token)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    unknown = client.get(
        f"/api/v1/events/{event.id}/exports/guests.pdf",
        headers=bearer(
            make_staff("o@example.org", Role.ORGANIZER, events=[event]), event, ApiRole.READ, "r"
        ),
    )
    assert unknown.status_code == 404
