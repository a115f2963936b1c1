"""Every route of the app, walked: who may open it, and that a refused request writes nothing.

The walker goes through `app.url_map`, so a route added later is checked without anyone having
to remember this test: an organizer-only route that forgets `@organizer_required` fails it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from support.app import request_client
from support.auth import logged_in
from support.factories import make_event, make_guest, make_staff
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from registrar import create_app, tokens
from registrar.extensions import db
from registrar.mail import campaigns
from registrar.models import AuditEntry, DoorLink, Event, Guest, Role, Scan, utcnow
from registrar.services import audit
from registrar.web.access import EVENT_OF_ARGUMENT

PASSWORD = "correct horse battery"

# Open to anyone: static files, the public event page, the guests' personal links (the token
# is the key), login and logout, the health check, and a volunteer's door link (its token too).
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        # The icon, a static file at the root where browsers look for it.
        "favicon",
        "public.index",
        "public.healthz",
        "public.invitation",
        "public.calendar_entry",
        "public.badge_qr",
        "public.badge_pdf",
        "public.propose_deputy",
        "public.name_companion",
        "auth.login",
        "auth.logout",
        # A staff member's own way to a password: the e-mailed link is the key.
        "staff_links.forgot",
        "staff_links.set_password",
        "door.open_link",
        # The scanner's service worker: a static file served from /door/ for its reach.
        "door.service_worker",
        # The API's OpenAPI document: what the API is, never what is in it.
        "api.openapi_document",
        # A travelling guest's flights and hotel, through their link.
        "guest_travel.travel",
        # A guest's request for a visa letter (their link is the key), and the page that
        # verifies a letter's code for a consulate (the signed code is the key).
        "letters.ask",
        "letters.withdraw",
        "letters.verify",
    }
)
# The door's pages: staff with the door role (or organizers) may open them.
DOOR_ENDPOINTS = frozenset({"door.index", "door.scanner", "door.door_list_pdf_download"})
# A walk-in's badge, for the door staff of its event: the rows made here are invited guests, so
# door staff get 404, not a refusal.
WALK_IN_BADGES = frozenset({"door.walk_in_badge_png", "door.walk_in_badge_pdf"})
# The API's let-in is an organizer's or a door lead's: door staff get 403 in the JSON envelope.
LEAD_ENDPOINTS = frozenset({"api.let_in"})
# The API's guest list, a guest, and the changes to them are an organizer's: door staff get 403
# in the envelope.
ORGANIZER_API_ENDPOINTS = frozenset(
    {
        "api.guests_collection",
        "api.guest",
        "api.guest_action",
        "api.guest_bulk",
        "api.guest_answer",
        "api.seat_collection",
        "api.waitlist",
        "api.waitlist_move",
        "api.waitlist_promote",
        "api.message_collection",
        "api.scan_log",
        "api.check_ins",
        "api.export_file",
        "api.event_create",
        "api.event_state",
        "api.event_cancel",
        "api.event_copy",
        "api.programme_changes",
        "api.request_list",
        "api.request_read",
        "api.request_approve",
        "api.request_decline",
        "api.guest_deputy",
        "api.companion_collection",
        "api.companion_item",
        "api.travel_board",
        "api.guest_travel",
        "api.question_collection",
        "api.question_item",
        "api.question_move",
    }
)
# The event and its programme: the event's team reads them, only its organizers change them.
ORGANIZER_API_WRITES = frozenset(
    {"api.event", "api.programme_items", "api.programme_item", "api.programme_move"}
)
# The JSON API checks its callers itself (door staff, organizers, a door link's session):
# 401 with a JSON error for anyone else, never a redirect to a login page.
API_PREFIX = "api."

# Sent with every request that has a body, so that a route without its check would have
# something to act on.
FORM = {
    "capacity": "0",
    "held_seats": "0",
    "hours": "1",
    "label": "walked",
    "position": "1",
    "current": "1",
    "email": "walked@example.org",
    "name_en": "Walked",
    "attending": "yes",
    "channel": "en",
    "guests": "1",
}


@dataclass(frozen=True)
class Visitor:
    name: str
    role: Role | None


ANONYMOUS = Visitor("anonymous", None)
DOOR_STAFF = Visitor("door staff", Role.DOOR)


def row_counts() -> dict[str, int]:
    """Rows per table, in one query."""
    counts = sa.union_all(
        *(
            sa.select(sa.literal(table.name).label("name"), sa.func.count().label("n")).select_from(
                table
            )
            for table in db.metadata.sorted_tables
        )
    )
    db.session.rollback()
    return dict(db.session.execute(counts).all())


def real_rows() -> dict[str, object]:
    """A row of each kind a URL names, made by the factories: {URL variable: value}."""
    event = make_event()
    guest = make_guest(event)
    make_guest(event)
    link = DoorLink(event_id=event.id, label="Door A", created_by="system", expires_at=utcnow())
    db.session.add(link)
    db.session.flush()
    (message,) = campaigns.send_invitations(event, audit.SYSTEM, [guest.id])
    db.session.commit()
    return {
        "event_id": event.id,
        "guest_id": guest.id,
        "link_id": link.id,
        "message_id": message.id,
    }


def urls(rule: Rule, values: dict[str, object]) -> list[str]:
    """The rule's URL for the rows given; one per choice of an `any(...)` part.

    A variable without a row falls back to 1 or "x": the check runs before any lookup, so
    a route that answers 404 to it instead of the expected refusal is flagged all the same.
    """
    choices = []
    for name in sorted(rule.arguments):
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            choices.append([(name, item) for item in sorted(converter.items)])
        elif name in values:
            choices.append([(name, values[name])])
        elif isinstance(converter, IntegerConverter):
            choices.append([(name, 1)])
        else:
            choices.append([(name, "x")])
    built = []
    for combination in itertools.product(*choices):
        result = rule.build(dict(combination), append_unknown=False)
        assert result is not None, f"cannot build {rule.rule} from {combination}"
        built.append(result[1])
    return built


def refusal(visitor: Visitor, rule: Rule, response) -> str | None:
    """What is wrong with the answer this visitor got, or None when it is the right one."""
    endpoint, status = rule.endpoint, response.status_code
    if endpoint.startswith(API_PREFIX):
        if visitor.role is None:
            if status != 401 or not response.is_json:
                return f"expected 401 JSON, got {status}"
            if response.get_json().get("error", {}).get("code") != "unauthorized":
                return "401 without the JSON error code 'unauthorized'"
        elif (
            endpoint in LEAD_ENDPOINTS
            or endpoint in ORGANIZER_API_ENDPOINTS
            or (endpoint in ORGANIZER_API_WRITES and response.request.method != "GET")
        ):
            if status != 403 or response.get_json().get("error", {}).get("code") != "forbidden":
                return f"expected 403 JSON for door staff, got {status}"
        elif status in (401, 403) or status >= 500:
            return f"door staff refused by the API ({status})"
        return None
    if visitor.role is None:
        location = urlsplit(response.headers.get("Location", ""))
        if status != 302 or location.path != "/login":
            return f"expected a redirect to /login, got {status} {location.path}"
        return None
    if endpoint in WALK_IN_BADGES:
        return None if status == 404 else f"expected 404 for an invited guest, got {status}"
    if endpoint in DOOR_ENDPOINTS:
        if status not in (200, 302) or response.headers.get("Location", "").startswith("/login"):
            return f"door staff kept out of a door page ({status})"
        return None
    if status != 403:
        return f"expected 403 for door staff, got {status}"
    return None


@dataclass
class Walk:
    problems: list[str]
    # (method, path, endpoint) of every request made
    requests: list[tuple[str, str, str]]


def walk(app, client, visitor: Visitor, values: dict[str, object]) -> Walk:
    """Request every non-public rule with every method as this visitor; the problems found."""
    problems, requests = [], []
    before = row_counts()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method, path in itertools.product(
            sorted(rule.methods - {"HEAD", "OPTIONS"}), urls(rule, values)
        ):
            response = client.open(path, method=method, data=FORM if method != "GET" else None)
            requests.append((method, path, rule.endpoint))
            wrong = refusal(visitor, rule, response)
            if wrong:
                problems.append(f"{visitor.name}: {method} {path} ({rule.endpoint}): {wrong}")
            after = row_counts()
            if after != before:
                changed = sorted(t for t in after if after[t] != before.get(t))
                problems.append(f"{visitor.name}: {method} {path} wrote to {', '.join(changed)}")
                before = after
    return Walk(problems, requests)


def log_in(client, visitor: Visitor) -> None:
    if visitor.role is None:
        return
    make_staff("walker@example.org", role=visitor.role)
    response = client.post("/login", data={"email": "walker@example.org", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize("visitor", [ANONYMOUS, DOOR_STAFF], ids=lambda v: v.name)
def test_every_route_refuses_who_may_not_use_it_and_writes_nothing(app, client, visitor):
    values = real_rows()
    log_in(client, visitor)
    result = walk(app, client, visitor, values)
    assert result.problems == []
    walked = {endpoint for _method, _path, endpoint in result.requests}
    console = {r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/console")}
    assert len(console) > 5 and console <= walked
    assert {"api.scan", "door.scanner"} <= walked
    assert not walked & PUBLIC_ENDPOINTS


@pytest.fixture
def leaky_app(app_config, instance_path):
    """A fresh app with a route under /console that escapes the console's gate (registered
    outside the console blueprint, as the gate is the blueprint's), and writes."""
    leaky = create_app(app_config)

    def leak(event_id: int):
        audit.record("leak.written", actor="nobody", event_id=event_id)
        db.session.commit()
        return "done"

    leaky.add_url_rule("/console/events/<int:event_id>/leak", "leak", leak, methods=["GET", "POST"])
    with leaky.app_context():
        db.create_all()
        yield leaky
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("visitor", [ANONYMOUS, DOOR_STAFF], ids=lambda v: v.name)
def test_the_walker_flags_a_route_without_its_check(leaky_app, visitor):
    client = request_client(leaky_app)
    values = real_rows()
    log_in(client, visitor)
    problems = walk(leaky_app, client, visitor, values).problems
    leak = f"/console/events/{values['event_id']}/leak"
    assert problems, "the unprotected route went unnoticed"
    assert all(leak in problem for problem in problems), problems
    for method in ("GET", "POST"):
        assert any(f"{method} {leak} (leak): expected" in p for p in problems)
        assert f"{visitor.name}: {method} {leak} wrote to audit_entries" in problems
    written = db.session.scalar(
        sa.select(sa.func.count()).where(AuditEntry.action == "leak.written")
    )
    assert written == 2


# -- one event's team, another event's routes ---------------------------------------------------


def names_an_event(rule: Rule) -> bool:
    return bool(rule.arguments & ({"event_id"} | set(EVENT_OF_ARGUMENT)))


def walk_event(app, client, values: dict[str, object], expect) -> list[str]:
    """Every rule that names an event, with that event's rows; `expect(rule, response)` says
    what is wrong with each answer. Refused requests (403) must write nothing."""
    problems = []
    before = row_counts()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in PUBLIC_ENDPOINTS or not names_an_event(rule):
            continue
        for method, path in itertools.product(
            sorted(rule.methods - {"HEAD", "OPTIONS"}), urls(rule, values)
        ):
            response = client.open(path, method=method, data=FORM if method != "GET" else None)
            wrong = expect(rule, response)
            if wrong:
                problems.append(f"{method} {path} ({rule.endpoint}): {wrong}")
            after = row_counts()
            if response.status_code == 403 and after != before:
                problems.append(f"{method} {path} was refused but wrote")
            before = after
    return problems


def refused(rule: Rule, response) -> str | None:
    if response.status_code != 403:
        return f"expected 403, got {response.status_code}"
    if rule.endpoint.startswith(API_PREFIX) and not response.is_json:
        return "403 without the API's JSON error"
    return None


def reached(rule: Rule, response) -> str | None:
    if response.status_code in (401, 403) or response.status_code >= 500:
        return f"refused or broken: {response.status_code}"
    if urlsplit(response.headers.get("Location", "")).path == "/login":
        return "sent to the login page"
    return None


def two_events_and(role: Role | None):
    """Event A and event B with rows of each, and an account made after both: an organizer or
    door staff of A, or (role None) an administrator."""
    values_a, values_b = real_rows(), real_rows()
    event_a = db.session.get(Event, values_a["event_id"])
    if role is None:
        make_staff("walker@example.org")
    else:
        make_staff("walker@example.org", role, events=[event_a])
    return values_a, values_b


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.DOOR], ids=["organizer of A", "door of A"])
def test_a_member_of_event_a_gets_403_on_every_route_of_event_b(app, client, role):
    values_a, values_b = two_events_and(role)
    logged_in(client, "walker@example.org")
    assert walk_event(app, client, values_b, refused) == []
    # ...and still reaches their own event's door (and, as organizer, its console).
    scanner = client.get(f"/door/events/{values_a['event_id']}")
    assert scanner.status_code == 200
    console = client.get(f"/console/events/{values_a['event_id']}/guests")
    assert console.status_code == (200 if role == Role.ORGANIZER else 403)


def test_door_staff_of_event_a_scan_for_a_but_not_for_b(app, client):
    values_a, values_b = two_events_and(Role.DOOR)
    logged_in(client, "walker@example.org")
    scans = []
    for values in (values_a, values_b):
        guest = db.session.get(Guest, values["guest_id"])
        code = tokens.badge_code(guest.event_id, guest.id, guest.badge_version)
        scans.append(client.post(f"/api/v1/events/{values['event_id']}/scans", json={"code": code}))
    assert scans[0].status_code == 200
    assert scans[0].get_json()["verdict"]
    assert scans[1].status_code == 403
    assert scans[1].get_json()["error"]["code"] == "forbidden"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 1
    # The door of an event that does not exist is a 404, as for an administrator.
    assert client.get("/door/events/9999").status_code == 404


def test_an_administrator_reaches_every_route_of_both_events(app, client):
    values_a, values_b = two_events_and(None)
    logged_in(client, "walker@example.org")
    walked = [r for r in app.url_map.iter_rules() if names_an_event(r)]
    assert len([r for r in walked if r.rule.startswith("/console")]) > 20
    assert {"api.scan", "door.scanner", "console.event_team"} <= {r.endpoint for r in walked}
    assert walk_event(app, client, values_a, reached) == []
    assert walk_event(app, client, values_b, reached) == []


def test_an_organizer_of_a_lands_on_a_and_never_sees_b_in_the_console(app, client):
    values_a, values_b = two_events_and(Role.ORGANIZER)
    # B's id is the lower one: the landing page must not simply take the first event.
    assert values_b["event_id"] > values_a["event_id"]
    logged_in(client, "walker@example.org")
    landing = client.get("/console/")
    assert urlsplit(landing.headers["Location"]).path == (
        f"/console/events/{values_a['event_id']}/dashboard"
    )
    assert client.get("/door/").headers["Location"].endswith(f"/door/events/{values_a['event_id']}")
    assert client.get("/console/team").status_code == 403
