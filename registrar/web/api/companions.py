"""JSON API v1: a guest's accompanying persons (aides, interpreters, security): list, name one,
change one, remove one, with the console's rules (services/companions.py): within the event's
limit for the guest's category, for a guest who said yes; seated under the event lock where the
event seats them; every change audited with the token (or the organizer) as the actor."""

from __future__ import annotations

from flask import Response, request
from pydantic import BaseModel

from ...errors import NotFound
from ...extensions import db
from ...models import Guest
from ...numbers import MAX_ID
from ...services import companions
from . import schemas
from .routes import (
    EVENT_ID,
    GUEST_ID,
    _answer,
    _body,
    _created_once,
    _guest_of,
    _organizer_actor,
    _organizer_reader,
    bp,
)

COMPANION_ID = f"<int(max={MAX_ID}):companion_id>"


def _principal(event_id: int, guest_id: int) -> Guest:
    guest = _guest_of(event_id, guest_id)
    if guest.is_companion:
        raise NotFound()
    return guest


def _companion(event_id: int, guest_id: int, companion_id: int) -> Guest:
    companion = _guest_of(event_id, companion_id)
    if companion.principal_id != guest_id:
        raise NotFound()
    return companion


# One rule per address with its methods (see routes.py).
@bp.route(f"/events/{EVENT_ID}/guests/{GUEST_ID}/companions", methods=["GET", "POST"])
def companion_collection(event_id: int, guest_id: int) -> Response:
    if request.method == "GET":
        return companion_list(event_id, guest_id)
    return companion_create(event_id, guest_id)


@bp.route(
    f"/events/{EVENT_ID}/guests/{GUEST_ID}/companions/{COMPANION_ID}", methods=["PATCH", "DELETE"]
)
def companion_item(event_id: int, guest_id: int, companion_id: int) -> Response:
    if request.method == "PATCH":
        return companion_update(event_id, guest_id, companion_id)
    return companion_delete(event_id, guest_id, companion_id)


def companion_list(event_id: int, guest_id: int) -> Response:
    """The guest's accompanying persons, the removed ones too, in the order they were named."""
    _organizer_reader(event_id)
    principal = _principal(event_id, guest_id)
    items = [schemas.Companion.of(c) for c in companions.companions_of(principal.id)]
    answer = {
        "items": items,
        "limit": companions.limit_for(principal.event, principal),
        "take_seats": principal.event.companions_take_seats,
    }
    return _answer(schemas.CompanionList, answer)


def companion_create(event_id: int, guest_id: int) -> Response:
    actor = _organizer_actor(event_id)
    body = _body(schemas.CompanionRequest)
    _principal(event_id, guest_id)

    def create() -> BaseModel:
        companion = companions.add(guest_id, body.details(), actor)
        return schemas.Companion.of(companion)

    return _created_once(actor, create)


def companion_update(event_id: int, guest_id: int, companion_id: int) -> Response:
    actor = _organizer_actor(event_id)
    body = _body(schemas.CompanionChangeRequest)
    companion = _companion(event_id, guest_id, companion_id)
    companions.change(companion_id, body.details(companion), actor)
    db.session.commit()
    return _answer(schemas.Companion, schemas.Companion.of(_guest_of(event_id, companion_id)))


def companion_delete(event_id: int, guest_id: int, companion_id: int) -> Response:
    """Remove the person: their seat goes back (to the waitlist), their badge dies."""
    actor = _organizer_actor(event_id)
    _companion(event_id, guest_id, companion_id)
    companions.remove(companion_id, actor)
    db.session.commit()
    return _answer(schemas.Companion, schemas.Companion.of(_guest_of(event_id, companion_id)))
