"""JSON API v1: the door's scans, guest search, manual check-in, receivers, occupancy."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, jsonify, request

from ..errors import InvalidAnswer
from ..extensions import db
from ..models import Direction, Event, Guest
from ..services import checkin, door
from . import limits
from .access import door_actor, lapsed_door_link, may_override

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Ids are 32-bit integers on every database: a larger number names nothing, and is answered
# 404 by the router instead of reaching a database that cannot take it.
MAX_ID = 2**31 - 1
EVENT_ID = f"<int(max={MAX_ID}):event_id>"
GUEST_ID = f"<int(max={MAX_ID}):guest_id>"


def _door_actor(event_id: int) -> str:
    """Who scans at this event's door (for the audit log), or the error that says why not.

    Whether the event exists is for the route to find out (404), after this.
    """
    actor = door_actor(event_id)
    if actor is None:
        if lapsed_door_link():
            raise door.DoorLinkInactive()
        abort(401)
    return actor


def _body() -> dict:
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        # Arrays nested thousands deep: not a body of ours, and not worth a traceback.
        body = None
    if not isinstance(body, dict):
        raise InvalidAnswer("Send a JSON object.")
    return body


def _text(body: dict, key: str, default: str = "") -> str:
    value = body.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidAnswer(f"'{key}' must be a string.")
    try:
        value.encode()
    except UnicodeEncodeError as exc:
        # JSON can carry half of a surrogate pair (\ud800); no text of ours, nor a database, can.
        raise InvalidAnswer(f"'{key}' must be text (it holds an unpaired surrogate).") from exc
    return value


def _flag(body: dict, key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise InvalidAnswer(f"'{key}' must be true or false.")
    return value


def _scan_request(body: dict, code: str) -> checkin.ScanRequest:
    direction = _text(body, "direction", "in")
    if direction not in ("in", "out"):
        raise InvalidAnswer("'direction' must be 'in' or 'out'.")
    scanned_at = _scanned_at(body)
    offline, override = _flag(body, "offline"), _flag(body, "override")
    if override and not may_override():
        abort(403)
    return checkin.ScanRequest(
        code=code,
        nonce=_text(body, "nonce") or None,
        gate=_text(body, "gate").strip(),
        direction=Direction(direction),
        scanned_at=scanned_at,
        offline=offline,
        override=override,
    )


def _scanned_at(body: dict) -> datetime | None:
    """The RFC 3339 time (ISO 8601 with a zone) the badge was read, in UTC; None: now."""
    if body.get("scanned_at") is None:
        return None
    message = "'scanned_at' must be an ISO 8601 time with a zone."
    try:
        # RFC 3339 allows a lower-case "t" and "z"; Python reads only upper case.
        moment = datetime.fromisoformat(_text(body, "scanned_at").upper())
    except ValueError as exc:
        raise InvalidAnswer(message) from exc
    if moment.tzinfo is None:
        raise InvalidAnswer(message)
    try:
        # In UTC, as it is stored; 0001-01-01T00:00+01:00 is a valid time of no calendar.
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidAnswer(message) from exc


@bp.post(f"/events/{EVENT_ID}/scans")
@limits.scans
def scan(event_id: int):
    actor = _door_actor(event_id)
    body = _body()
    scan_request = _scan_request(body, _text(body, "code"))
    result = checkin.scan(event_id, scan_request, actor)
    db.session.commit()
    return jsonify(result)


@bp.post(f"/events/{EVENT_ID}/guests/{GUEST_ID}/check-in")
@limits.scans
def check_in_by_name(event_id: int, guest_id: int):
    actor = _door_actor(event_id)
    body = _body()
    scan_request = _scan_request(body, "")
    result = checkin.check_in_by_name(event_id, guest_id, scan_request, actor)
    db.session.commit()
    return jsonify(result)


@bp.post(f"/events/{EVENT_ID}/guests/{GUEST_ID}/receiver")
def receiver(event_id: int, guest_id: int):
    actor = _door_actor(event_id)
    body = _body()
    # Checked even when the receiver comes back and the number is not used: a wrong value is
    # refused whatever else the body says.
    number = checkin.receiver_number(_text(body, "receiver"))
    if _flag(body, "returned"):
        presence = checkin.return_receiver(event_id, guest_id, actor)
    else:
        presence = checkin.set_receiver(event_id, guest_id, number, actor)
    db.session.commit()
    return jsonify(
        {
            "guest_id": guest_id,
            "receiver": presence.receiver,
            "returned": presence.receiver_returned_at is not None,
        }
    )


@bp.get(f"/events/{EVENT_ID}/occupancy")
def occupancy(event_id: int):
    _door_actor(event_id)
    counts = checkin.occupancy(db.get_or_404(Event, event_id))
    return jsonify({"inside": counts.inside, "capacity": counts.capacity})


@bp.get(f"/events/{EVENT_ID}/guests")
def search(event_id: int):
    _door_actor(event_id)
    db.get_or_404(Event, event_id)
    query = request.args.get("q", "")
    return jsonify({"guests": [_guest_summary(g) for g in checkin.search_guests(event_id, query)]})


def _guest_summary(guest: Guest) -> dict:
    answer, seat, presence = guest.rsvp, guest.seat, guest.check_in
    return {
        "id": guest.id,
        "name_en": guest.name_en,
        "name_zh": guest.name_zh,
        "organization": guest.organization,
        "category": guest.category.value,
        "channel": answer.channel.value if answer and answer.channel else None,
        "seat": seat.state.value if seat else None,
        "revoked": guest.is_revoked,
        "inside": bool(presence and presence.inside),
    }


# The document describing the routes above registers its own route on this blueprint.
from . import openapi  # noqa: E402, F401
