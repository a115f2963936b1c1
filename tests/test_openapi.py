"""The JSON API against its OpenAPI document: the document is valid and complete, and the API
answers schemathesis' generated requests as documented (never a server error)."""

from __future__ import annotations

import itertools
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import get_args

import jsonschema_rs
import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES
from support.app import request_client
from support.auth import DOOR_EMAIL, logged_in
from support.factories import answer, make_event, make_guest, make_guests_in_bulk, make_staff

from registrar import tokens
from registrar.extensions import db
from registrar.models import (
    AgendaKind,
    ApiRole,
    Category,
    Channel,
    CheckIn,
    Direction,
    DoorNoAnswer,
    Event,
    EventState,
    Guest,
    Language,
    LetInReason,
    PersonRole,
    QuestionKind,
    Role,
    Seat,
    SeatState,
    Verdict,
)
from registrar.services import (
    api_tokens,
    audit,
    checkin,
    guests,
    idempotency,
    invitations,
    programme,
    questions,
    staff,
)
from registrar.services.guests import GuestState
from registrar.services.programme import told
from registrar.services.requests import deputies, name_changes
from registrar.web.api import events as api_events
from registrar.web.api import openapi
from registrar.web.api import schemas as wire
from registrar.web.errors import CSRF_FAILED, DATABASE_UNAVAILABLE, ERROR_CODES

DOCUMENT = "/api/v1/openapi.json"
PASSWORD = "correct horse battery"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Examples per operation, valid and invalid requests together.
EXAMPLES = {
    # Four callers share them (a read token's scans are refused): enough reach the door for
    # every verdict.
    "scan": 240,
    "check_in_by_name": 120,
    "admit_unanswered": 80,
    "let_in": 120,
    "walk_in": 60,
    "receiver": 120,
    "occupancy": 25,
    "search": 60,
    "door_list": 25,
    "events": 25,
    "event": 25,
    "guest_list": 40,
    "guest": 25,
    "guest_create": 60,
    "guest_action": 40,
    "guest_update": 40,
    "guest_bulk": 40,
    "guest_answer": 25,
    "guest_answer_update": 80,
    "seats": 25,
    "seats_update": 40,
    "waitlist": 25,
    "waitlist_promote": 40,
    "waitlist_move": 60,
    "messages": 25,
    "messages_queue": 40,
    "scan_log": 25,
    "check_ins": 25,
    "export_file": 25,
    "event_create": 40,
    "event_update": 40,
    "event_copy": 30,
    "event_state": 40,
    "event_cancel": 25,
    "programme_list": 20,
    "programme_create": 40,
    "programme_item": 20,
    "programme_update": 40,
    "programme_delete": 25,
    "programme_move": 30,
    "programme_changes": 20,
    "programme_notice": 30,
    "requests": 20,
    "request": 20,
    "request_approve": 30,
    "request_decline": 30,
    "guest_deputy": 30,
    "companions": 20,
    "companion_create": 40,
    "companion_update": 30,
    "companion_delete": 25,
    "travel_board": 20,
    "guest_travel": 20,
    "pickup_update": 30,
    "questions": 20,
    "question": 20,
    "question_create": 40,
    "question_update": 40,
    "question_delete": 25,
    "question_move": 30,
}
# The operations only an organizer (or a door lead) may call.
ORGANIZERS_ONLY = frozenset(
    {
        "guest_create",
        "guest_update",
        "guest_action",
        "let_in",
        "seats_update",
        "waitlist_promote",
        "waitlist_move",
        "messages_queue",
        "guest_bulk",
        "guest_answer_update",
        "programme_changes",
        "waitlist",
        "companion_delete",
        "questions",
        "question",
    }
)
# The organizer's event and programme writes, decisions on guests' requests and accompanying
# persons named: only an organizer may make them as well.
EVENT_WRITES = frozenset(
    {
        "event_create",
        "event_update",
        "event_copy",
        "event_state",
        "event_cancel",
        "programme_create",
        "programme_update",
        "programme_delete",
        "programme_move",
        "programme_notice",
        "request_approve",
        "request_decline",
        "guest_deputy",
        "companion_create",
        "companion_update",
        "pickup_update",
        "question_create",
        "question_update",
        "question_delete",
        "question_move",
    }
)
ORGANIZERS_ONLY |= EVENT_WRITES
# The operations fuzzed together, each group on a database of its own seeded anew and in the
# document's order: one test per group, so that the groups run in parallel. The scans stay
# together with the door's reads: a scan's verdict depends on the scans before it.
GROUPS = {
    "scans": {"scan", "walk_in", "door_list", "occupancy", "scan_log"},
    "door_by_hand": {"search", "admit_unanswered", "check_in_by_name", "let_in", "receiver"},
    "guests": {
        "check_ins",
        "export_file",
        "guest_list",
        "guest_create",
        "guest_bulk",
        "guest",
        "guest_update",
        "guest_answer",
        "guest_answer_update",
        "guest_action",
        "messages",
        "messages_queue",
    },
    "events_and_seats": {
        "events",
        "event_create",
        "event",
        "event_update",
        "event_cancel",
        "event_copy",
        "event_state",
        "seats",
        "seats_update",
        "waitlist",
        "waitlist_move",
        "waitlist_promote",
    },
    "programme_and_questions": {
        "programme_list",
        "programme_create",
        "programme_changes",
        "programme_notice",
        "programme_delete",
        "programme_item",
        "programme_update",
        "programme_move",
        "questions",
        "question_create",
        "question_delete",
        "question",
        "question_update",
        "question_move",
    },
    "requests_companions_and_travel": {
        "requests",
        "request",
        "request_approve",
        "request_decline",
        "guest_deputy",
        "companions",
        "companion_create",
        "companion_delete",
        "companion_update",
        "guest_travel",
        "pickup_update",
        "travel_board",
    },
}
# Values the generators seldom or never make, put into a valid body now and then, each of which
# once made the API fail: a NUL, a lone surrogate (valid JSON, not valid text), times that leave
# the calendar when turned to UTC or use RFC 3339's lower case, a string for a boolean.
HOSTILE_TEXT = ["door\x00A", "\ud800"]
HOSTILE = {
    "scanned_at": [
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "2026-03-01t13:10:00z",
        *HOSTILE_TEXT,
    ],
    "offline": ["true"],
    "override": ["true"],
    "over_capacity": ["true"],
    "returned": ["true"],
}
FUZZ = settings(
    deadline=None,
    database=None,  # nothing written into the working tree
    derandomize=True,  # the same requests on every run: a failure reproduces
    suppress_health_check=list(HealthCheck),
)


# -- the document ----------------------------------------------------------------------------


def _path_of(rule) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)


def test_document_is_valid_openapi_and_lists_every_api_route(app, client):
    response = client.get(DOCUMENT)

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    schemathesis.openapi.from_dict(document).validate()
    for name, schema in document["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name
    refs = set(re.findall(r'"\$ref": "#/components/(\w+)/(\w+)"', json.dumps(document)))
    for kind, name in refs:
        assert name in document["components"][kind], f"{kind}/{name}"

    routes = {
        (_path_of(rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert len(routes) >= 6
    assert routes == documented


def test_document_speaks_the_enums_of_the_code(client):
    schemas = client.get(DOCUMENT).get_json()["components"]["schemas"]

    result = schemas["ScanResult"]["properties"]
    assert result["verdict"]["enum"] == [v.value for v in Verdict]
    assert schemas["ScanGuest"]["properties"]["category"]["enum"] == [c.value for c in Category]
    scan_fields = schemas["ScanRequest"]["properties"]
    assert scan_fields["nonce"]["maxLength"] == checkin.MAX_NONCE
    assert scan_fields["gate"]["maxLength"] == checkin.MAX_GATE
    assert schemas["ReceiverRequest"]["properties"]["receiver"]["maxLength"] == (
        checkin.MAX_RECEIVER
    )


def test_closed_lists_of_the_wire_are_the_enums_of_the_code():
    # Written out in schemas.py for the type checker: a value added to an enum must be added
    # there too, in the same place, or the API would refuse or never document it.
    assert get_args(wire.VerdictName) == tuple(v.value for v in Verdict)
    assert get_args(wire.DirectionName) == tuple(d.value for d in Direction)
    assert get_args(wire.CategoryName) == tuple(c.value for c in Category)
    assert get_args(wire.ChannelName) == tuple(c.value for c in Channel)
    assert get_args(wire.SeatStateName) == tuple(s.value for s in SeatState)
    assert get_args(wire.DoorNoAnswerName) == tuple(p.value for p in DoorNoAnswer)
    assert get_args(wire.LetInReasonName) == tuple(r.value for r in LetInReason)
    assert get_args(wire.LanguageName) == tuple(lang.value for lang in Language)
    assert get_args(wire.EventStateName) == tuple(s.value for s in EventState)
    assert get_args(wire.GuestStateName) == tuple(s.value for s in GuestState)
    codes = {*ERROR_CODES.values(), CSRF_FAILED, DATABASE_UNAVAILABLE, idempotency.REUSED}
    codes.add(api_events.NOTIFY_REQUIRED)
    assert get_args(wire.ErrorCode) == tuple(sorted(codes))


def test_document_needs_no_login_and_names_the_security(client):
    document = client.get(DOCUMENT).get_json()

    schemes = document["components"]["securitySchemes"]
    assert schemes["session"] == {**schemes["session"], "in": "cookie", "name": "session"}
    assert schemes["csrf"]["name"] == "X-CSRFToken"
    assert schemes["bearer"] == {**schemes["bearer"], "type": "http", "scheme": "bearer"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if path == DOCUMENT:
                assert operation["security"] == []
            elif method in ("post", "patch", "put", "delete"):
                assert operation["security"] == [{"session": [], "csrf": []}, {"bearer": []}]
            else:
                assert operation["security"] == [{"session": []}, {"bearer": []}], path


# -- the API against it ----------------------------------------------------------------------


def test_body_nested_too_deep_for_the_parser_is_a_json_400(app, client):
    event = make_event()
    make_staff("door@example.org", Role.DOOR, PASSWORD)
    logged_in(client, DOOR_EMAIL)

    response = client.post(
        f"/api/v1/events/{event.id}/scans",
        data="[" * 100_000 + "]" * 100_000,
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def _confirmed(event: Event, **fields) -> Guest:
    guest = make_guest(event, **fields)
    answer(guest, channel=Channel.ZH)
    return guest


def _seed() -> dict:
    """An event near its capacity with guests in every state, and a second event."""
    event = make_event(capacity=14)
    ids = make_guests_in_bulk(event, 40)
    speaker = _confirmed(
        event,
        name_en="Lai Ching-Ming",
        name_zh="賴慶明",
        organization="高雄市政府 Kaohsiung City Government",
        category=Category.SPEAKER,
    )
    reprinted = _confirmed(event, name_en="Reprinted Badge")
    old_code = tokens.badge_code(event.id, reprinted.id, reprinted.badge_version)
    reprinted.badge_version += 1
    erased = _confirmed(event, name_en="Asked To Be Forgotten")
    guests.erase(erased.id, audit.SYSTEM)
    revoked = _confirmed(event, name_en="Revoked Guest")
    invitations.revoke(revoked.id, audit.SYSTEM)
    # The door may let in guests who never answered, a door lead any refused guest, and walk-ins
    # may come: six seats are free for them all.
    event.door_no_answer = DoorNoAnswer.LET_IN
    event.door_walk_ins = True
    event.capacity += 6
    db.session.commit()
    other = make_event()
    stranger = _confirmed(other, name_en="Guest Elsewhere")

    mine = [*ids, speaker.id, reprinted.id, erased.id, revoked.id]
    codes = [
        tokens.badge_code(event.id, g.id, g.badge_version)
        for g in db.session.scalars(sa.select(Guest).where(Guest.id.in_(mine)))
    ]
    codes += [old_code, tokens.badge_code(other.id, stranger.id, 1), "B1:GARBAGE"]
    inside = db.session.scalars(sa.select(CheckIn.guest_id).where(CheckIn.event_id == event.id))
    return {
        "event": event.id,
        "other": other.id,
        "guests": mine,
        "checked_in": list(inside),
        "stranger": stranger.id,
        "codes": codes,
    }


def _waitlisted(event_id: int, free: int) -> list[int]:
    """Six guests on a full event's waitlist, then `free` seats made free for them."""
    event = db.session.get(Event, event_id)
    confirmed = db.session.scalar(
        sa.select(sa.func.count()).where(
            Seat.event_id == event_id, Seat.state == SeatState.CONFIRMED
        )
    )
    event.capacity = event.held_seats + confirmed
    db.session.commit()
    made = []
    for n in range(6):
        guest = make_guest(event, name_en=f"Waiting Guest {n}")
        answer(guest)
        made.append(guest.id)
    event = db.session.get(Event, event_id)
    event.capacity += free
    db.session.commit()
    return made


def _requests_to_decide(event_id: int) -> dict:
    """Guests of the door's event with corrections and deputies waiting for a decision, and
    guests an organizer may name a deputy for (none of them the door's)."""
    event = db.session.get(Event, event_id)
    made = []
    for n in range(16):
        guest = make_guest(event, name_en=f"Asking Guest {n}")
        if n % 2:
            details = deputies.DeputyDetails(name_en="Deputy", email=f"deputy-{n}@example.org")
            made.append(deputies.propose(guest.id, guest.token_version, details, audit.GUEST))
        else:
            fixed = {"organization": [guest.organization, f"Organization {n}"]}
            made.append(name_changes.correct(event, guest, fixed, audit.GUEST))
    sending = [make_guest(event, name_en=f"Sending Guest {n}").id for n in range(16)]
    db.session.commit()
    return {"requests": [r.id for r in made], "deputy_guests": sending}


def _companions_seed(event_id: int) -> dict:
    """A VIP who said yes, may bring up to twenty accompanying persons, and brought ten (with no
    seats: the door's seats stay as they are)."""
    from registrar.services import companions

    event = db.session.get(Event, event_id)
    event.companion_limits = "vip=20"
    principal = make_guest(event, name_en="Principal With Aides", category=Category.VIP)
    answer(principal)
    # The VIP's seat is one more: the seats the door's operations need stay free.
    event = db.session.get(Event, event_id)
    event.capacity += 1
    made = [
        companions.add(
            principal.id, companions.CompanionDetails(name_en=f"Aide {n}"), audit.SYSTEM
        ).id
        for n in range(10)
    ]
    db.session.commit()
    return {"principal": principal.id, "companions": made}


def _travel_seed(event_id: int) -> dict:
    """Three guests offered travel who gave their flights, each asking for both pickups."""
    from registrar.services.travel import details as travel

    event = db.session.get(Event, event_id)
    day = event.starts_at.date()
    made = []
    for n in range(3):
        guest = make_guest(event, name_en=f"Traveller {n}")
        guest.travel_offered = True
        db.session.commit()
        given = travel.TravelDetails(
            arrival_date=day,
            arrival_time=time(8, n),
            arrival_flight=f"BR {20 + n}",
            arrival_airport="KHH",
            arrival_airport_name="",
            arrival_pickup=True,
            departure_date=day + timedelta(days=1),
            departure_time=time(9, 0),
            departure_flight="CI 61",
            departure_airport="TPE",
            departure_airport_name="",
            departure_pickup=True,
            hotel_choice="own",
            hotel_name="Hotel Nikko",
            check_in=day,
            check_out=day + timedelta(days=1),
        )
        travel.give(guest.id, guest.token_version, given, audit.GUEST)
        db.session.commit()
        made.append(guest.id)
    return {"travellers": made}


def _log_in(app, email: str, role: Role, event_id: int):
    """A client logged in with CSRF on, and the token its scanner page hands to the API."""
    client = request_client(app)
    make_staff(email, role, PASSWORD)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    scanner = client.get(f"/door/events/{event_id}").get_data(as_text=True)
    config = re.search(r'<script type="application/json" id="door-config">(.*?)</script>', scanner)
    return client, {openapi.CSRF_HEADER: json.loads(config.group(1))["csrfToken"]}


def _with_token(app, role: ApiRole, event_id: int):
    """A client with no session, and the API token of an organizer account of the event."""
    account = staff.find("organizer@example.org")
    made = api_tokens.create(f"fuzz {role.value}", role, [event_id], account, None, "system")
    db.session.commit()
    return request_client(app), {"Authorization": f"Bearer {made.secret}"}


def _path_choices(operation, seed: dict) -> list[dict]:
    """Real ids for the operation's path, so that most requests reach past the lookups."""
    names = {p.name for p in operation.path_parameters}
    if not names:
        return [{}]
    name = operation.definition.raw["operationId"]
    if name in seed.get("spare", {}):
        # An event of its own: a cancellation, a state or details changed stay off the door's.
        return [{"event_id": seed["spare"][name]}]
    if "request_id" in names:
        return [
            *({"event_id": seed["event"], "request_id": r} for r in seed["requests"]),
            {"event_id": seed["other"], "request_id": seed["requests"][0]},
        ]
    if name == "guest_deputy":
        return [
            *({"event_id": seed["event"], "guest_id": g} for g in seed["deputy_guests"]),
            {"event_id": seed["other"], "guest_id": seed["deputy_guests"][0]},
        ]
    if "question_id" in names:
        # Questions deleted are not those changed.
        staged, asked = seed["doomed_questions" if name == "question_delete" else "questions"]
        return [
            *({"event_id": staged, "question_id": q} for q in asked),
            {"event_id": seed["other"], "question_id": asked[0]},
        ]
    if "item_id" in names:
        # Items deleted are not those changed.
        staged, items = seed["doomed" if name == "programme_delete" else "staged"]
        return [
            *({"event_id": staged, "item_id": i} for i in items),
            {"event_id": seed["event"], "item_id": items[0]},
        ]
    if names == {"event_id"}:
        return [{"event_id": seed["event"]}, {"event_id": seed["other"]}]
    if "companion_id" in names:
        return [
            {"event_id": seed["event"], "guest_id": seed["principal"], "companion_id": c}
            for c in seed["companions"]
        ]
    if name in ("guest_travel", "pickup_update"):
        return [{"event_id": seed["event"], "guest_id": g} for g in seed["travellers"]] * 3 + [
            {"event_id": seed["event"], "guest_id": seed["guests"][0]}
        ]
    if name in ("companions", "companion_create"):
        return [{"event_id": seed["event"], "guest_id": seed["principal"]}] * 3 + [
            {"event_id": seed["event"], "guest_id": seed["guests"][0]}
        ]
    # Guests who came in count three times: receivers are only for them; waitlisted guests
    # (made for the waitlist's operations) nine times.
    guests = [*seed["guests"], *seed["checked_in"] * 2, *seed.get("waitlisted", []) * 8]
    mine = [{"event_id": seed["event"], "guest_id": g} for g in guests]
    return [
        *mine,
        {"event_id": seed["event"], "guest_id": seed["stranger"]},
        {"event_id": seed["other"], "guest_id": seed["guests"][0]},
    ]


def _cases(operation, seed: dict):
    choices = _path_choices(operation, seed)
    real = st.sampled_from(choices).flatmap(
        lambda ids: operation.as_strategy(GenerationMode.POSITIVE, path_parameters=ids)
    )
    positive = st.one_of(real, real, real, operation.as_strategy(GenerationMode.POSITIVE))
    # Invalid bodies and queries sent to a real event and guest, and invalid ids.
    negative = [operation.as_strategy(GenerationMode.NEGATIVE)]
    if operation.body or operation.query:
        negative.append(
            st.sampled_from(choices).flatmap(
                lambda ids: operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=ids)
            )
        )
    return st.one_of(positive, positive, *negative)


def _body_fields(schema, operation) -> list[str]:
    if not operation.body:
        return []
    ref = operation.definition.raw["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" not in ref:
        return []  # a list (guests in bulk): its items' fields are the generator's
    name = ref["$ref"].rsplit("/", 1)[1]
    return sorted(schema.raw_schema["components"]["schemas"][name]["properties"])


def _events_to_write() -> dict:
    """Events of the organizer's writes apart from the door's (a cancelled event takes no
    scans), and a programme with items to change and free times for new ones."""
    spare = {name: make_event().id for name in ("event_update", "event_cancel")}
    # Closed: two of the three steps (open, archive) go from there.
    spare["event_state"] = make_event(state=EventState.CLOSED).id
    # 10:00 to 13:00 in Taipei: programme times are whole minutes.
    starts = datetime(2031, 5, 20, 2, 0, tzinfo=UTC)
    staged, doomed = (_programme_event(starts) for _ in range(2))
    spare["programme_create"] = staged.id
    free = starts + timedelta(minutes=90)
    # A minute each, one after another, to the event's end.
    slots = [
        (
            programme.clock(staged, free + timedelta(minutes=n)),
            programme.clock(staged, free + timedelta(minutes=n + 1)),
        )
        for n in range(89, -1, -1)
    ]
    return {
        "spare": spare,
        "questions": _questions_of(staged),
        "doomed_questions": _questions_of(doomed),
        "staged": (staged.id, [item.id for item in staged.agenda]),
        "doomed": (doomed.id, [item.id for item in doomed.agenda]),
        "slots": slots,
    }


def _questions_of(event: Event) -> tuple[int, list[int]]:
    """Three questions of the event's own, nobody's answers: to change, move and delete."""
    made = [
        questions.add_question(
            event.id,
            questions.QuestionDetails(kind=QuestionKind.SHORT_TEXT, label_en=f"Question {n}"),
            "system",
        ).id
        for n in range(3)
    ]
    db.session.commit()
    return event.id, made


def _programme_event(starts: datetime) -> Event:
    """An event from `starts` for three hours, whose first 80 minutes hold three sessions."""
    staged = make_event(
        timezone="Asia/Taipei",
        doors_open_at=starts - timedelta(minutes=30),
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
    )
    for n in range(3):
        programme.add_item(
            staged.id,
            programme.ItemDetails(
                kind=AgendaKind.SESSION,
                starts=programme.clock(staged, starts + timedelta(minutes=30 * n)),
                ends=programme.clock(staged, starts + timedelta(minutes=30 * n + 20)),
                title_en=f"Session {n}",
            ),
            "system",
            [programme.PersonDetails(role=PersonRole.SPEAKER, name_en=f"Speaker {n}")],
        )
    db.session.commit()
    return staged


def _valid_organizer_write(name: str, body: dict, seed: dict) -> None:
    """Values the generator would seldom make valid for the editor, made so (the other fields
    stay as generated): an unused address, times in order, a free time on the programme."""
    if name in ("companion_create", "companion_update"):
        # A name of one line that nobody with the guest has yet.
        body["name_en"] = f"Aide {uuid.uuid4().hex[:8]}"
        body.pop("name_zh", None)
    if name == "event_create":
        starts = datetime(2031, 5, 20, 1, 0, tzinfo=UTC)
        body.update(
            slug=f"api-{uuid.uuid4().hex[:20]}",
            title_en=body.get("title_en") or "API forum",
            venue_en=body.get("venue_en") or "Hall",
            timezone="Asia/Taipei",
            doors_open_at=(starts - timedelta(minutes=30)).isoformat(),
            starts_at=starts.isoformat(),
            ends_at=(starts + timedelta(hours=3)).isoformat(),
            rsvp_deadline=(starts - timedelta(days=3)).isoformat(),
            capacity=100,
            held_seats=0,
        )
    if name in ("event_create", "event_update"):
        for field in ("contact_email", "mail_reply_to", "map_url", "contact_phone", "version"):
            body.pop(field, None)
    if name == "event_update":
        for field in ("slug", "timezone", "doors_open_at", "starts_at", "ends_at"):
            body.pop(field, None)
        body.pop("rsvp_deadline", None)
        body.pop("held_seats", None)
    if name == "event_copy":
        body.update(slug=f"copy-{uuid.uuid4().hex[:20]}", date="2031-06-10")
    if name in ("programme_create", "programme_update"):
        if name == "programme_create" or "starts" in body or "ends" in body:
            body["starts"], body["ends"] = seed["slots"].pop() if seed["slots"] else ("", "")
        if name == "programme_create" or "title_en" in body:
            body["title_en"] = body.get("title_en") or "Session"
        for person in body.get("people") or []:
            if isinstance(person, dict):
                person["name_en"] = person.get("name_en") or "Speaker"
    if name in ("request_approve", "request_decline"):
        # The version the generator makes up is seldom the request's.
        body.pop("version", None)
        if "reason" in body:
            body["reason"] = "Not this time."
    if name == "guest_deputy":
        # An address not on the list yet and a plain name, as for a new guest.
        body.update(email=f"api-{uuid.uuid4().hex}@example.org", name_en="Deputy")
        for field in ("name_zh", "organization", "title"):
            body.pop(field, None)
    if name == "pickup_update":
        # The version the generator makes up is seldom the travel's; a name of one line.
        body.pop("version", None)
        body["driver"] = f"Car {uuid.uuid4().hex[:4]}"
        body.pop("driver_phone", None)
    if name in ("question_create", "question_update"):
        # A question the editor takes: worded, of a kind with its choices or numbers in order.
        if name == "question_create" or "label_en" in body:
            # Worded anew each time: the same wording twice is a double submit, refused.
            body["label_en"] = f"Question {uuid.uuid4().hex[:8]}"
        for field in ("label_zh", "help_en", "help_zh"):
            body.pop(field, None)
        if name == "question_update":
            # The questions made are short texts: a new kind would need new choices.
            body.pop("kind", None)
            body.pop("choices", None)
        elif body.get("kind") in ("one_choice", "several_choices"):
            body["choices"] = [{"key": "a", "en": "A"}, {"key": "b", "en": "B"}]
        else:
            body.pop("choices", None)
        body.pop("number_min", None)
        body.pop("number_max", None)
    if name == "question_move":
        body["position"] = 1 + (body.get("position") or 0) % 3
        body.pop("from_position", None)
    if name == "programme_move":
        # A place on a programme of a few items, from wherever the item is.
        body["position"] = 1 + (body.get("position") or 0) % 3
        body.pop("from_position", None)


@dataclass
class DoorApi:
    schema: schemathesis.BaseSchema
    seed: dict
    # (client, the headers that authenticate it) of door staff's and an organizer's sessions
    # (their CSRF token), and of an organizer's door and read API tokens
    sessions: list[tuple]

    def operation(self, operation_id: str):
        for result in self.schema.get_all_operations():
            if result.ok().definition.raw["operationId"] == operation_id:
                return result.ok()
        raise KeyError(operation_id)


@pytest.fixture
def door_api(app) -> DoorApi:
    app.config["WTF_CSRF_ENABLED"] = True
    seed = _seed()
    seed.update(_events_to_write())
    seed.update(_requests_to_decide(seed["event"]))
    seed.update(_companions_seed(seed["event"]))
    seed.update(_travel_seed(seed["event"]))
    sessions = [
        _log_in(app, "door@example.org", Role.DOOR, seed["event"]),
        _log_in(app, "organizer@example.org", Role.ORGANIZER, seed["event"]),
    ]
    sessions += [_with_token(app, role, seed["event"]) for role in (ApiRole.DOOR, ApiRole.READ)]
    # The session and the CSRF token are the real ones, never generated.
    # A body over the document's limits (too many guests at once) is refused as too large (413),
    # as the document says, which schemathesis's negative check does not count among refusals.
    rejected = [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"]
    config = schemathesis.Config.from_dict(
        {
            "generation": {"with-security-parameters": False},
            "checks": {"negative_data_rejection": {"expected-statuses": rejected}},
        }
    )
    return DoorApi(schemathesis.openapi.from_wsgi(DOCUMENT, app, config=config), seed, sessions)


@pytest.mark.parametrize("group", GROUPS)
def test_api_answers_as_documented(door_api, group):
    schema, seed, sessions = door_api.schema, door_api.seed, door_api.sessions
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.definition.raw["operationId"] for op in operations} == set(EXAMPLES)
    # Every operation is in one group.
    assert sorted(name for names in GROUPS.values() for name in names) == sorted(EXAMPLES)
    operations = [op for op in operations if op.definition.raw["operationId"] in GROUPS[group]]
    # (operation, status, verdict or error code) of every answer
    badges = itertools.cycle(seed["codes"])
    answers: list[tuple[str, int, str | None]] = []
    # (Authorization header, status, verdict or error code) of the requests made with a token
    by_token: list[tuple[str, int, str | None]] = []

    for operation in operations:
        name = operation.definition.raw["operationId"]
        if name in ("waitlist_promote", "waitlist_move"):
            # The door and the capacity's changes before may have emptied the waitlist.
            seed["waitlisted"] = _waitlisted(seed["event"], free=3 if "promote" in name else 0)
        fields = _body_fields(schema, operation)
        hostile = st.none()
        if fields:
            hostile |= st.sampled_from(fields).flatmap(
                lambda field: st.tuples(
                    st.just(field), st.sampled_from(HOSTILE.get(field, HOSTILE_TEXT))
                )
            )

        @settings(FUZZ, max_examples=EXAMPLES[name])
        @given(
            case=_cases(operation, seed),
            # Hypothesis draws the first caller most often: for what only an organizer may do,
            # the organizer's session, so that enough requests get past the access check.
            session=st.sampled_from(
                [sessions[1], sessions[0], *sessions[2:]] if name in ORGANIZERS_ONLY else sessions
            ),
            # One POST in eight goes without its CSRF token (a token request: without its token).
            with_token=st.sampled_from([True] * 7 + [False]),
            # Two scans in three read a real badge (of any guest, or of another event).
            code=st.sampled_from([True, True, False]),
            hostile=hostile,
        )
        def call(case, session, with_token, code, hostile):
            client, credentials = session
            name = case.operation.definition.raw["operationId"]
            positive = case.meta.generation.mode == GenerationMode.POSITIVE
            if name == "scan" and code and positive and isinstance(case.body, dict):
                # The badges in turn, so that every guest's state meets the door.
                case.body["code"] = next(badges)
            if name in ("walk_in", "guest_create") and positive and isinstance(case.body, dict):
                # A walk-in or a guest needs a name, which the generator seldom writes.
                case.body.setdefault("name_en", "Walk-in Guest")
            if name == "guest_update" and positive and isinstance(case.body, dict):
                # Text the generator writes is seldom an address or a name of one line.
                if "email" in case.body:
                    case.body["email"] = f"api-{uuid.uuid4().hex}@example.org"
                for field in ("name_en", "name_zh", "organization", "title"):
                    case.body.pop(field, None)
            if name == "guest_create" and positive and isinstance(case.body, dict):
                # An address not on the list yet, which the generator would seldom make.
                case.body["email"] = f"api-{uuid.uuid4().hex}@example.org"
            if name == "guest_bulk" and positive and isinstance(case.body, list):
                # New addresses and plain names: the generator's text is seldom either.
                for item in case.body:
                    if isinstance(item, dict):
                        item.update(email=f"api-{uuid.uuid4().hex}@example.org", name_en="Bulk")
                        for field in ("name_zh", "organization", "title", "category", "language"):
                            item.pop(field, None)
            if name == "guest_answer_update" and positive and isinstance(case.body, dict):
                if case.body.get("attending") is True:
                    # A channel every event offers.
                    case.body["channel"] = "floor"
                # The seeded event's guests choose no sessions: none to name.
                case.body.pop("sessions", None)
            if name == "let_in" and positive and isinstance(case.body, dict):
                if case.body.get("reason") == "other" and not case.body.get("reason_text"):
                    # "Other" needs the reason in words.
                    case.body["reason_text"] = "Known to the host"
            if name == "seats_update" and positive and isinstance(case.body, dict):
                # The generator's numbers are seldom a room's: more seats than guests confirmed.
                case.body["held_seats"] = (case.body.get("held_seats") or 0) % 100
                case.body["capacity"] = 500
            if name == "waitlist_move" and positive and isinstance(case.body, dict):
                # A place on a waitlist of a few guests, from wherever the guest is.
                case.body["position"] = 1 + (case.body.get("position") or 0) % 4
                case.body.pop("from_position", None)
            if name in EVENT_WRITES and positive and isinstance(case.body, dict):
                _valid_organizer_write(name, case.body, seed)
            if name == "programme_notice" and positive and isinstance(case.body, dict):
                # Changes to decide on (guests know of an item taken off since), named as the
                # changes' reading names them.
                event = db.session.get(Event, seed["event"])
                if not told.pending(event).changes:
                    moment = event.starts_at.isoformat()
                    gone = {"title_en": "Gone", "title_zh": "", "starts_at": moment}
                    event.programme_told = [{"id": 0, **gone, "ends_at": moment}]
                    db.session.commit()
                case.body["seen"] = told.pending(event).fingerprint
            if case.headers and "Idempotency-Key" in case.headers:
                # A key of this case's own: the generator's short keys would meet each other.
                case.headers["Idempotency-Key"] = uuid.uuid4().hex
            if hostile and positive and isinstance(case.body, dict):
                # Schemathesis sees the change and judges anew whether the case is valid.
                case.body[hostile[0]] = hostile[1]
            headers = credentials if with_token else {}
            response = case.call_and_validate(session=client, headers=headers, checks=CHECKS)
            # An export answers with its file (CSV or Excel), every error with JSON.
            content_type = response.headers.get("content-type", [""])[0]
            is_json = content_type.startswith("application/json")
            body = response.json() if is_json else {}
            detail = body.get("verdict") if response.status_code == 200 else body["error"]["code"]
            answers.append((name, response.status_code, detail))
            if "Authorization" in credentials:
                by_token.append((credentials["Authorization"], response.status_code, detail))

        if name == "walk_in":
            # The door's let-ins before it may have taken every free seat: walk-ins need some.
            db.session.execute(
                sa.update(Event)
                .where(Event.id == seed["event"])
                .values(capacity=Event.capacity + 4)
            )
            db.session.commit()
        call()

    # The requests went past the door: every operation answered, most verdicts were given and
    # the refusals were of every kind, not one error for everything.
    assert {name for name, status, _ in answers if status == 200} == GROUPS[group]
    if "scan" in GROUPS[group]:
        wanted = {"ok", "already_checked_in", "declined", "revoked", "wrong_event", "invalid"}
        assert wanted <= {detail for _, status, detail in answers if status == 200}
    refusals = {detail for _, status, detail in answers if status >= 400}
    assert {"bad_request", "csrf_failed", "forbidden", "not_found"} <= refusals
    # The tokens went past the door too: the door token's requests answered, the read token's
    # POSTs refused, and a request that left its token out was a 401.
    door, read = (s[1]["Authorization"] for s in sessions[2:])
    assert any(header == door and status == 200 for header, status, _ in by_token)
    assert any(header == read and detail == "forbidden" for header, _, detail in by_token)
    assert any(detail == "unauthorized" for _, _, detail in by_token)


def _valid(validator, body: dict) -> bool:
    try:
        return validator.is_valid(body)
    except UnicodeEncodeError:
        return False  # a lone surrogate: a JSON string, but no text


@pytest.mark.parametrize(
    "operation_id",
    ["scan", "check_in_by_name", "admit_unanswered", "let_in", "walk_in", "receiver"],
)
def test_every_hostile_value_in_every_field_is_answered_as_documented(door_api, operation_id):
    """Each value of HOSTILE in each field of a body, for a guest who is inside: refused with a
    400 when the document calls the body invalid, and never a server error."""
    operation = door_api.operation(operation_id)
    document = door_api.schema.raw_schema
    request_schema = operation.definition.raw["requestBody"]["content"]["application/json"]
    valid = jsonschema_rs.Draft202012Validator(
        {**request_schema["schema"], "components": document["components"]}
    )
    client, credentials = door_api.sessions[1]
    seed = door_api.seed
    path = {"event_id": seed["event"], "guest_id": seed["checked_in"][0]}
    if operation_id in ("scan", "walk_in"):
        path = {"event_id": seed["event"]}

    for field in _body_fields(door_api.schema, operation):
        for value in HOSTILE.get(field, HOSTILE_TEXT):
            body = {field: value}
            case = operation.Case(path_parameters=path, body=body, media_type="application/json")
            response = case.call_and_validate(session=client, headers=credentials, checks=CHECKS)
            if not _valid(valid, body):
                assert response.status_code == 400, (body, response.text)
            elif value == "2026-03-01t13:10:00z":
                assert response.status_code == 200, (body, response.text)
