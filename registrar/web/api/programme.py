"""JSON API v1: an event's programme, its items (sessions and breaks) with their speakers and
moderators: list, read, create, change, move, delete, with the programme editor's rules
(services/programme: times on the event's clocks within its hours, no two items overlapping,
a title and a name in at least one language). After invitations went out, the changes since
guests were told are read and decided on at …/programme/changes, as on the console's page
(services/programme/told.py)."""

from __future__ import annotations

from flask import Response, request
from pydantic import BaseModel

from ...extensions import db
from ...models import AgendaItem, Event
from ...numbers import MAX_ID
from ...services import programme
from ...services.programme import told
from . import schemas
from .routes import (
    EVENT_ID,
    _answer,
    _body,
    _created_once,
    _door_actor,
    _organizer_actor,
    bp,
)

ITEM_ID = f"<int(max={MAX_ID}):item_id>"


def _event(event_id: int) -> Event:
    return db.get_or_404(Event, event_id)


def _item_of(event: Event, item_id: int) -> AgendaItem:
    return programme.item_of(event, item_id)


# One rule per address with its methods (see routes.py).
@bp.route(f"/events/{EVENT_ID}/programme", methods=["GET", "POST"])
def programme_items(event_id: int) -> Response:
    if request.method == "GET":
        return programme_list(event_id)
    return programme_create(event_id)


@bp.route(f"/events/{EVENT_ID}/programme/{ITEM_ID}", methods=["GET", "PATCH", "DELETE"])
def programme_item(event_id: int, item_id: int) -> Response:
    if request.method == "GET":
        return programme_read(event_id, item_id)
    if request.method == "PATCH":
        return programme_update(event_id, item_id)
    return programme_delete(event_id, item_id)


def programme_list(event_id: int) -> Response:
    """Every item in running order, on one page."""
    _door_actor(event_id)
    event = _event(event_id)
    items = [schemas.ProgrammeItem.of(event, item) for item in programme.listed(event_id)]
    return _answer(schemas.ProgrammePage, {"items": items, "next": None})


def programme_read(event_id: int, item_id: int) -> Response:
    _door_actor(event_id)
    event = _event(event_id)
    return _answer(schemas.ProgrammeItem, schemas.ProgrammeItem.of(event, _item_of(event, item_id)))


def programme_create(event_id: int) -> Response:
    actor = _organizer_actor(event_id)
    body = _body(schemas.ProgrammeItemRequest)
    _event(event_id)

    def create() -> BaseModel:
        item = programme.add_item(event_id, body.details(), actor, body.people_details())
        return schemas.ProgrammeItem.of(item.event, item)

    return _created_once(actor, create)


def programme_update(event_id: int, item_id: int) -> Response:
    """The fields sent; `people`, when sent, replaces the item's people."""
    actor = _organizer_actor(event_id)
    body = _body(schemas.ProgrammeItemChangeRequest)
    event = _event(event_id)
    item = _item_of(event, item_id)
    programme.update_item(
        event_id, item_id, body.details(event, item), actor, body.people_details()
    )
    db.session.commit()
    return programme_read(event_id, item_id)


@bp.post(f"/events/{EVENT_ID}/programme/{ITEM_ID}/move")
def programme_move(event_id: int, item_id: int) -> Response:
    """Run an item at another place; the items between follow (see services/programme)."""
    actor = _organizer_actor(event_id)
    body = _body(schemas.ProgrammeMoveRequest)
    event = _event(event_id)
    # Where the item is now, unless the caller says where they saw it; checked again under the
    # lock by the service (409 if it moved in between).
    from_position = body.from_position or _item_of(event, item_id).position
    programme.move_item(event_id, item_id, body.position, actor, from_position=from_position)
    db.session.commit()
    return programme_list(event_id)


def programme_delete(event_id: int, item_id: int) -> Response:
    """Take the item off the programme, with its people; the answer is the item as it was."""
    actor = _organizer_actor(event_id)
    event = _event(event_id)
    was = schemas.ProgrammeItem.of(event, _item_of(event, item_id))
    programme.delete_item(event_id, item_id, actor)
    db.session.commit()
    return _answer(schemas.ProgrammeItem, was)


@bp.route(f"/events/{EVENT_ID}/programme/changes", methods=["GET", "POST"])
def programme_changes(event_id: int) -> Response:
    """GET: the programme's changes the invited guests were not told of. POST: tell them, or
    keep the changes untold."""
    if request.method == "GET":
        _organizer_actor(event_id)
        return _answer(
            schemas.ProgrammeChanges, schemas.ProgrammeChanges.of(told.pending(_event(event_id)))
        )
    actor = _organizer_actor(event_id)
    body = _body(schemas.ProgrammeNoticeRequest)
    _event(event_id)
    if body.notify:
        items, queued = told.tell(event_id, body.seen, actor)
    else:
        items, queued = told.keep_untold(event_id, body.seen, actor), 0
    db.session.commit()
    return _answer(schemas.ProgrammeNoticeDone, {"items": items, "queued": queued})
