"""The console's API reference in real Chromium: from the API tokens page, the vendored Swagger
UI renders every operation of the OpenAPI document, loading nothing from another site and
breaking no rule of the Content-Security-Policy.

Headless Chromium (Debian's package) driven by Playwright, as in test_door_browser.py.
"""

from __future__ import annotations

from pathlib import Path

from support.auth import PASSWORD
from support.browser import TIMEOUT_MS, in_browser
from support.factories import make_event, make_staff
from support.live_server import serving

from registrar.extensions import db
from registrar.models import Role

pytestmark = in_browser

SCREENSHOTS = Path(__file__).parent / "screenshots"


def test_the_reference_renders_every_operation_from_this_site_only(app, client, browser):
    make_staff("org@example.org", Role.ORGANIZER, PASSWORD, events=[make_event()])
    db.session.commit()
    document = client.get("/api/v1/openapi.json").get_json()
    operations = {
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
    }

    with serving(app) as base:
        page = browser().new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(TIMEOUT_MS)
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        complaints: list[str] = []
        page.on(
            "console",
            lambda message: complaints.append(message.text) if message.type == "error" else None,
        )
        page.on("pageerror", lambda error: complaints.append(str(error)))
        page.goto(base + "/login")
        page.fill("#email", "org@example.org")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("load")
        page.goto(base + "/console/api-tokens")
        page.click("#api-reference-link")
        page.wait_for_selector("#api-reference[data-rendered=true]")
        page.wait_for_selector(".opblock")

        shown = set(page.locator(".opblock-summary-operation-id").all_inner_texts())
        assert shown == operations
        assert page.locator(".opblock").count() == len(operations)
        # A reference only: no "Try it out".
        assert page.locator(".try-out__btn").count() == 0
        # Its text around the viewer is the console's.
        assert page.inner_text("h1") == "API reference"
        page.screenshot(path=str(SCREENSHOTS / "console-api-reference.png"))

        # Everything came from this site: the page, its scripts and styles, the document.
        assert requested and all(url.startswith(base + "/") for url in requested), [
            url for url in requested if not url.startswith(base + "/")
        ]
        assert base + "/static/vendor/swagger-ui/swagger-ui-bundle.js" in requested
        assert base + "/api/v1/openapi.json" in requested
        # Nothing refused by the Content-Security-Policy, no script error.
        assert complaints == []
