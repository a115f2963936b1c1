"""Bad input to the API's bodies: a field an operation does not take is refused by name, never
ignored; texts, lists and numbers past their stated limits, and bodies past the server's, are
refused with a clear code; nothing is written. The document states every limit, and the door's
scanner sends nothing the API refuses."""

from __future__ import annotations

from typing import Annotated

import pytest
import sqlalchemy as sa
from pydantic import Field
from support.factories import answer, make_event, make_guest

from registrar import tokens
from registrar.errors import InvalidAnswer
from registrar.extensions import db
from registrar.models import AuditEntry, CheckIn, DoorNoAnswer, Guest, Scan
from registrar.web.api import schemas as wire

DOCUMENT = "/api/v1/openapi.json"


@pytest.fixture
def event(app):
    event = make_event(capacity=20, door_no_answer=DoorNoAnswer.LET_IN, door_walk_ins=True)
    db.session.commit()
    return event


def _written() -> tuple[int, ...]:
    """How many rows of what a door or an organizer writes there are."""
    db.session.rollback()
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in (Scan, CheckIn, Guest, AuditEntry)
    )


def _code(guest: Guest) -> str:
    return tokens.badge_code(guest.event_id, guest.id, guest.badge_version)


def _requests(event, guest) -> list[tuple[str, str, dict]]:
    """(method, path, a body the operation takes) of every operation that takes a body."""
    base = f"/api/v1/events/{event.id}"
    person = f"{base}/guests/{guest.id}"
    return [
        ("POST", f"{base}/scans", {"code": _code(guest), "nonce": "n-1", "gate": "A"}),
        ("POST", f"{person}/check-in", {"nonce": "n-2"}),
        ("POST", f"{person}/admit-unanswered", {"nonce": "n-3"}),
        ("POST", f"{person}/let-in", {"reason": "protocol_office"}),
        ("POST", f"{base}/walk-ins", {"name_en": "Walk In"}),
        ("POST", f"{person}/receiver", {"receiver": "12"}),
        ("POST", f"{base}/guests", {"email": "new@example.org", "name_en": "New Guest"}),
        ("PATCH", person, {"name_en": "Another Name"}),
        ("POST", f"{person}/deputy", {"email": "deputy@example.org", "name_en": "Deputy"}),
        ("POST", f"{base}/requests/1/approve", {}),
        ("POST", f"{base}/requests/1/decline", {"reason": "Too late."}),
        ("PATCH", f"{person}/travel", {"leg": "arrival", "driver": "Car 3"}),
        ("POST", f"{base}/questions", {"kind": "short_text", "label_en": "Badge name"}),
    ]


def test_every_body_refuses_a_field_it_does_not_take_by_name(organizer_client, event):
    guest = make_guest(event, name_en="Lin Wei")
    before = _written()

    for method, path, body in _requests(event, guest):
        refused = organizer_client.open(path, method=method, json={**body, "colour": "red"})
        assert refused.status_code == 400, (path, refused.get_json())
        assert refused.get_json()["error"] == {
            "code": "bad_request",
            "message": "Unknown field 'colour'.",
        }, path

    assert _written() == before


def test_the_document_says_every_body_takes_its_fields_only(client):
    document = client.get(DOCUMENT).get_json()
    components = document["components"]["schemas"]
    schemas = [
        operation["requestBody"]["content"]["application/json"]["schema"]
        for item in document["paths"].values()
        for operation in item.values()
        if "requestBody" in operation
    ]
    # A body that is a list (guests in bulk) holds objects of a schema of their own.
    bodies = [schema.get("items", schema)["$ref"] for schema in schemas]
    assert len(bodies) >= 8
    for ref in bodies:
        schema = components[ref.rsplit("/", 1)[1]]
        assert schema["additionalProperties"] is False, ref


def _limits_missing(schema: dict, components: dict, where: str, seen: set[str]) -> list[str]:
    """Where a request schema takes a text, list or number without a stated limit."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return []
        seen.add(name)
        return _limits_missing(components[name], components, name, seen)
    missing: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for i, part in enumerate(schema.get(key, [])):
            missing += _limits_missing(part, components, f"{where}.{key}[{i}]", seen)
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    closed = "enum" in schema or "const" in schema
    if "string" in types and not closed and "maxLength" not in schema:
        missing.append(f"{where}: maxLength")
    if ("integer" in types or "number" in types) and not closed:
        missing += [f"{where}: {bound}" for bound in ("minimum", "maximum") if bound not in schema]
    if "array" in types:
        if "maxItems" not in schema:
            missing.append(f"{where}: maxItems")
        if "items" in schema:
            missing += _limits_missing(schema["items"], components, f"{where}[]", seen)
    if "object" in types and "$ref" not in schema:
        if schema.get("additionalProperties") is not False:
            missing.append(f"{where}: additionalProperties")
        for name, part in schema.get("properties", {}).items():
            missing += _limits_missing(part, components, f"{where}.{name}", seen)
    return missing


def test_the_document_states_the_limit_of_every_text_list_and_number_taken(client):
    document = client.get(DOCUMENT).get_json()
    components = document["components"]["schemas"]
    missing: list[str] = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                body = operation["requestBody"]["content"]["application/json"]["schema"]
                missing += _limits_missing(body, components, f"{method} {path}", set())
            for parameter in operation.get("parameters", []):
                if "$ref" in parameter:
                    kind, name = parameter["$ref"].split("/")[-2:]
                    parameter = document["components"][kind][name]
                schema = parameter["schema"]
                if parameter["name"] == "q" and path.endswith("/door-search"):
                    # Its first characters are used, the rest is ignored: its description says
                    # how many.
                    assert "first 100 characters" in parameter["description"]
                    continue
                if "pattern" not in schema:
                    missing += _limits_missing(
                        schema, components, f"{method} {path} {parameter['name']}", set()
                    )
    assert missing == []
    too_large = document["components"]["responses"]["TooLarge"]["description"]
    assert "2,097,152 bytes" in too_large


def test_a_code_or_time_past_its_limit_is_refused_and_nothing_kept(door_client, event):
    scans = f"/api/v1/events/{event.id}/scans"
    before = _written()

    long_code = door_client.post(scans, json={"code": "X" * (wire.MAX_CODE + 1)})
    assert long_code.status_code == 400
    assert long_code.get_json()["error"] == {
        "code": "bad_request",
        "message": f"'code' has at most {wire.MAX_CODE} characters.",
    }
    long_time = door_client.post(
        scans, json={"code": "X", "scanned_at": "2026-03-01T13:10:00" + "0" * 60 + "Z"}
    )
    assert long_time.status_code == 400
    assert f"at most {wire.MAX_MOMENT} characters" in long_time.get_json()["error"]["message"]
    assert _written() == before

    # At the limit, a reading is no badge of ours: answered and kept as such.
    at_limit = door_client.post(scans, json={"code": "X" * wire.MAX_CODE})
    assert at_limit.status_code == 200 and at_limit.get_json()["verdict"] == "invalid"


def test_a_body_past_the_servers_limit_is_413_and_nothing_kept(app, door_client, event):
    before = _written()
    size = app.config["MAX_CONTENT_LENGTH"]

    response = door_client.post(
        f"/api/v1/events/{event.id}/scans",
        data=b'{"code": "' + b"X" * size + b'"}',
        content_type="application/json",
    )

    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert _written() == before


class _Row(wire._Body):
    n: int = Field(ge=1, le=10)
    label: Annotated[str, wire._text(5)] = ""


class _Rows(wire._Body):
    items: list[_Row] = Field(min_length=1, max_length=3)
    n: int = Field(0, gt=-1, lt=100)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"items": [{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}]}', "'items' has at most 3 items."),
        (b'{"items": []}', "'items' needs at least 1 items."),
        (b'{"items": [{"n": 1}, {"n": 11}]}', "'items[1].n' must be at most 10."),
        (b'{"items": [{"n": 0}]}', "'items[0].n' must be at least 1."),
        (b'{"items": [{"n": 1}], "n": 100}', "'n' must be less than 100."),
        (b'{"items": [{"n": 1}], "n": -1}', "'n' must be more than -1."),
        (b'{"items": [{"n": 1e400}]}', "'items[0].n' must be a whole number."),
        (b'{"items": [{"n": 1.5}]}', "'items[0].n' must be a whole number."),
        (b'{"items": [{"n": 1, "x": 1}]}', "Unknown field 'items[0].x'."),
        (b'{"items": [{"n": 1, "label": "abcdef"}]}', "'items[0].label' has at most 5 characters."),
        (b'{"items": [{}]}', "'items[0].n' is needed."),
        (b'{"items": {"n": 1}}', "'items' must be a list."),
        (b'{"items": [7]}', "'items[0]' must be a JSON object."),
        (b'{"items": [{"n": 1}], "n": 10000000000000000000000000000000}', "'n' must be less"),
    ],
)
def test_lists_numbers_and_nested_fields_are_refused_by_name_and_limit(app, body, message):
    with app.test_request_context():
        with pytest.raises(InvalidAnswer) as refused:
            wire.parse(_Rows, body)
        assert message in str(refused.value)


def test_the_scanners_bodies_are_taken_as_it_sends_them(organizer_client, event):
    """The bodies of static/door/scanner.js (scanItem, manualItem, letInShown, leadLetIn,
    registerWalkIn, saveReceiver, receiverBack; the offline queue resends scanItem's and
    manualItem's with `offline: true`), field for field: none is refused. (An organizer's
    session: the scanner page of a door lead sends them all.)"""
    inside = make_guest(event, name_en="Chen Mei-Ling")
    by_name = make_guest(event, name_en="Lin Wei")
    unanswered = make_guest(event, name_en="Wang Hao")
    declined = make_guest(event, name_en="Declined Guest")
    for guest in (inside, by_name):
        answer(guest)
    answer(declined, attending=False)
    base = f"/api/v1/events/{event.id}"
    now = "2026-03-01T05:10:00.000Z"

    def scan_body(**extra):
        return {
            "nonce": "nonce-a",
            "gate": "North",
            "direction": "in",
            "scanned_at": now,
            "offline": False,
            "override": False,
            **extra,
        }

    sent = [
        (organizer_client, f"{base}/scans", scan_body(code=_code(inside))),
        (organizer_client, f"{base}/guests/{inside.id}/receiver", {"receiver": "12"}),
        (
            organizer_client,
            f"{base}/scans",
            scan_body(code=_code(inside), nonce="nonce-b", direction="out", offline=True),
        ),
        (organizer_client, f"{base}/guests/{inside.id}/receiver", {"returned": True}),
        (organizer_client, f"{base}/guests/{by_name.id}/check-in", scan_body(nonce="nonce-c")),
        (
            organizer_client,
            f"{base}/guests/{unanswered.id}/admit-unanswered",
            {"nonce": "nonce-d", "gate": "North", "channel": "en"},
        ),
        (
            organizer_client,
            f"{base}/guests/{declined.id}/let-in",
            {
                "nonce": "nonce-e",
                "gate": "North",
                "reason": "other",
                "reason_text": "Known to the host",
                "over_capacity": False,
                "channel": "en",
            },
        ),
        (
            organizer_client,
            f"{base}/walk-ins",
            {
                "nonce": "nonce-f",
                "gate": "North",
                "name_en": "Walk In",
                "name_zh": "",
                "organization": "",
                "category": "delegate",
                "email": "",
                "channel": "en",
                "language": "zh_Hant",
            },
        ),
    ]
    for caller, path, body in sent:
        response = caller.post(path, json=body)
        assert response.status_code == 200, (path, response.get_json())
