"""The OpenAPI 3.1 document of the JSON API v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from functools import cache
from typing import cast, get_args

from flask import Blueprint, Response, current_app, jsonify

from ...models import Category, Channel
from ...numbers import MAX_ID
from ...services import checkin, event_pages, exports, guests, idempotency
from ..errors import CSRF_FAILED, DATABASE_UNAVAILABLE, ERROR_CODES
from . import exports as api_exports
from . import schemas
from .events import NOTIFY_REQUIRED

CSRF_HEADER = "X-CSRFToken"


# A part of the document: a JSON object.
Json = dict[str, object]


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


_ID = {"type": "integer", "minimum": 0, "maximum": MAX_ID}

_PARAMETERS = {
    "event_id": {
        "name": "event_id",
        "in": "path",
        "required": True,
        "description": "The event's id.",
        "schema": _ID,
    },
    "idempotency_key": {
        "name": idempotency.HEADER,
        "in": "header",
        "required": False,
        "description": "Any string of 1 to 255 printable ASCII characters, new for each "
        "creation (e.g. a UUID). A retry with the same key and the same request within 24 hours "
        "gets the first answer again (with `Idempotent-Replayed: true`) and creates nothing; "
        "the same key with another request is refused (409 `idempotency_key_reused`). Kept per "
        "caller (API token, account or door link); an error answer is not kept.",
        "schema": {"type": "string", "pattern": "^[ -~]{1,255}$"},
    },
    "guest_id": {
        "name": "guest_id",
        "in": "path",
        "required": True,
        "description": "The guest's id; the guest must be invited to this event.",
        "schema": _ID,
    },
}


def _error(status: int, description: str, codes: tuple[str, ...] = ()) -> Json:
    codes = (ERROR_CODES[status], *codes)
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [
                        _ref("schemas", "Error"),
                        {"properties": {"error": {"properties": {"code": {"enum": list(codes)}}}}},
                    ]
                }
            }
        },
    }


_RESPONSES = {
    "BadRequest": _error(
        400,
        "The request was refused, and nothing was saved: a body that is not a JSON object, "
        "has a field the operation does not take (`additionalProperties: false`; the message "
        "names it), or a value of a wrong type or past its stated limit (`maxLength`, "
        "`maxItems`, `minimum`, `maximum`; the message names the field and the limit); a NUL "
        "character in the query; or (`csrf_failed`) a missing or stale CSRF token.",
        (CSRF_FAILED,),
    ),
    "Unauthorized": _error(
        401,
        "Not logged in as door staff or an organizer, and no door link for this event; or an "
        "API token that is not valid, has expired or was revoked, or whose account is "
        "disabled (the `WWW-Authenticate: Bearer` header says so).",
    ),
    "Forbidden": _error(
        403,
        "Signed in, but not on this event's team (as its door staff or an organizer); an API "
        "token not made for this event, or a read-only token sending a POST; an override of a "
        "full room by someone who is not the event's organizer (of tokens: an organizer "
        "token's only); or letting in a guest who never answered at an event that sends them "
        "to the desk.",
    ),
    "NotFound": _error(404, "No such event, or no such guest at this event."),
    "Conflict": _error(
        409,
        "Refused, and nothing was saved: no seat is free or the room is full (send the guest "
        "to the desk), or the guest has answered already or their invitation was withdrawn; "
        "an entry at the door of an event that was cancelled or is archived; "
        f"or (`{idempotency.REUSED}`) the Idempotency-Key sent was used in the last 24 hours "
        "for another request of this caller (another body or address).",
        (idempotency.REUSED,),
    ),
    "Gone": _error(410, "The volunteer's door link has expired or been withdrawn."),
    "TooManyRequests": _error(
        429, "Too many scans from this door, or requests with this API token, in a minute."
    ),
    "Busy": _error(
        503,
        "Send the same request again in a moment (a scan with the same nonce: it is never "
        "recorded twice): another door held the event a moment too long (`busy`), or the "
        "database cannot be reached, e.g. while it restarts (`database_unavailable`).",
        (DATABASE_UNAVAILABLE,),
    ),
}


def _json(schema_name: str, description: str) -> Json:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref("schemas", schema_name)}},
    }


_RESPONSE_STATUS = {
    "BadRequest": "400",
    "Unauthorized": "401",
    "Forbidden": "403",
    "NotFound": "404",
    "Conflict": "409",
    "Gone": "410",
    "TooLarge": "413",
    "TooManyRequests": "429",
    "Busy": "503",
}


# What a read of the event's data may answer besides its 200.
_READ_ERRORS = ("BadRequest", "Unauthorized", "Forbidden", "NotFound", "Gone", "TooManyRequests")


def _responses(ok: Json, *errors: str) -> Json:
    return {"200": ok, **{_RESPONSE_STATUS[name]: _ref("responses", name) for name in errors}}


# A browser's session (with its CSRF token on a POST), or an API token (web/api/bearer.py).
_DOOR: list[dict[str, list[str]]] = [{"session": []}, {"bearer": []}]
_DOOR_POST: list[dict[str, list[str]]] = [{"session": [], "csrf": []}, {"bearer": []}]
_EVENT = [_ref("parameters", "event_id")]
_GUEST = [*_EVENT, _ref("parameters", "guest_id")]


def _body(schema_name: str) -> Json:
    return {
        "required": True,
        "content": {"application/json": {"schema": _ref("schemas", schema_name)}},
    }


# A scan and a check-in by name answer alike.
_SCAN_RESPONSES = _responses(
    _json("ScanResult", "The verdict."),
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "Conflict",
    "Gone",
    "TooLarge",
    "TooManyRequests",
    "Busy",
)

# The door's actions that take a seat (letting in, walk-ins) may also be refused with 409.
_SEATING_ERRORS = (
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "Conflict",
    "Gone",
    "TooLarge",
    "TooManyRequests",
    "Busy",
)

# The filters and pages of what the door recorded (scans, check-ins).
_DOOR_RECORD_FILTERS: list[Json] = [
    {
        "name": "gate",
        "in": "query",
        "required": False,
        "description": "A door's name, exactly; empty: every one.",
        "schema": {"type": "string", "maxLength": checkin.MAX_GATE},
    },
    {
        "name": "since",
        "in": "query",
        "required": False,
        "description": "Only what was recorded at or after this time (with a zone).",
        "schema": {"type": "string", "format": "date-time", "maxLength": schemas.MAX_MOMENT},
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": "Items on a page (50 by default).",
        "schema": {"type": "integer", "minimum": 1, "maximum": event_pages.MAX_PAGE},
    },
    {
        "name": "cursor",
        "in": "query",
        "required": False,
        "description": "The `next` of the page before; none for the first page.",
        "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,8}$"},
    },
]

_PATHS = {
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "security": [],
            "responses": {
                "200": {
                    "description": "The OpenAPI document of this API.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "400": _ref("responses", "BadRequest"),
            },
        }
    },
    "/events/{event_id}/scans": {
        "post": {
            "operationId": "scan",
            "summary": "Decide, record and answer one reading of a badge",
            "description": "Every scan is kept with its verdict, the refused ones too.",
            "security": _DOOR_POST,
            "parameters": _EVENT,
            "requestBody": _body("ScanRequest"),
            "responses": _SCAN_RESPONSES,
        }
    },
    "/events/{event_id}/guests/{guest_id}/check-in": {
        "post": {
            "operationId": "check_in_by_name",
            "summary": "Check in a guest found by name",
            "description": "For a lost badge: the same verdicts as a scan of the guest's "
            "current badge, and an audit entry.",
            "security": _DOOR_POST,
            "parameters": _GUEST,
            "requestBody": _body("CheckInRequest"),
            "responses": _SCAN_RESPONSES,
        }
    },
    "/events/{event_id}/guests/{guest_id}/admit-unanswered": {
        "post": {
            "operationId": "admit_unanswered",
            "summary": "Let in a guest who never answered",
            "description": "After a `no_answer` whose `no_answer.policy` is `let_in`: in one "
            "transaction, the guest's answer is recorded as given at the door (attending, on "
            "`channel`), a free seat is confirmed for them and they are checked in (verdict "
            "`ok`), all audited. Never past the room's capacity and never onto the waitlist: "
            "with no seat free it is refused (409). Refused with 403 when the event sends such "
            "guests to the desk (`desk`).",
            "security": _DOOR_POST,
            "parameters": _GUEST,
            "requestBody": _body("AdmitRequest"),
            "responses": _responses(
                _json("ScanResult", "The guest checked in: the verdict `ok`."),
                *_SEATING_ERRORS,
            ),
        }
    },
    "/events/{event_id}/guests/{guest_id}/let-in": {
        "post": {
            "operationId": "let_in",
            "summary": "A door lead lets in a guest the door refused",
            "description": "For organizers and door leads of the event (403 for other door "
            "staff and for door links). After any refusal but `invalid` and `wrong_event`: a "
            "guest without a confirmed seat first takes a free one through the seat service "
            "(409 when none is free; a no or no answer is recorded as attending, given at the "
            "door); a full room is passed only with `over_capacity` (409 otherwise). Checked in "
            "(verdict `ok`) and audited with the reason, in one transaction.",
            "security": _DOOR_POST,
            "parameters": _GUEST,
            "requestBody": _body("LetInRequest"),
            "responses": _responses(
                _json("ScanResult", "The guest checked in: the verdict `ok`."),
                *_SEATING_ERRORS,
            ),
        }
    },
    "/events/{event_id}/walk-ins": {
        "post": {
            "operationId": "walk_in",
            "summary": "Register a walk-in at the door",
            "description": "Where the event takes walk-ins (403 otherwise) and while it is open "
            "or closed to answers (409 otherwise): the person becomes a guest marked as a "
            "walk-in, takes a free seat under the event lock (409 when the room is full, "
            "writing nothing), is checked in and gets a badge.",
            "security": _DOOR_POST,
            "parameters": [*_EVENT, _ref("parameters", "idempotency_key")],
            "requestBody": _body("WalkInRequest"),
            "responses": _responses(
                _json("WalkInResult", "The walk-in, checked in, and their badge."),
                *_SEATING_ERRORS,
            ),
        }
    },
    "/events/{event_id}/guests/{guest_id}/receiver": {
        "post": {
            "operationId": "receiver",
            "summary": "Note a receiver handed out, or given back",
            "description": "Handing one out needs a checked-in guest (400 otherwise); giving "
            "one back, a guest who was checked in (404 otherwise).",
            "security": _DOOR_POST,
            "parameters": _GUEST,
            "requestBody": _body("ReceiverRequest"),
            "responses": _responses(
                _json("Receiver", "The guest's receiver now."),
                "BadRequest",
                "Unauthorized",
                "Forbidden",
                "NotFound",
                "Gone",
                "TooLarge",
                "Busy",
            ),
        }
    },
    "/events": {
        "get": {
            "operationId": "events",
            "summary": "The events the caller may read, a page at a time",
            "description": "By id, the oldest first: a token's events (those its account is "
            "still on the team of), or a signed-in account's (every event for an "
            "administrator). Pass a page's `next` as `cursor` for the one after it.",
            "security": _DOOR,
            "parameters": [
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "description": "Events on a page (50 by default).",
                    "schema": {"type": "integer", "minimum": 1, "maximum": event_pages.MAX_PAGE},
                },
                {
                    "name": "cursor",
                    "in": "query",
                    "required": False,
                    "description": "The `next` of the page before; none for the first page.",
                    "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,8}$"},
                },
            ],
            "responses": _responses(
                _json("EventPage", "A page of events."),
                "BadRequest",
                "Unauthorized",
                "TooManyRequests",
            ),
        }
    },
    "/events/{event_id}": {
        "get": {
            "operationId": "event",
            "summary": "One event: its slug, titles, state, times, place and capacity",
            "security": _DOOR,
            "parameters": _EVENT,
            "responses": _responses(
                _json("EventSummary", "The event."),
                *_READ_ERRORS,
            ),
        }
    },
    "/events/{event_id}/occupancy": {
        "get": {
            "operationId": "occupancy",
            "summary": "How many guests are inside, and the room's capacity",
            "description": "In an event whose guests choose sessions, `sessions` gives each "
            "session's confirmed seats, the guests counted for it and its receivers.",
            "security": _DOOR,
            "parameters": _EVENT,
            "responses": _responses(
                _json("RoomOccupancy", "The count inside now, and each session's figures."),
                "BadRequest",
                "Unauthorized",
                "Forbidden",
                "NotFound",
                "Gone",
            ),
        }
    },
    "/events/{event_id}/guests": {
        "get": {
            "operationId": "guest_list",
            "summary": "The guest list, as the console's: search, filters, order, pages",
            "description": "For the event's organizers (a token of any role made by one, or "
            "an organizer's session). A parameter not listed, or a value not understood, is "
            "refused by name (400).",
            "security": _DOOR,
            "parameters": [
                *_EVENT,
                {
                    "name": "q",
                    "in": "query",
                    "required": False,
                    "description": "Words found in a name (either script), an organization or "
                    "an e-mail; every word must be found.",
                    "schema": {"type": "string", "maxLength": 200},
                },
                {
                    "name": "state",
                    "in": "query",
                    "required": False,
                    "schema": {
                        "type": "string",
                        "enum": ["", *(s.value for s in guests.GuestState)],
                    },
                },
                {
                    "name": "category",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "enum": ["", *(c.value for c in Category)]},
                },
                {
                    "name": "channel",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "enum": ["", *(c.value for c in Channel)]},
                },
                {
                    "name": "sort",
                    "in": "query",
                    "required": False,
                    "description": "name by default; `-` first for the other way round. An "
                    "empty filter or order is the same as none.",
                    "schema": {"type": "string", "enum": ["", *guests.SORT_LABELS]},
                },
                {
                    "name": "page",
                    "in": "query",
                    "required": False,
                    "description": "A page's `next`; past the last page, no items.",
                    "schema": {"type": "string", "pattern": "^([1-9][0-9]{0,5})?$"},
                },
                {
                    "name": "session",
                    "in": "query",
                    "required": False,
                    "description": "In an event whose guests choose sessions: the guests who "
                    "chose the session with this id (…/programme), or with `:confirmed` or "
                    "`:waitlisted` after it, those confirmed or waitlisted in it. A session "
                    "guests of this event do not choose is refused (400).",
                    "schema": {
                        "type": "string",
                        "pattern": "^([1-9][0-9]{0,8}(:(confirmed|waitlisted))?)?$",
                    },
                },
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "description": "Guests on a page (50 by default); the same on every page "
                    "of one walk through the list.",
                    "schema": {"type": "integer", "minimum": 1, "maximum": event_pages.MAX_PAGE},
                },
            ],
            "responses": _responses(
                _json("GuestPage", "A page of guests."),
                *_READ_ERRORS,
            ),
        },
        "post": {
            "operationId": "guest_create",
            "summary": "Put a guest on the list (not invited yet)",
            "description": "For an organizer token of the event, or an organizer's session with "
            "its CSRF token; the console's rules (a name in either script, a valid e-mail not "
            "on the list yet: 409 otherwise). A field not listed is refused by name.",
            "security": _DOOR_POST,
            "parameters": [*_EVENT, _ref("parameters", "idempotency_key")],
            "requestBody": _body("GuestRequest"),
            "responses": _responses(
                _json("GuestItem", "The guest, on the list."), *_SEATING_ERRORS
            ),
        },
    },
    "/events/{event_id}/guests/{guest_id}/{action}": {
        "post": {
            "operationId": "guest_action",
            "summary": "Revoke the invitation, issue a new link, or erase the personal data",
            "description": "For an organizer token of the event, or an organizer's session with "
            "its CSRF token. `revoke`: every link and the badge die, a held seat goes to the "
            "waitlist (again: no change); `rotate`: a new link, every earlier one dead, the "
            "answer and seat kept (answers a GuestLink); `erase`: the guest's personal data "
            "goes, the entry stays for the counts (409 when already erased).",
            "security": _DOOR_POST,
            "parameters": [
                *_GUEST,
                {
                    "name": "action",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": ["revoke", "rotate", "erase"]},
                },
            ],
            "responses": _responses(
                {
                    "description": "The guest after the action, or (rotate) the new link.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "anyOf": [
                                    _ref("schemas", "GuestItem"),
                                    _ref("schemas", "GuestLink"),
                                ]
                            }
                        }
                    },
                },
                *_SEATING_ERRORS,
            ),
        }
    },
    "/events/{event_id}/guests/{guest_id}": {
        "get": {
            "operationId": "guest",
            "summary": "One guest of the event, as the guest list shows them",
            "security": _DOOR,
            "parameters": _GUEST,
            "responses": _responses(
                _json("GuestItem", "The guest."),
                *_READ_ERRORS,
            ),
        },
        "patch": {
            "operationId": "guest_update",
            "summary": "Change a guest's details (the fields sent; the others stay)",
            "description": "For an organizer token of the event, or an organizer's session with "
            "its CSRF token; the console's rules (409: the address is another guest's, or the "
            "guest's data was erased). A field not listed is refused by name.",
            "security": _DOOR_POST,
            "parameters": _GUEST,
            "requestBody": _body("GuestChangeRequest"),
            "responses": _responses(_json("GuestItem", "The guest, changed."), *_SEATING_ERRORS),
        },
    },
    "/events/{event_id}/door-search": {
        "get": {
            "operationId": "search",
            "summary": "Find guests by name, organization or e-mail",
            "security": _DOOR,
            "parameters": [
                *_EVENT,
                {
                    "name": "q",
                    "in": "query",
                    "required": False,
                    "description": "Part of a name (either script), an organization or an "
                    f"e-mail; only its first {checkin.MAX_QUERY} characters are used. "
                    "Empty finds nobody.",
                    "schema": {"type": "string"},
                },
            ],
            "responses": _responses(
                _json("GuestList", f"At most {checkin.SEARCH_LIMIT} guests, by name."),
                "BadRequest",
                "Unauthorized",
                "Forbidden",
                "NotFound",
                "Gone",
            ),
        }
    },
    "/events/{event_id}/door-list": {
        "get": {
            "operationId": "door_list",
            "summary": "Every guest as the door needs them offline: names, badge version, state",
            "description": "A scanner keeps this list while signed in and refreshes it while "
            "online, sending the last `ETag` in `If-None-Match`; offline it names the guest "
            "of a badge and refuses a withdrawn or replaced one. Provisional: the scan, once "
            "synced, gets the server's verdict. Not to be kept after the event's end.",
            "security": _DOOR,
            "parameters": _EVENT,
            "responses": {
                **_responses(
                    _json("DoorListAnswer", "The list, with its version as the ETag."),
                    "BadRequest",
                    "Unauthorized",
                    "Forbidden",
                    "NotFound",
                    "Gone",
                ),
                "304": {"description": "The list has not changed since the ETag sent."},
            },
        }
    },
    "/events/{event_id}/guests/bulk": {
        "post": {
            "operationId": "guest_bulk",
            "summary": "Add and change guests from a list, all of them or none",
            "description": "For an organizer token of the event, or an organizer's session with "
            "its CSRF token. The CSV import's rules (the console's Import page), from a JSON "
            "array of objects whose fields are the import's columns: a guest is matched by "
            "e-mail within the event, added when new, changed when a field sent differs (a "
            "field left out or empty keeps the stored value); an e-mail sent twice, a missing "
            "name, a text too long, an unknown category: every guest in error is named in "
            "`error.rows` (by its index in the list, from 0) and nothing is saved (400). At "
            f"most {schemas.MAX_BULK:,} guests (413 `too_large` beyond, and for a body over "
            "2 MB); an unknown field is refused by name. New guests are on the list, not "
            "invited yet. One audit entry for the list (with the counts) and one per guest "
            "added or changed, with the caller as the actor.",
            "security": _DOOR_POST,
            "parameters": [*_EVENT, _ref("parameters", "idempotency_key")],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "array",
                            "items": _ref("schemas", "BulkGuest"),
                            "minItems": 1,
                            "maxItems": schemas.MAX_BULK,
                        }
                    }
                },
            },
            "responses": {
                **_responses(
                    _json("BulkResult", "Every guest sent, with its id and what was done."),
                    *_SEATING_ERRORS,
                ),
                "400": {
                    "description": "Refused, and nothing was saved: the body is not a JSON "
                    "array of objects, or (with `rows`) guests in it have errors, or "
                    "(`csrf_failed`) a missing or stale CSRF token.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "allOf": [
                                    _ref("schemas", "BulkError"),
                                    {
                                        "properties": {
                                            "error": {
                                                "properties": {
                                                    "code": {
                                                        "enum": [ERROR_CODES[400], CSRF_FAILED]
                                                    }
                                                }
                                            }
                                        }
                                    },
                                ]
                            }
                        }
                    },
                },
            },
        }
    },
    "/events/{event_id}/guests/{guest_id}/answer": {
        "get": {
            "operationId": "guest_answer",
            "summary": "The guest's answer: attending, channel, needs, note, seat, waitlist place",
            "description": "For the event's organizers (a token of any role made by one, or "
            "an organizer's session).",
            "security": _DOOR,
            "parameters": _GUEST,
            "responses": _responses(
                _json("GuestAnswer", "The answer, or `answered` false."),
                *_READ_ERRORS,
            ),
        },
        "put": {
            "operationId": "guest_answer_update",
            "summary": "Answer on the guest's behalf (told by phone, say)",
            "description": "For an organizer token of the event, or an organizer's session with "
            "its CSRF token; the console's Answer for the guest: the reply deadline does not "
            "bind it, a yes takes a free seat or a place on the waitlist, a no gives the seat "
            "back, and the guest is told by e-mail; audited with the caller as the one who "
            "answered. Refused (409) for a guest whose invitation is revoked or whose data "
            "was erased; a channel the event does not offer: 400. A field not listed is "
            "refused by name.",
            "security": _DOOR_POST,
            "parameters": _GUEST,
            "requestBody": _body("AnswerRequest"),
            "responses": _responses(
                _json("GuestAnswer", "The answer now, and the seat it holds."),
                *_SEATING_ERRORS,
            ),
        },
    },
    "/events/{event_id}/seats": {
        "get": {
            "operationId": "seats",
            "summary": "The seat counts: capacity, held, confirmed, waitlisted, free",
            "description": "For the event's organizers (a token of any role made by one, or "
            "an organizer's session).",
            "security": _DOOR,
            "parameters": _EVENT,
            "responses": _responses(
                _json("SeatCounts", "The counts now."),
                *_READ_ERRORS,
            ),
        },
        "patch": {
            "operationId": "seats_update",
            "summary": "Set the room's capacity, the seats held back and the held seats",
            "description": "For an organizer token of the event, or an organizer's session with "
            "its CSRF token; the console's rule: the fields sent, the others as they are; held "
            "seats at most the capacity (400), and never fewer seats left than guests confirmed "
            "(409). `category_holds` and `guest_holds` hold seats for categories and for named "
            "guests: together with `held_seats` at most the capacity, never fewer than their "
            "guests have taken, and only for guests of this event (409 or 400, nothing changed). "
            "Seats freed go to the first on the waitlist (a held seat to the first it is held "
            "for), who are told by e-mail. Refused (409) once the event is cancelled or archived.",
            "security": _DOOR_POST,
            "parameters": _EVENT,
            "requestBody": _body("CapacityRequest"),
            "responses": _responses(
                _json("SeatsChanged", "The counts after the change, and who was promoted."),
                *_SEATING_ERRORS,
            ),
        },
    },
    "/events/{event_id}/waitlist": {
        "get": {
            "operationId": "waitlist",
            "summary": "The waitlist in queue order, a page at a time",
            "description": "For the event's organizers (a token of any role made by one, or "
            "an organizer's session). Pass a page's `next` as `cursor` for the one after it.",
            "security": _DOOR,
            "parameters": [
                *_EVENT,
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "description": "Guests on a page (50 by default).",
                    "schema": {"type": "integer", "minimum": 1, "maximum": event_pages.MAX_PAGE},
                },
                {
                    "name": "cursor",
                    "in": "query",
                    "required": False,
                    "description": "The `next` of the page before; none for the first page.",
                    "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,8}$"},
                },
            ],
            "responses": _responses(
                _json("WaitlistPage", "A page of the waitlist."),
                *_READ_ERRORS,
            ),
        }
    },
    "/events/{event_id}/waitlist/{guest_id}/promote": {
        "post": {
            "operationId": "waitlist_promote",
            "summary": "Give a waitlisted guest a free seat now, ahead of the queue",
            "description": "For an organizer token of the event, or an organizer's session with "
            "its CSRF token. Never past capacity less held seats: with no seat free it is "
            "refused (409); so is a guest who is not on the waitlist. The guest is told by "
            "e-mail.",
            "security": _DOOR_POST,
            "parameters": _GUEST,
            "responses": _responses(_json("GuestItem", "The guest, confirmed."), *_SEATING_ERRORS),
        }
    },
    "/events/{event_id}/waitlist/{guest_id}/move": {
        "post": {
            "operationId": "waitlist_move",
            "summary": "Put a waitlisted guest at another place in the queue",
            "description": "For an organizer token of the event, or an organizer's session with "
            "its CSRF token. The others keep their order. A guest not on the waitlist, or not "
            "at `from_position` when it is sent, is refused (409), and nothing moves.",
            "security": _DOOR_POST,
            "parameters": _GUEST,
            "requestBody": _body("WaitlistMoveRequest"),
            "responses": _responses(
                _json("WaitlistMoved", "The guest's place now."), *_SEATING_ERRORS
            ),
        }
    },
    "/events/{event_id}/messages": {
        "get": {
            "operationId": "messages",
            "summary": "The event's messages to guests and their delivery states",
            "description": "For the event's organizers (a token of any role made by one, or "
            "an organizer's session). By id, the oldest first, 50 a page; an organizer's tests "
            "to their own address are left out. A parameter not listed, or a value not "
            "understood, is refused by name (400).",
            "security": _DOOR,
            "parameters": [
                *_EVENT,
                {
                    "name": "kind",
                    "in": "query",
                    "required": False,
                    "schema": {
                        "type": "string",
                        "enum": ["", *get_args(schemas.MessageKindName)],
                    },
                },
                {
                    "name": "state",
                    "in": "query",
                    "required": False,
                    "description": "The delivery state; empty: every one.",
                    "schema": {
                        "type": "string",
                        "enum": ["", *get_args(schemas.MessageStateName)],
                    },
                },
                {
                    "name": "guest_id",
                    "in": "query",
                    "required": False,
                    "description": "One guest's messages.",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                },
                {
                    "name": "limit",
                    "in": "query",
                    "required": False,
                    "description": "Messages on a page (50 by default).",
                    "schema": {"type": "integer", "minimum": 1, "maximum": event_pages.MAX_PAGE},
                },
                {
                    "name": "cursor",
                    "in": "query",
                    "required": False,
                    "description": "The `next` of the page before; none for the first page.",
                    "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,8}$"},
                },
            ],
            "responses": _responses(
                _json("MessagePage", "A page of messages."),
                *_READ_ERRORS,
            ),
        },
        "post": {
            "operationId": "messages_queue",
            "summary": "Queue invitations or reminders to a selection",
            "description": "For an organizer token of the event, or an organizer's session with "
            "its CSRF token; the console's rules: invitations while the event is open for "
            "replies, reminders to reply before the deadline, the reminder to confirmed guests "
            "before the event starts (400 otherwise); nobody gets a message twice that is "
            "still waiting to go out. Answers how many were queued (0: everyone selected has "
            "it already). The mail sender delivers them.",
            "security": _DOOR_POST,
            "parameters": [*_EVENT, _ref("parameters", "idempotency_key")],
            "requestBody": _body("MessagesRequest"),
            "responses": _responses(_json("MessagesQueued", "What was queued."), *_SEATING_ERRORS),
        },
    },
    "/events/{event_id}/scan-log": {
        "get": {
            "operationId": "scan_log",
            "summary": "Every scan of the event with its verdict, refused ones too",
            "description": "For the event's organizers (a token of any role made by one, or "
            "an organizer's session). By id, the oldest first, 50 a page. A parameter not "
            "listed, or a value not understood, is refused by name (400).",
            "security": _DOOR,
            "parameters": [
                *_EVENT,
                {
                    "name": "verdict",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "enum": ["", *get_args(schemas.VerdictName)]},
                },
                *_DOOR_RECORD_FILTERS,
            ],
            "responses": _responses(
                _json("ScanPage", "A page of scans."),
                *_READ_ERRORS,
            ),
        }
    },
    "/events/{event_id}/check-ins": {
        "get": {
            "operationId": "check_ins",
            "summary": "Every guest who came in: first entry, inside now, receiver",
            "description": "For the event's organizers (a token of any role made by one, or "
            "an organizer's session). In the order the guests first came in, 50 a page; "
            "`gate` is the gate of the first entry, `since` the last change (in, out, a "
            "receiver). A parameter not listed, or a value not understood, is refused by name.",
            "security": _DOOR,
            "parameters": [*_EVENT, *_DOOR_RECORD_FILTERS],
            "responses": _responses(
                _json("CheckInPage", "A page of check-ins."),
                *_READ_ERRORS,
            ),
        }
    },
    "/events/{event_id}/exports/{name}": {
        "get": {
            "operationId": "export_file",
            "summary": "The console's exports: guest list, check-in log, waitlist (CSV or Excel)",
            "description": "For the event's organizers (a token of any role made by one, or "
            "an organizer's session). The same file as the console's download, with its name "
            "in `Content-Disposition`: `guests` (every guest with the answer, seat, channel, "
            "needs and check-in), `checkins` (every scan, refused ones too), `waitlist` (next "
            "in line first); CSV in UTF-8 with a byte-order mark, or an Excel workbook.",
            "security": _DOOR,
            "parameters": [
                *_EVENT,
                {
                    "name": "name",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": list(api_exports.FILES)},
                },
                {
                    "name": "passports",
                    "in": "query",
                    "required": False,
                    "description": "`true`: the guest list with the passport details guests "
                    "gave for a visa invitation letter (name as in the passport, nationality, "
                    "number, date of birth). Never there otherwise; none once the event's "
                    "retention time for them is over.",
                    "schema": {"type": "string", "enum": ["true", "false"], "default": "false"},
                },
            ],
            "responses": _responses(
                {
                    "description": "The file.",
                    "content": {
                        exports.MIMETYPES["csv"].split(";")[0]: {"schema": {"type": "string"}},
                        exports.MIMETYPES["xlsx"]: {
                            "schema": {
                                "type": "string",
                                "contentMediaType": exports.MIMETYPES["xlsx"],
                            }
                        },
                    },
                },
                *_READ_ERRORS,
            ),
        }
    },
}


def _too_large(max_body: int | None) -> Json:
    limit = "" if max_body is None else f": {max_body:,} bytes (`MAX_CONTENT_LENGTH`)"
    return _error(
        413, f"The body is larger than the server accepts{limit}. Nothing was read or saved."
    )


# -- events and the programme, as organizers write them (web/api/events.py, programme.py) -----

_RESPONSES["EventConflict"] = _error(
    409,
    "Refused, and nothing was saved: the event is archived or cancelled, it was changed since "
    "the `version` sent (`conflict`), the step is not one its state allows, or the API token "
    f"names the most events a token may; (`{NOTIFY_REQUIRED}`) guests were invited and the "
    'change concerns what they were told: send it again with `"notify": true` or `false`; '
    f"or (`{idempotency.REUSED}`) the Idempotency-Key was used for another request.",
    (NOTIFY_REQUIRED, idempotency.REUSED),
)
_RESPONSE_STATUS["EventConflict"] = "409"
_ITEM = [*_EVENT, _ref("parameters", "item_id")]
_PARAMETERS["item_id"] = {
    "name": "item_id",
    "in": "path",
    "required": True,
    "description": "The programme item's id; the item must be on this event's programme.",
    "schema": _ID,
}
_EVENT_WRITE_ERRORS = (
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "EventConflict",
    "TooLarge",
    "TooManyRequests",
    "Busy",
)
_ORGANIZERS = (
    "For an organizer token of the event, or an organizer's session with its CSRF token. A "
    "field not listed is refused by name."
)
cast(Json, _PATHS["/events"])["post"] = {
    "operationId": "event_create",
    "summary": "Create an event, as a draft",
    "description": "For an organizer token of an account that may create events in the "
    "console (an administrator, or an organizer of some event), or such an account's session "
    "with its CSRF token; the account becomes the new event's organizer and the event one of "
    "the token's events (409 when the token names 50 already). The event editor's rules: "
    "every field that breaks one is named (400). Guests cannot answer until it is opened.",
    "security": _DOOR_POST,
    "parameters": [_ref("parameters", "idempotency_key")],
    "requestBody": _body("EventRequest"),
    "responses": _responses(
        _json("EventItem", "The new event."),
        "BadRequest",
        "Unauthorized",
        "Forbidden",
        "EventConflict",
        "TooLarge",
        "TooManyRequests",
        "Busy",
    ),
}
cast(Json, _PATHS["/events/{event_id}"])["patch"] = {
    "operationId": "event_update",
    "summary": "Change an event's details (the fields sent; the others stay)",
    "description": f"{_ORGANIZERS} The event editor's rules and its change notices: after "
    "invitations went out, a change of the times, venue, room or address needs `notify` "
    f"(409 `{NOTIFY_REQUIRED}` otherwise, naming the fields and how many guests would be "
    "told); with `version`, a change made meanwhile by someone else is not overwritten (409).",
    "security": _DOOR_POST,
    "parameters": _EVENT,
    "requestBody": _body("EventChangeRequest"),
    "responses": _responses(_json("EventItem", "The event, changed."), *_EVENT_WRITE_ERRORS),
}
_PATHS.update(
    {
        "/events/{event_id}/copy": {
            "post": {
                "operationId": "event_copy",
                "summary": "Copy the event to another day, as a new draft",
                "description": f"{_ORGANIZERS} As `flask event copy` and the console: the "
                "details and the programme, every time moved by the same number of days on the "
                "event's clocks; no guests, answers or door links. The copy joins the token's "
                "events, as a new event does.",
                "security": _DOOR_POST,
                "parameters": [*_EVENT, _ref("parameters", "idempotency_key")],
                "requestBody": _body("EventCopyRequest"),
                "responses": _responses(_json("EventItem", "The new event."), *_EVENT_WRITE_ERRORS),
            }
        },
        "/events/{event_id}/{action}": {
            "post": {
                "operationId": "event_state",
                "summary": "Open the event for answers, close it, reopen it, or archive it",
                "description": f"{_ORGANIZERS} The console's steps: a draft or a closed event "
                "opens, an open one closes, a closed or cancelled one is archived (read-only "
                "for good, its lists and exports kept). Any other step is refused (400; 409 "
                "for an archived event).",
                "security": _DOOR_POST,
                "parameters": [
                    *_EVENT,
                    {
                        "name": "action",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": ["open", "close", "archive"]},
                    },
                ],
                "responses": _responses(
                    _json("EventItem", "The event in its new state."), *_EVENT_WRITE_ERRORS
                ),
            }
        },
        "/events/{event_id}/cancel": {
            "post": {
                "operationId": "event_cancel",
                "summary": "Cancel the event, telling its guests",
                "description": f"{_ORGANIZERS} Every guest invited who has not declined is "
                "told, with the reason; messages not sent yet are cancelled; the event takes "
                "no more answers and can then only be archived (409 when already cancelled "
                "or archived).",
                "security": _DOOR_POST,
                "parameters": _EVENT,
                "requestBody": _body("EventCancelRequest"),
                "responses": _responses(
                    _json("EventItem", "The event, cancelled."), *_EVENT_WRITE_ERRORS
                ),
            }
        },
        "/events/{event_id}/programme": {
            "get": {
                "operationId": "programme_list",
                "summary": "The programme: every item in running order, with its people",
                "security": _DOOR,
                "parameters": _EVENT,
                "responses": _responses(
                    _json("ProgrammePage", "Every item, on one page."),
                    *_READ_ERRORS,
                ),
            },
            "post": {
                "operationId": "programme_create",
                "summary": "Put a session or a break on the programme, with its people",
                "description": f"{_ORGANIZERS} The programme editor's rules: times as HH:MM "
                "on the event's clocks within its hours, no overlap with another item, a "
                "title and each person's name in at least one language (400 otherwise). Not "
                "told to guests, as in the console.",
                "security": _DOOR_POST,
                "parameters": [*_EVENT, _ref("parameters", "idempotency_key")],
                "requestBody": _body("ProgrammeItemRequest"),
                "responses": _responses(
                    _json("ProgrammeItem", "The item, in its place."), *_EVENT_WRITE_ERRORS
                ),
            },
        },
        "/events/{event_id}/programme/{item_id}": {
            "get": {
                "operationId": "programme_item",
                "summary": "One programme item, with its people",
                "security": _DOOR,
                "parameters": _ITEM,
                "responses": _responses(
                    _json("ProgrammeItem", "The item."),
                    *_READ_ERRORS,
                ),
            },
            "patch": {
                "operationId": "programme_update",
                "summary": "Change a programme item (the fields sent; `people` replaces them)",
                "description": f"{_ORGANIZERS} The programme editor's rules, as for a new item.",
                "security": _DOOR_POST,
                "parameters": _ITEM,
                "requestBody": _body("ProgrammeItemChangeRequest"),
                "responses": _responses(
                    _json("ProgrammeItem", "The item, changed."), *_EVENT_WRITE_ERRORS
                ),
            },
            "delete": {
                "operationId": "programme_delete",
                "summary": "Take an item, with its people, off the programme",
                "description": "For an organizer token of the event, or an organizer's "
                "session with its CSRF token. The others are renumbered.",
                "security": _DOOR_POST,
                "parameters": _ITEM,
                "responses": _responses(
                    _json("ProgrammeItem", "The item as it was."), *_EVENT_WRITE_ERRORS
                ),
            },
        },
        "/events/{event_id}/programme/{item_id}/move": {
            "post": {
                "operationId": "programme_move",
                "summary": "Run an item at another place in the programme",
                "description": f"{_ORGANIZERS} The items from the old place to the new one are "
                "laid out again from the time the first of them started, each keeping its "
                "length and the pauses between them, so nothing outside that stretch moves. An "
                "item not at `from_position` when it is sent is refused (409), and nothing "
                "moves. Guests are told of programme changes at …/programme/changes.",
                "security": _DOOR_POST,
                "parameters": _ITEM,
                "requestBody": _body("ProgrammeMoveRequest"),
                "responses": _responses(
                    _json("ProgrammePage", "The whole programme, re-timed."),
                    *_EVENT_WRITE_ERRORS,
                ),
            }
        },
        "/events/{event_id}/programme/changes": {
            "get": {
                "operationId": "programme_changes",
                "summary": "The programme's changes the invited guests were not told of",
                "description": "For an organizer token of the event, or an organizer's "
                "session. Once invitations went out, each item added, removed, moved or "
                "renamed since the guests were last told, as they know it and as it is now, "
                "and who would be told (invited guests who have not declined). Empty before "
                "invitations went out, and after a decision.",
                "security": _DOOR,
                "parameters": _EVENT,
                "responses": _responses(
                    _json("ProgrammeChanges", "The changes, and `seen` to decide on them."),
                    "Unauthorized",
                    "Forbidden",
                    "NotFound",
                    "TooManyRequests",
                ),
            },
            "post": {
                "operationId": "programme_notice",
                "summary": "Tell the invited guests of the programme's changes, or keep them",
                "description": f"{_ORGANIZERS} With `notify` true each guest it concerns gets "
                "one notice in their language (with every change since they were last told); "
                "false keeps the changes without telling anyone (audited). Either way the "
                "programme as it is becomes the one guests know. `seen` that no longer names "
                "the changes (the programme changed again) is refused (409), nothing to tell "
                "is 400; nothing is sent either way.",
                "security": _DOOR_POST,
                "parameters": _EVENT,
                "requestBody": _body("ProgrammeNoticeRequest"),
                "responses": _responses(
                    _json("ProgrammeNoticeDone", "What was decided."), *_EVENT_WRITE_ERRORS
                ),
            },
        },
    }
)


# Guests' requests (name corrections, deputies), as the console's Requests page decides them.
_REQUEST = [*_EVENT, _ref("parameters", "request_id")]
_PARAMETERS["request_id"] = {
    "name": "request_id",
    "in": "path",
    "required": True,
    "description": "The request's id; the request must be of this event.",
    "schema": _ID,
}
_DECISION = (
    "For an organizer token of the event, or an organizer's session with its CSRF token (a "
    "read token may read requests, not decide them). Decided under the event's lock, at "
    "`version` when it is sent: a request decided already (or changed since) is refused "
    "(409), and nothing changes."
)
_PATHS.update(
    {
        "/events/{event_id}/requests": {
            "get": {
                "operationId": "requests",
                "summary": "Guests' requests: name corrections and deputies, a page at a time",
                "description": "For the event's organizers (a token of any role made by one, "
                "or an organizer's session). By id, the oldest first, 50 a page.",
                "security": _DOOR,
                "parameters": [
                    *_EVENT,
                    {
                        "name": "state",
                        "in": "query",
                        "required": False,
                        "description": "`pending`: awaiting a decision; `decided`: approved, "
                        "declined or superseded; empty: every one.",
                        "schema": {"type": "string", "enum": ["", "pending", "decided"]},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "description": "Requests on a page (50 by default).",
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": event_pages.MAX_PAGE,
                        },
                    },
                    {
                        "name": "cursor",
                        "in": "query",
                        "required": False,
                        "description": "The `next` of the page before; none for the first page.",
                        "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,8}$"},
                    },
                ],
                "responses": _responses(_json("RequestPage", "A page of requests."), *_READ_ERRORS),
            }
        },
        "/events/{event_id}/requests/{request_id}": {
            "get": {
                "operationId": "request",
                "summary": "One request, with what was asked and the spelling it would replace",
                "description": "For the event's organizers (a token of any role made by one, "
                "or an organizer's session).",
                "security": _DOOR,
                "parameters": _REQUEST,
                "responses": _responses(_json("RequestItem", "The request."), *_READ_ERRORS),
            }
        },
        "/events/{event_id}/requests/{request_id}/approve": {
            "post": {
                "operationId": "request_approve",
                "summary": "Approve a request: a correction applied, or the deputy made a guest",
                "description": f"{_DECISION} A correction is applied to the guest (a guest with "
                "a badge is sent the new one). A deputy becomes a guest with their own link and "
                "takes the guest's seat as it is; the guest's link and badge die and the guest "
                "is told. A deputy whose address is a guest of the event already, or a guest "
                "whose invitation was withdrawn, is refused (409).",
                "security": _DOOR_POST,
                "parameters": _REQUEST,
                "requestBody": _body("RequestDecision"),
                "responses": _responses(
                    _json("RequestItem", "The request, approved."), *_SEATING_ERRORS
                ),
            }
        },
        "/events/{event_id}/requests/{request_id}/decline": {
            "post": {
                "operationId": "request_decline",
                "summary": "Decline a request; the guest is told, with the reason given",
                "description": f"{_DECISION} Nothing of the guest changes.",
                "security": _DOOR_POST,
                "parameters": _REQUEST,
                "requestBody": _body("RequestDeclineRequest"),
                "responses": _responses(
                    _json("RequestItem", "The request, declined."), *_SEATING_ERRORS
                ),
            }
        },
        "/events/{event_id}/guests/{guest_id}/deputy": {
            "post": {
                "operationId": "guest_deputy",
                "summary": "Name a guest's deputy directly, approved as it is made",
                "description": "For an organizer token of the event, or an organizer's session "
                "with its CSRF token; the console's rules: a name in at least one script and "
                "an address that is not a guest of the event yet (409 otherwise), a guest whose "
                "invitation stands (409). A deputy the guest proposed and nobody decided is "
                "replaced by this one. The deputy takes the guest's seat as it is and gets "
                "their own link; the guest's link and badge die and the guest is told.",
                "security": _DOOR_POST,
                "parameters": _GUEST,
                "requestBody": _body("DeputyRequest"),
                "responses": _responses(
                    _json("GuestItem", "The deputy, a guest of the event now."),
                    *_SEATING_ERRORS,
                ),
            }
        },
    }
)


_COMPANION = [*_GUEST, _ref("parameters", "companion_id")]
_PARAMETERS["companion_id"] = {
    "name": "companion_id",
    "in": "path",
    "required": True,
    "description": "The accompanying person's id (a guest id); they must accompany this guest.",
    "schema": _ID,
}
_COMPANION_RULES = (
    "Within the event's limit for the guest's category (`companion_limits`; none where it names "
    "none), for a guest who said yes and was neither revoked nor erased (409 otherwise); a name "
    "in at least one script (400). Where the event seats accompanying persons, each takes a "
    "seat under the event lock like a guest, or joins the waitlist when none is free."
)
_PATHS.update(
    {
        "/events/{event_id}/guests/{guest_id}/companions": {
            "get": {
                "operationId": "companions",
                "summary": "A guest's accompanying persons (aides, interpreters, security)",
                "description": "For the event's organizers (a token of any role made by one, or "
                "an organizer's session). The removed ones too, in the order they were named.",
                "security": _DOOR,
                "parameters": _GUEST,
                "responses": _responses(
                    _json("CompanionList", "The guest's accompanying persons and limit."),
                    *_READ_ERRORS,
                ),
            },
            "post": {
                "operationId": "companion_create",
                "summary": "Name an accompanying person of a guest",
                "description": f"{_ORGANIZERS} {_COMPANION_RULES} They get a badge marked as "
                "accompanying, with the guest's name; no invitation and no e-mail.",
                "security": _DOOR_POST,
                "parameters": [*_GUEST, _ref("parameters", "idempotency_key")],
                "requestBody": _body("CompanionRequest"),
                "responses": _responses(
                    _json("Companion", "The accompanying person, with their seat."),
                    *_SEATING_ERRORS,
                ),
            },
        },
        "/events/{event_id}/guests/{guest_id}/companions/{companion_id}": {
            "patch": {
                "operationId": "companion_update",
                "summary": "Change an accompanying person's name or role",
                "description": f"{_ORGANIZERS} The fields sent; the others stay. A removed "
                "one is refused (409).",
                "security": _DOOR_POST,
                "parameters": _COMPANION,
                "requestBody": _body("CompanionChangeRequest"),
                "responses": _responses(
                    _json("Companion", "The accompanying person, changed."), *_SEATING_ERRORS
                ),
            },
            "delete": {
                "operationId": "companion_delete",
                "summary": "Remove an accompanying person",
                "description": "For an organizer token of the event, or an organizer's session "
                "with its CSRF token. Their seat goes back (to the waitlist's first) and their "
                "badge dies; a second removal is refused (409).",
                "security": _DOOR_POST,
                "parameters": _COMPANION,
                "responses": _responses(
                    _json("Companion", "The accompanying person, removed."), *_SEATING_ERRORS
                ),
            },
        },
    }
)


_PATHS.update(
    {
        "/events/{event_id}/travel": {
            "get": {
                "operationId": "travel_board",
                "summary": "The event's travelling guests: flights, pickups, hotels",
                "description": "For the event's organizers (a token of any role made by one, or "
                "an organizer's session). Every guest who gave travel details, by arrival day "
                "and time, with how many are offered travel. No passport or visa data.",
                "security": _DOOR,
                "parameters": _EVENT,
                "responses": _responses(
                    _json("TravelBoard", "The arrivals, with each guest's departure and hotel."),
                    *_READ_ERRORS,
                ),
            }
        },
        "/events/{event_id}/guests/{guest_id}/travel": {
            "get": {
                "operationId": "guest_travel",
                "summary": "A guest's flights, pickups and hotel",
                "description": "For the event's organizers. 404 when the guest gave none.",
                "security": _DOOR,
                "parameters": _GUEST,
                "responses": _responses(
                    _json("GuestTravelItem", "The guest's travel."), *_READ_ERRORS
                ),
            },
            "patch": {
                "operationId": "pickup_update",
                "summary": "Assign the driver or car of a guest's pickup",
                "description": f"{_ORGANIZERS} The arrival's pickup or the departure's ride "
                "to the airport, for a guest who asked for it (400 otherwise); with `version`, "
                "a change made since is refused (409).",
                "security": _DOOR_POST,
                "parameters": _GUEST,
                "requestBody": _body("PickupRequest"),
                "responses": _responses(
                    _json("GuestTravelItem", "The guest's travel, assigned."), *_SEATING_ERRORS
                ),
            },
        },
    }
)


# -- the event's own questions on the RSVP form (web/api/questions.py) -------------------------

_PARAMETERS["question_id"] = {
    "name": "question_id",
    "in": "path",
    "required": True,
    "description": "The question's id; the question must be of this event.",
    "schema": _ID,
}
_QUESTION = [*_EVENT, _ref("parameters", "question_id")]
_QUESTION_RULES = (
    "The questions editor's rules: the question in at least one language, 2 to 50 choices with "
    "keys of small letters, digits, - and _ for the choice kinds, the least number not above "
    "the greatest (400 naming what is wrong otherwise). Once a guest answered the question, a "
    "change that would make answers wrong is refused (400): its kind, a choice's key removed "
    "or renamed, becoming required, asking fewer categories, narrower numbers."
)
_PATHS.update(
    {
        "/events/{event_id}/questions": {
            "get": {
                "operationId": "questions",
                "summary": "The event's own questions on the RSVP form, in order",
                "description": "For the event's organizers (a token of any role made by one, "
                "or an organizer's session). Each with how many guests answered it; the "
                "answers are read with each guest (`answers`).",
                "security": _DOOR,
                "parameters": _EVENT,
                "responses": _responses(
                    _json("QuestionPage", "Every question, on one page."), *_READ_ERRORS
                ),
            },
            "post": {
                "operationId": "question_create",
                "summary": "Add a question to the RSVP form, after the others",
                "description": f"{_ORGANIZERS} {_QUESTION_RULES} Adding is allowed whatever "
                "guests answered.",
                "security": _DOOR_POST,
                "parameters": [*_EVENT, _ref("parameters", "idempotency_key")],
                "requestBody": _body("QuestionRequest"),
                "responses": _responses(
                    _json("QuestionItem", "The question, last on the form."),
                    *_EVENT_WRITE_ERRORS,
                ),
            },
        },
        "/events/{event_id}/questions/{question_id}": {
            "get": {
                "operationId": "question",
                "summary": "One question",
                "description": "For the event's organizers (a token of any role made by one, "
                "or an organizer's session).",
                "security": _DOOR,
                "parameters": _QUESTION,
                "responses": _responses(_json("QuestionItem", "The question."), *_READ_ERRORS),
            },
            "patch": {
                "operationId": "question_update",
                "summary": "Change a question (the fields sent; the others stay)",
                "description": f"{_ORGANIZERS} {_QUESTION_RULES}",
                "security": _DOOR_POST,
                "parameters": _QUESTION,
                "requestBody": _body("QuestionChangeRequest"),
                "responses": _responses(
                    _json("QuestionItem", "The question, changed."), *_EVENT_WRITE_ERRORS
                ),
            },
            "delete": {
                "operationId": "question_delete",
                "summary": "Take a question nobody answered off the RSVP form",
                "description": f"{_ORGANIZERS} A question a guest answered is refused (400); "
                "the others are renumbered.",
                "security": _DOOR_POST,
                "parameters": _QUESTION,
                "responses": _responses(
                    _json("QuestionItem", "The question as it was."), *_EVENT_WRITE_ERRORS
                ),
            },
        },
        "/events/{event_id}/questions/{question_id}/move": {
            "post": {
                "operationId": "question_move",
                "summary": "Put a question at another place on the RSVP form",
                "description": f"{_ORGANIZERS} A question not at `from_position` when it is "
                "sent is refused (409), and nothing moves.",
                "security": _DOOR_POST,
                "parameters": _QUESTION,
                "requestBody": _body("QuestionMoveRequest"),
                "responses": _responses(
                    _json("QuestionPage", "Every question, in the new order."),
                    *_EVENT_WRITE_ERRORS,
                ),
            }
        },
    }
)


@cache
def document(
    url_prefix: str, session_cookie: str = "session", max_body: int | None = 2 * 1024 * 1024
) -> Json:
    """The whole document; the session cookie's name and the largest body taken are the
    app's settings."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "registrar API",
            "version": "1",
            "description": "Everything the console does, for programs: events and their "
            "programme, guests (one at a time or in bulk, with the importer's rules), their "
            "answers, seats and the waitlist, messages to guests, the door's records and the "
            "exports; and the door's own operations (scans, check-in, letting in, walk-ins, "
            "interpretation receivers, occupancy, guest search and the door list kept for "
            "offline verdicts). "
            "A program sends an API token, made in the console (API tokens) or with `flask "
            "token create`, as `Authorization: Bearer rgr_...`; it needs no CSRF token, and "
            "the session cookie of a request with a token is not read. The scanner and the "
            "console call the same operations with the session of an account logged in at "
            "/login (or of a volunteer's door link); every POST of a session carries its "
            f"CSRF token in the `{CSRF_HEADER}` header. A POST that creates something takes an "
            "`Idempotency-Key` header: a retry with the same key gets the first answer and "
            'creates nothing. Lists answer `{"items": [...], "next": ...}`: pass `next` '
            "as `cursor` for the page after. Every write is audited with the token's name. "
            "Webhooks (set up per event in the console) are signed with HMAC-SHA256 over "
            "`t.body`, in the `Registrar-Signature: t=...,v1=...` header. "
            'Errors are `{"error": {"code", "message"}}`.',
        },
        "paths": {url_prefix + path: item for path, item in _PATHS.items()},
        "components": {
            "parameters": _PARAMETERS,
            "schemas": schemas.json_schemas(_ref("schemas", "{model}")["$ref"]),
            "responses": {**_RESPONSES, "TooLarge": _too_large(max_body)},
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": session_cookie,
                    "description": "The session of a door or organizer account after logging "
                    "in at /login, or of a volunteer's door link for this event.",
                },
                "csrf": {
                    "type": "apiKey",
                    "in": "header",
                    "name": CSRF_HEADER,
                    "description": "The session's CSRF token, required on every POST.",
                },
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "rgr_ and 43 characters",
                    "description": "An API token made in the console (API tokens) or with "
                    "`flask token create`, for chosen events and a role: read (GET only), "
                    "door (the door's operations), organizer (everything of its events).",
                },
            },
        },
    }


def register(bp: Blueprint) -> None:
    """Serve the document of the API on the API's own blueprint, at <prefix>/openapi.json."""

    @bp.get("/openapi.json")
    def openapi_document() -> Response:
        """Public: it says what the API is, never what is in it."""
        prefix = bp.url_prefix or ""  # (the API's blueprint has one)
        config = current_app.config
        return jsonify(
            document(prefix, config["SESSION_COOKIE_NAME"], config["MAX_CONTENT_LENGTH"])
        )
