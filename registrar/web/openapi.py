"""The OpenAPI 3.1 document of the JSON API v1, served at /api/v1/openapi.json."""

from __future__ import annotations

import enum
from functools import cache

from flask import current_app, jsonify

from ..models import Category, Channel, Direction, SeatState, Verdict
from ..services import checkin
from .api import MAX_ID, bp
from .errors import CSRF_FAILED, DATABASE_UNAVAILABLE, ERROR_CODES

CSRF_HEADER = "X-CSRFToken"
# A NUL is refused in every text field: no database column of ours can hold one.
NO_NUL = r"^[^\u0000]*$"


def _values(members: type[enum.Enum]) -> list[str]:
    return [member.value for member in members]


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _text(max_length: int | None, description: str) -> dict:
    schema = {"type": ["string", "null"], "pattern": NO_NUL, "description": description}
    if max_length is not None:
        schema["maxLength"] = max_length
    return schema


_ID = {"type": "integer", "minimum": 0, "maximum": MAX_ID}

_PARAMETERS = {
    "event_id": {
        "name": "event_id",
        "in": "path",
        "required": True,
        "description": "The event's id.",
        "schema": _ID,
    },
    "guest_id": {
        "name": "guest_id",
        "in": "path",
        "required": True,
        "description": "The guest's id; the guest must be invited to this event.",
        "schema": _ID,
    },
}

# What a scan and a manual check-in are sent with; a scan adds the badge's code.
_SCAN_FIELDS = {
    "nonce": _text(
        checkin.MAX_NONCE,
        "The scanner's id for this reading. A retry with the same nonce gets the first "
        "answer again (with `replayed` true) and records nothing. Empty means none.",
    ),
    "gate": _text(
        checkin.MAX_GATE,
        "The door's name, shown later as where a guest came in. Surrounding spaces are "
        "trimmed before the length is checked.",
    ),
    "direction": {
        "type": ["string", "null"],
        "enum": [*_values(Direction), None],
        "default": Direction.IN.value,
        "description": "Entry or exit. An exit is always `ok` for a guest we know.",
    },
    "scanned_at": {
        "type": ["string", "null"],
        "format": "date-time",
        "description": "When the badge was read, with a time zone; for scans queued while "
        "offline. Missing means now; a time more than a few minutes ahead is taken as now.",
    },
    "offline": {
        "type": "boolean",
        "default": False,
        "description": "The scan was queued while the scanner was offline: when two doors "
        "read one badge, the earlier reading wins.",
    },
    "override": {
        "type": "boolean",
        "default": False,
        "description": "Let the guest in although the room is full. Organizers only (403).",
    },
}

# Who a guest is, as both kinds of answer show it.
_GUEST_IDENTITY = {
    "id": {"type": "integer"},
    "name_en": {"type": "string"},
    "name_zh": {"type": "string"},
    "organization": {"type": "string"},
    "category": {"enum": _values(Category)},
}


_SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "additionalProperties": False,
                "properties": {
                    "code": {
                        "type": "string",
                        "enum": sorted({*ERROR_CODES.values(), CSRF_FAILED, DATABASE_UNAVAILABLE}),
                        "description": "Stable, for programs.",
                    },
                    "message": {
                        "type": "string",
                        "description": "For people, in the page language of the request.",
                    },
                },
            }
        },
    },
    "ScanRequest": {
        "type": "object",
        "properties": {
            "code": {
                "type": ["string", "null"],
                "description": "What the scanner read. Anything that is not a badge code of "
                "ours is answered with the verdict `invalid`, and kept.",
            },
            **_SCAN_FIELDS,
        },
    },
    "CheckInRequest": {
        "type": "object",
        "description": "A guest found by name (a lost badge): the same rules as a scan.",
        "properties": _SCAN_FIELDS,
    },
    "ReceiverRequest": {
        "type": "object",
        "properties": {
            "receiver": _text(
                checkin.MAX_RECEIVER,
                "The number of the interpretation receiver handed to a checked-in guest; "
                "empty clears it. Surrounding spaces are trimmed before the length is checked.",
            ),
            "returned": {
                "type": "boolean",
                "default": False,
                "description": "True: the guest gave the receiver back (`receiver` is ignored).",
            },
        },
    },
    "Occupancy": {
        "type": "object",
        "required": ["inside", "capacity"],
        "additionalProperties": False,
        "properties": {
            "inside": {"type": "integer", "minimum": 0},
            "capacity": {"type": "integer", "minimum": 0},
        },
    },
    "ScanGuest": {
        "type": "object",
        "required": [*_GUEST_IDENTITY, "channel", "receiver", "receiver_returned"],
        "additionalProperties": False,
        "properties": {
            **_GUEST_IDENTITY,
            "channel": {
                "enum": [*_values(Channel), None],
                "description": "The interpretation channel to hand a receiver for.",
            },
            "receiver": {"type": "string", "description": "The receiver handed out, if any."},
            "receiver_returned": {"type": "boolean"},
        },
    },
    "FirstScan": {
        "type": "object",
        "required": ["at", "gate"],
        "additionalProperties": False,
        "properties": {
            "at": {"type": "string", "format": "date-time"},
            "gate": {"type": "string"},
        },
    },
    "ScanResult": {
        "type": "object",
        "required": [
            "verdict",
            "direction",
            "nonce",
            "gate",
            "scanned_at",
            "offline",
            "duplicate",
            "override",
            "guest",
            "first_scan",
            "occupancy",
            "replayed",
        ],
        "additionalProperties": False,
        "properties": {
            "verdict": {"enum": _values(Verdict)},
            "direction": {"enum": _values(Direction)},
            "nonce": {"type": ["string", "null"]},
            "gate": {"type": "string"},
            "scanned_at": {"type": "string", "format": "date-time"},
            "offline": {"type": "boolean"},
            "duplicate": {
                "type": "boolean",
                "description": "An offline reading of a guest another door let in earlier.",
            },
            "override": {"type": "boolean", "description": "Let in past a full room."},
            "guest": _nullable(_ref("schemas", "ScanGuest")),
            "first_scan": _nullable(_ref("schemas", "FirstScan")),
            "occupancy": _ref("schemas", "Occupancy"),
            "replayed": {
                "type": "boolean",
                "description": "The first answer to this nonce, given again.",
            },
        },
        "allOf": [
            {
                # A code that names nobody of this event shows nobody.
                "if": {
                    "properties": {
                        "verdict": {"enum": [Verdict.INVALID.value, Verdict.WRONG_EVENT.value]}
                    }
                },
                "then": {"properties": {"guest": {"type": "null"}}},
                "else": {"properties": {"guest": {"type": "object"}}},
            },
            {
                "if": {"properties": {"verdict": {"const": Verdict.ALREADY_CHECKED_IN.value}}},
                "then": {"properties": {"first_scan": {"type": "object"}}},
                "else": {"properties": {"first_scan": {"type": "null"}}},
            },
        ],
    },
    "Receiver": {
        "type": "object",
        "required": ["guest_id", "receiver", "returned"],
        "additionalProperties": False,
        "properties": {
            "guest_id": {"type": "integer"},
            "receiver": {"type": "string"},
            "returned": {"type": "boolean"},
        },
    },
    "GuestSummary": {
        "type": "object",
        "required": [*_GUEST_IDENTITY, "channel", "seat", "revoked", "inside"],
        "additionalProperties": False,
        "properties": {
            **_GUEST_IDENTITY,
            "channel": {"enum": [*_values(Channel), None]},
            "seat": {"enum": [*_values(SeatState), None]},
            "revoked": {"type": "boolean"},
            "inside": {"type": "boolean"},
        },
    },
    "GuestList": {
        "type": "object",
        "required": ["guests"],
        "additionalProperties": False,
        "properties": {
            "guests": {
                "type": "array",
                "maxItems": checkin.SEARCH_LIMIT,
                "items": _ref("schemas", "GuestSummary"),
            }
        },
    },
}


def _error(status: int, description: str, codes: tuple[str, ...] = ()) -> dict:
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
        "The request was refused, and nothing was saved: a body that is not a JSON object or "
        "has a wrong value, a NUL character in the query, or (`csrf_failed`) a missing or "
        "stale CSRF token.",
        (CSRF_FAILED,),
    ),
    "Unauthorized": _error(
        401, "Not logged in as door staff or an organizer, and no door link for this event."
    ),
    "Forbidden": _error(403, "Only organizers may override a full room."),
    "NotFound": _error(404, "No such event, or no such guest at this event."),
    "Gone": _error(410, "The volunteer's door link has expired or been withdrawn."),
    "TooLarge": _error(413, "The body is larger than the server accepts."),
    "TooManyRequests": _error(429, "Too many scans from this door in a minute; try again."),
    "Busy": _error(
        503,
        "Send the same request again in a moment (a scan with the same nonce: it is never "
        "recorded twice): another door held the event a moment too long (`busy`), or the "
        "database cannot be reached, e.g. while it restarts (`database_unavailable`).",
        (DATABASE_UNAVAILABLE,),
    ),
}


def _json(schema_name: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref("schemas", schema_name)}},
    }


def _responses(ok: dict, *errors: str) -> dict:
    codes = {
        "BadRequest": "400",
        "Unauthorized": "401",
        "Forbidden": "403",
        "NotFound": "404",
        "Gone": "410",
        "TooLarge": "413",
        "TooManyRequests": "429",
        "Busy": "503",
    }
    return {"200": ok, **{codes[name]: _ref("responses", name) for name in errors}}


_DOOR = [{"session": []}]
_DOOR_POST = [{"session": [], "csrf": []}]
_EVENT = [_ref("parameters", "event_id")]
_GUEST = [*_EVENT, _ref("parameters", "guest_id")]


def _body(schema_name: str) -> dict:
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
    "Gone",
    "TooLarge",
    "TooManyRequests",
    "Busy",
)

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
                "NotFound",
                "Gone",
                "TooLarge",
                "Busy",
            ),
        }
    },
    "/events/{event_id}/occupancy": {
        "get": {
            "operationId": "occupancy",
            "summary": "How many guests are inside, and the room's capacity",
            "security": _DOOR,
            "parameters": _EVENT,
            "responses": _responses(
                _json("Occupancy", "The count inside now."),
                "BadRequest",
                "Unauthorized",
                "NotFound",
                "Gone",
            ),
        }
    },
    "/events/{event_id}/guests": {
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
                "NotFound",
                "Gone",
            ),
        }
    },
}


@cache
def document(session_cookie: str = "session") -> dict:
    """The whole document; the session cookie's name is the app's setting."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "registrar door API",
            "version": "1",
            "description": "The door's JSON API: scans, manual check-in, interpretation "
            "receivers, occupancy and guest search. Callers are door staff or organizers "
            "logged in at /login, or a volunteer who opened a door link; every POST carries "
            f"the session's CSRF token in the `{CSRF_HEADER}` header (the scanner page has it "
            'in its `door-config` data). Errors are `{"error": {"code", "message"}}`.',
        },
        "paths": {bp.url_prefix + path: item for path, item in _PATHS.items()},
        "components": {
            "parameters": _PARAMETERS,
            "schemas": _SCHEMAS,
            "responses": _RESPONSES,
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
            },
        },
    }


@bp.get("/openapi.json")
def openapi_document():
    """Public: it says what the API is, never what is in it."""
    return jsonify(document(current_app.config["SESSION_COOKIE_NAME"]))
