"""The files around the pages: the favicon every page links and browsers ask for, and the
Content-Type of the console's downloads written once."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image
from support.factories import make_event

ICON_SIZES = {(16, 16), (32, 32), (48, 48)}


def test_favicon_ico_is_served_at_the_root_as_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    icon = Image.open(BytesIO(response.data))
    assert icon.format == "ICO"
    assert set(icon.info["sizes"]) == ICON_SIZES


@pytest.mark.parametrize("path", ["/login", "/"])
def test_pages_link_the_icon_and_each_link_answers(client, path):
    page = client.get(path)
    assert page.status_code in (200, 404)
    body = page.get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico"' in body
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in body
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.data.startswith(b"<svg ") and b"<script" not in svg.data


def test_the_import_template_says_its_type_once(organizer_client):
    event = make_event()
    response = organizer_client.get(f"/console/events/{event.id}/import/template.csv")
    assert response.status_code == 200
    assert response.headers.getlist("Content-Type") == ["text/csv; charset=utf-8"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_download_of_the_console_names_its_charset_at_most_once(organizer_client, fmt):
    event = make_event()
    response = organizer_client.get(f"/console/events/{event.id}/exports/guests.{fmt}")
    assert response.status_code == 200
    (content_type,) = response.headers.getlist("Content-Type")
    assert content_type.count("charset=") <= 1
