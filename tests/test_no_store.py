"""Every page with personal data or a live link is answered with `Cache-Control: no-store`.

The walk goes through `app.url_map`, as tests/test_console_access.py does, so a page added
later is checked without anyone having to remember this test.
"""

from __future__ import annotations

import itertools
from urllib.parse import urlsplit

import pytest
from support.app import request_client
from support.auth import logged_in
from support.factories import invitation_path, make_event, make_guest, make_staff
from werkzeug.routing import AnyConverter, Rule

from registrar.extensions import db
from registrar.mail import campaigns
from registrar.models import Channel
from registrar.services import audit, door, rsvp

PASSWORD = "correct horse battery"
PRIVATE = ("/console/", "/door/", "/api/", "/i/")
# A guest's link and a volunteer's door link are the key: opened as a stranger would.
TOKEN_ENDPOINTS = {"public.invitation", "public.calendar_entry", "public.badge_qr"}
TOKEN_ENDPOINTS |= {"public.badge_pdf", "door.open_link"}


@pytest.fixture
def rows(app) -> dict[str, object]:
    """Real rows for every URL variable, a confirmed guest (who has a badge) among them."""
    event = make_event()
    guest = make_guest(event)
    rsvp.answer(guest.id, guest.token_version, rsvp.RsvpAnswer(True, Channel.EN), audit.GUEST)
    # The confirmation the answer queued (an invitation no longer goes to a guest who answered).
    (message,) = campaigns.messages_of(guest)
    link = door.create_link(event, "Door A", 2, audit.SYSTEM)
    db.session.commit()
    return {
        "event_id": event.id,
        "guest_id": guest.id,
        "message_id": message.id,
        "link_id": link.id,
        "guest_token": invitation_path(guest).removeprefix("/i/"),
        "door_token": urlsplit(door.link_url(link)).path.removeprefix("/door/l/"),
    }


def paths(rule: Rule, rows: dict[str, object]) -> list[str]:
    """The rule's URL with the rows' values, one per choice of an `any(...)` part."""
    choices = []
    for name in sorted(rule.arguments):
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            choices.append([(name, item) for item in sorted(converter.items)])
        elif name == "token":
            key = "door_token" if rule.endpoint == "door.open_link" else "guest_token"
            choices.append([(name, rows[key])])
        else:
            choices.append([(name, rows.get(name, 1))])
    return [
        rule.build(dict(combination), append_unknown=False)[1]
        for combination in itertools.product(*choices)
    ]


def private_get_rules(app) -> list[Rule]:
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and rule.rule.startswith(PRIVATE)
        ),
        key=lambda rule: rule.rule,
    )


def test_every_private_page_is_not_stored(app, client, rows):
    make_staff()
    logged_in(client)
    problems, walked = [], set()
    for rule in private_get_rules(app):
        # A stranger's browser for the links, so that the organizer's session proves nothing.
        visitor = request_client(app) if rule.endpoint in TOKEN_ENDPOINTS else client
        for path in paths(rule, rows):
            response = visitor.get(path)
            walked.add(rule.endpoint)
            if response.status_code >= 500:
                problems.append(f"GET {path}: {response.status_code}")
            cache = response.headers.get("Cache-Control")
            if cache not in ("no-store", "no-cache"):
                problems.append(f"GET {path}: Cache-Control {cache}")
            elif cache == "no-cache":
                # Only the scanner's service worker: a file of ours, checked for freshness.
                assert rule.endpoint == "door.service_worker", path
    assert problems == []
    assert {
        "console.event",
        "console.guests",
        "console.guest_edit",
        "console.guest_answer",
        "console.guest_messages",
        "console.guest_erase",
        "console.audit_log",
        "console.waitlist",
        "console.dashboard",
        "console.mail_page",
        "console.door_links",
        "console.export_download",
        "door.scanner",
        "api.search",
        "public.invitation",
        "public.badge_pdf",
    } <= walked


def test_the_pages_that_show_these_answer_200(app, client, rows):
    """The walk above sees real pages, not error pages that would pass it all the same."""
    make_staff()
    logged_in(client)
    guest, event = rows["guest_id"], rows["event_id"]
    for path in (
        f"/console/events/{event}/guests",
        f"/console/guests/{guest}/edit",
        f"/console/guests/{guest}/answer",
        f"/console/guests/{guest}/messages",
        f"/console/guests/{guest}/erase",
        f"/console/events/{event}/audit",
        f"/console/events/{event}/waitlist",
        f"/console/events/{event}/dashboard",
        f"/console/events/{event}/mail",
        f"/console/events/{event}/door-links",
        f"/api/v1/events/{event}/guests",
    ):
        assert client.get(path).status_code == 200, path
    stranger = request_client(app)
    for suffix in ("", "/calendar.ics", "/badge.png", "/badge.pdf"):
        assert stranger.get(f"/i/{rows['guest_token']}{suffix}").status_code == 200, suffix


def test_public_pages_and_static_files_may_be_cached(client):
    for path in ("/", "/healthz", "/static/style.css"):
        response = client.get(path)
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
