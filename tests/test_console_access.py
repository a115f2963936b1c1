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
from support.factories import make_event, make_guest, make_staff
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from registrar import create_app
from registrar.extensions import db
from registrar.mail import campaigns
from registrar.models import AuditEntry, DoorLink, Role, utcnow
from registrar.services import audit

PASSWORD = "correct horse battery"

# Open to anyone: static files, the public event page, the guests' personal links (the token
# is the key), login and logout, the health check, and a volunteer's door link (its token too).
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "public.index",
        "public.healthz",
        "public.invitation",
        "public.calendar_entry",
        "public.badge_qr",
        "public.badge_pdf",
        "auth.login",
        "auth.logout",
        "door.open_link",
        # The scanner's service worker: a static file served from /door/ for its reach.
        "door.service_worker",
        # The API's OpenAPI document: what the API is, never what is in it.
        "api.openapi_document",
    }
)
# The door's pages: staff with the door role (or organizers) may open them.
DOOR_ENDPOINTS = frozenset({"door.index", "door.scanner"})
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
        elif status in (401, 403) or status >= 500:
            return f"door staff refused by the API ({status})"
        return None
    if visitor.role is None:
        location = urlsplit(response.headers.get("Location", ""))
        if status != 302 or location.path != "/login":
            return f"expected a redirect to /login, got {status} {location.path}"
        return None
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
    """A fresh app with one console route that forgot @organizer_required, and writes."""
    leaky = create_app(app_config)

    def leak(event_id: int):
        audit.record("leak.written", actor="nobody", event_id=event_id)
        db.session.commit()
        return "done"

    leaky.add_url_rule(
        "/console/events/<int:event_id>/leak", "console.leak", leak, methods=["GET", "POST"]
    )
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
        assert any(f"{method} {leak} (console.leak): expected" in p for p in problems)
        assert f"{visitor.name}: {method} {leak} wrote to audit_entries" in problems
    written = db.session.scalar(
        sa.select(sa.func.count()).where(AuditEntry.action == "leak.written")
    )
    assert written == 2
