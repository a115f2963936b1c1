"""JSON API v1: the door's scans, guest search, manual check-in, receivers, occupancy."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, jsonify, request

from ..errors import InvalidAnswer
from ..extensions import db
from ..models import Direction, Event, Guest
from ..services import checkin, door
from . import limits
from .access import door_actor, lapsed_door_link, may_override

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _event_for_door(event_id: int) -> tuple[Event, str]:
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    actor = door_actor(event_id)
    if actor is None:
        if lapsed_door_link():
            raise door.DoorLinkInactive()
        abort(401)
    return event, actor


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidAnswer("Send a JSON object.")
    return body


def _text(body: dict, key: str, default: str = "") -> str:
    value = body.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidAnswer(f"'{key}' must be a string.")
    return value


def _scan_request(body: dict, code: str) -> checkin.ScanRequest:
    direction = _text(body, "direction", "in")
    if direction not in ("in", "out"):
        raise InvalidAnswer("'direction' must be 'in' or 'out'.")
    scanned_at = None
    if body.get("scanned_at") is not None:
        try:
            scanned_at = datetime.fromisoformat(_text(body, "scanned_at"))
        except ValueError as exc:
            raise InvalidAnswer("'scanned_at' must be an ISO 8601 time with a zone.") from exc
        if scanned_at.tzinfo is None:
            raise InvalidAnswer("'scanned_at' must be an ISO 8601 time with a zone.")
    for flag in ("offline", "override"):
        if not isinstance(body.get(flag, False), bool):
            raise InvalidAnswer(f"'{flag}' must be true or false.")
    override = body.get("override", False)
    if override and not may_override():
        abort(403)
    return checkin.ScanRequest(
        code=code,
        nonce=_text(body, "nonce") or None,
        gate=_text(body, "gate").strip(),
        direction=Direction(direction),
        scanned_at=scanned_at,
        offline=body.get("offline", False),
        override=override,
    )


@bp.post("/events/<int:event_id>/scans")
@limits.scans
def scan(event_id: int):
    _event, actor = _event_for_door(event_id)
    body = _body()
    result = checkin.scan(event_id, _scan_request(body, _text(body, "code")), actor)
    db.session.commit()
    return jsonify(result)


@bp.post("/events/<int:event_id>/guests/<int:guest_id>/check-in")
@limits.scans
def check_in_by_name(event_id: int, guest_id: int):
    _event, actor = _event_for_door(event_id)
    body = _body()
    result = checkin.check_in_by_name(event_id, guest_id, _scan_request(body, ""), actor)
    db.session.commit()
    return jsonify(result)


@bp.post("/events/<int:event_id>/guests/<int:guest_id>/receiver")
def receiver(event_id: int, guest_id: int):
    _event, actor = _event_for_door(event_id)
    body = _body()
    if body.get("returned") is True:
        presence = checkin.return_receiver(event_id, guest_id, actor)
    else:
        presence = checkin.set_receiver(event_id, guest_id, _text(body, "receiver"), actor)
    db.session.commit()
    return jsonify(
        {
            "guest_id": guest_id,
            "receiver": presence.receiver,
            "returned": presence.receiver_returned_at is not None,
        }
    )


@bp.get("/events/<int:event_id>/occupancy")
def occupancy(event_id: int):
    event, _actor = _event_for_door(event_id)
    counts = checkin.occupancy(event)
    return jsonify({"inside": counts.inside, "capacity": counts.capacity})


@bp.get("/events/<int:event_id>/guests")
def search(event_id: int):
    _event, _actor = _event_for_door(event_id)
    query = request.args.get("q", "")[:100]
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
