"""JSON API v1: travelling guests: the event's arrivals (flights, pickups, hotels), one guest's
travel, and the driver or car of a pickup (services/travel/). Nothing of a visa letter."""

from __future__ import annotations

from flask import Response, request

from ...errors import NotFound
from ...extensions import db
from ...models import Event
from ...services.travel import board
from ...services.travel.details import travel_of
from . import schemas
from .routes import (
    EVENT_ID,
    GUEST_ID,
    _answer,
    _body,
    _guest_of,
    _organizer_actor,
    _organizer_reader,
    bp,
)


@bp.get(f"/events/{EVENT_ID}/travel")
def travel_board(event_id: int) -> Response:
    """Every travelling guest's details, by arrival day and time."""
    _organizer_reader(event_id)
    db.get_or_404(Event, event_id)
    counts = board.counts(event_id)
    items = [schemas.GuestTravelItem.of(m.travel) for m in board.board(event_id, board.Leg.ARRIVAL)]
    return _answer(
        schemas.TravelBoard, {"offered": counts.offered, "given": counts.given, "items": items}
    )


# One rule per address with its methods (see routes.py).
@bp.route(f"/events/{EVENT_ID}/guests/{GUEST_ID}/travel", methods=["GET", "PATCH"])
def guest_travel(event_id: int, guest_id: int) -> Response:
    if request.method == "PATCH":
        return pickup_update(event_id, guest_id)
    _organizer_reader(event_id)
    guest = _guest_of(event_id, guest_id)
    travel = travel_of(guest.id)
    if travel is None or guest.is_erased:
        raise NotFound()
    return _answer(schemas.GuestTravelItem, schemas.GuestTravelItem.of(travel))


def pickup_update(event_id: int, guest_id: int) -> Response:
    """Assign the driver or car of the guest's pickup or ride to the airport."""
    actor = _organizer_actor(event_id)
    body = _body(schemas.PickupRequest)
    _guest_of(event_id, guest_id)
    travel = board.assign_pickup(
        event_id, guest_id, body.leg, body.driver, body.driver_phone, body.version, actor
    )
    db.session.commit()
    return _answer(schemas.GuestTravelItem, schemas.GuestTravelItem.of(travel))
