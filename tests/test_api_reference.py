"""The console's API reference: a page for organizers, linked from the API tokens page, in both
languages, that loads its OpenAPI viewer (Swagger UI, vendored under static/) from this site
only. tests/test_api_reference_browser.py renders it in Chromium."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from support.auth import DOOR_EMAIL, logged_in
from support.factories import make_event, make_staff

from registrar.models import Role
from registrar.web.headers import CONTENT_SECURITY_POLICY

PAGE = "/console/api-reference"
STATIC = Path(__file__).parents[1] / "registrar" / "static"
VENDOR = STATIC / "vendor" / "swagger-ui"


class _Resources(HTMLParser):
    """Every address a page makes the browser load by itself: scripts, styles, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "script":
            if found.get("src"):
                self.loaded.append(found["src"])
            elif found.get("type") != "application/json":
                self.inline_scripts += 1
        elif tag == "link" and found.get("href"):
            self.loaded.append(found["href"])
        elif tag in ("img", "iframe", "source", "audio", "video", "embed") and found.get("src"):
            self.loaded.append(found["src"])


@pytest.fixture
def organizer(client):
    make_staff("org@example.org", Role.ORGANIZER, events=[make_event()])
    return logged_in(client, "org@example.org")


def test_the_tokens_page_links_the_reference_and_it_shows_in_both_languages(organizer):
    tokens = organizer.get("/console/api-tokens").get_data(as_text=True)
    assert f'href="{PAGE}"' in tokens
    english = organizer.get(PAGE)
    assert english.status_code == 200
    text = unescape(english.get_data(as_text=True))
    assert "<h1>API reference</h1>" in text
    assert 'data-document="/api/v1/openapi.json"' in text
    assert "a field an operation does not take is refused" in text
    version = VENDOR.joinpath("VERSION").read_text().split()[-1]
    assert f"drawn by Swagger UI {version}, served from this site" in text
    chinese = unescape(organizer.get(PAGE + "?lang=zh_Hant").get_data(as_text=True))
    assert "<h1>API 參考文件</h1>" in chinese
    assert f"本站提供的 Swagger UI {version}" in chinese
    assert "OpenAPI 文件（JSON）" in chinese


def test_the_page_is_for_signed_in_organizers(client):
    anonymous = client.get(PAGE)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    make_staff(DOOR_EMAIL, Role.DOOR, events=[make_event()])
    door = logged_in(client, DOOR_EMAIL)
    assert door.get(PAGE).status_code == 403


def test_the_viewer_is_loaded_from_this_site_only_under_the_sites_policy(organizer):
    page = organizer.get(PAGE)
    resources = _Resources()
    resources.feed(page.get_data(as_text=True))

    assert resources.inline_scripts == 0
    # Addresses of this site only: a path, never a scheme or another host.
    assert resources.loaded and all(
        url.startswith("/") and not url.startswith("//") for url in resources.loaded
    ), resources.loaded
    for needed in (
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/vendor/swagger-ui/swagger-ui.css",
        "/static/console/api-reference.js",
    ):
        assert needed in resources.loaded
        answer = organizer.get(needed)
        assert answer.status_code == 200 and len(answer.data) > 100, needed
    # The site's policy, not relaxed for the viewer: scripts and styles from this site only.
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self' 'wasm-unsafe-eval'" in CONTENT_SECURITY_POLICY
    assert "style-src 'self';" in CONTENT_SECURITY_POLICY


def test_the_viewer_is_told_to_fetch_nothing_of_its_own():
    """Swagger UI's defaults would show an online validator's badge (an image from its host)
    and let a `?url=` in the address load another document: both are turned off."""
    script = (STATIC / "console" / "api-reference.js").read_text()
    assert re.search(r"validatorUrl: null,", script)
    assert re.search(r"queryConfigEnabled: false,", script)
    assert re.search(r"supportedSubmitMethods: \[\],", script)
    assert "http" not in script


def test_the_vendored_viewer_says_what_it_is_and_its_licence():
    files = {path.name for path in VENDOR.iterdir()}
    assert {
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "LICENSE",
        "NOTICE",
        "README.md",
        "VERSION",
    } <= files
    name, version = VENDOR.joinpath("VERSION").read_text().split()
    assert name == "swagger-ui-dist" and re.fullmatch(r"5\.\d+\.\d+", version)
    readme = VENDOR.joinpath("README.md").read_text()
    assert f"| {version} |" in readme
    assert "Apache" in VENDOR.joinpath("LICENSE").read_text()
    # The bundle names its own version: the one VERSION says.
    bundle = VENDOR.joinpath("swagger-ui-bundle.js").read_text(encoding="utf-8")
    assert json.dumps(version) in bundle or f"'{version}'" in bundle
