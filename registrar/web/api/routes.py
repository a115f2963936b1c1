"""JSON API v1: the door's scans, guest search, manual check-in, letting in a guest who never
answered, a door lead's let-in, walk-ins, receivers, occupancy, and the door list a scanner keeps
for offline verdicts."""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from pydantic import BaseModel

from ...errors import DomainError, GuestErased, InvalidAnswer
from ...extensions import csrf, db
from ...models import ApiRole, Event, Guest, Role
from ...numbers import MAX_ID
from ...services import (
    api_tokens,
    audit,
    checkin,
    door,
    event_pages,
    guests,
    idempotency,
    invitations,
    questions,
    seats,
    team,
    travel,
)
from .. import limits
from ..access import door_actor, lapsed_door_link, may_override, staff_refusal
from . import bearer, schemas

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# A request with a bearer token needs no CSRF token; bearer.authenticate checks the session's
# for every other request, as Flask-WTF did before.
csrf.exempt(bp)
bp.before_request(bearer.authenticate)
bp.after_request(bearer.challenge)
limits.api_tokens(bp)
# A larger id names nothing, and is answered 404 by the router instead of reaching a database
# that cannot take it.
EVENT_ID = f"<int(max={MAX_ID}):event_id>"
GUEST_ID = f"<int(max={MAX_ID}):guest_id>"


def _door_actor(event_id: int) -> str:
    """Who scans at this event's door (for the audit log), or the error that says why not.

    Whether the event exists is for the route to find out (404), after this. A token may use
    the door of its events: reading with any token, a POST with a door or organizer token.
    """
    token = bearer.caller()
    if token is not None:
        if not token.may(event_id, bearer.need_for_method()):
            raise api_tokens.TokenNotAllowed()
        return token.actor
    actor = door_actor(event_id)
    if actor is None:
        if lapsed_door_link():
            raise door.DoorLinkInactive()
        if current_user.is_authenticated:
            # Signed in, but not on this event's team.
            abort(staff_refusal(event_id))
        abort(401)
    return actor


class NotDoorLead(DomainError):
    status = 403
    default_message = _l("Only a door lead or an organizer of this event may let a guest in.")


def _body(model: type[schemas.Body]) -> schemas.Body:
    return schemas.parse(model, request.get_data() if request.is_json else None)


def _may_override(event_id: int) -> bool:
    """A door lead's or an organizer's: of tokens, an organizer token's only."""
    token = bearer.caller()
    if token is not None:
        return token.may(event_id, ApiRole.ORGANIZER)
    return may_override(event_id)


def _scan_request(event_id: int, body: schemas.CheckInRequest, code: str) -> checkin.ScanRequest:
    if body.override and not _may_override(event_id):
        abort(403)
    return body.scan_request(code)


def _answer(model: type[BaseModel], value: object) -> Response:
    """`value` (a service's answer, read by attribute) as the model says the API answers."""
    wire = model.model_validate(value, from_attributes=True)
    return current_app.response_class(wire.model_dump_json(), mimetype="application/json")


@bp.post(f"/events/{EVENT_ID}/scans")
@limits.scans
def scan(event_id: int) -> Response:
    actor = _door_actor(event_id)
    body = _body(schemas.ScanRequest)
    scan_request = _scan_request(event_id, body, body.code or "")
    answer = checkin.scan(event_id, scan_request, actor)
    db.session.commit()
    return _answer(schemas.ScanResult, answer)


@bp.post(f"/events/{EVENT_ID}/guests/{GUEST_ID}/check-in")
@limits.scans
def check_in_by_name(event_id: int, guest_id: int) -> Response:
    actor = _door_actor(event_id)
    # The code is the guest's current badge, made by the service.
    scan_request = _scan_request(event_id, _body(schemas.CheckInRequest), "")
    answer = checkin.check_in_by_name(event_id, guest_id, scan_request, actor)
    db.session.commit()
    return _answer(schemas.ScanResult, answer)


@bp.post(f"/events/{EVENT_ID}/guests/{GUEST_ID}/admit-unanswered")
@limits.scans
def admit_unanswered(event_id: int, guest_id: int) -> Response:
    """Door staff let in a guest who never answered, where the event's policy allows it."""
    actor = _door_actor(event_id)
    body = _body(schemas.AdmitRequest)
    answer = checkin.admit_unanswered(
        event_id, guest_id, body.scan_request(), actor, body.chosen_channel()
    )
    db.session.commit()
    return _answer(schemas.ScanResult, answer)


@bp.post(f"/events/{EVENT_ID}/guests/{GUEST_ID}/let-in")
@limits.scans
def let_in(event_id: int, guest_id: int) -> Response:
    """A door lead or an organizer lets in a guest the door refused, for a reason."""
    actor = _door_actor(event_id)
    if not _may_override(event_id):
        raise NotDoorLead()
    body = _body(schemas.LetInRequest)
    answer = checkin.let_in(event_id, guest_id, body.let_in(), actor)
    db.session.commit()
    return _answer(schemas.ScanResult, answer)


@bp.post(f"/events/{EVENT_ID}/walk-ins")
@limits.scans
def walk_in(event_id: int) -> Response:
    """Door staff register a walk-in, where the event takes them: seated, checked in, a badge.

    With an Idempotency-Key, a retry gets the first answer and registers nobody again.
    """
    actor = _door_actor(event_id)
    body = _body(schemas.WalkInRequest)

    def register() -> BaseModel:
        registered = checkin.register_walk_in(event_id, body.walk_in(), actor)
        guest_id = registered.guest_id
        return schemas.WalkInResult.model_validate(
            {
                "guest_id": guest_id,
                "badge_code": registered.badge_code,
                "badge_png": url_for(
                    "door.walk_in_badge_png", event_id=event_id, guest_id=guest_id
                ),
                "badge_pdf": url_for(
                    "door.walk_in_badge_pdf", event_id=event_id, guest_id=guest_id
                ),
                "scan": schemas.ScanResult.model_validate(registered.answer, from_attributes=True),
            }
        )

    return _created_once(actor, register)


def _created_once(owner: str, create: Callable[[], BaseModel]) -> Response:
    """Run a creating use case and commit, answering 200 with what it made; with an
    Idempotency-Key header, the answer is kept in the same transaction and a retry with the
    same key and request gets it again (marked `Idempotent-Replayed: true`), creating nothing."""
    key = request.headers.get(idempotency.HEADER)
    if key is None:
        wire = create()
        db.session.commit()
        return current_app.response_class(wire.model_dump_json(), mimetype="application/json")
    key = idempotency.check_key(key)
    digest = idempotency.request_digest(request.method, request.path, request.get_data())
    stored = idempotency.first_answer(owner, key, digest)
    if stored is None:
        wire = create()
        stored = idempotency.Stored(200, wire.model_dump(mode="json"))
        try:
            idempotency.remember(owner, key, digest, stored.status, stored.body)
            db.session.commit()
        except sa.exc.IntegrityError:
            # The same key, at the same moment, by another request that committed first: this
            # one's creation is rolled back whole, and the first answer is this one's too.
            db.session.rollback()
            stored = idempotency.first_answer(owner, key, digest)
            if stored is None:
                raise
        else:
            return _stored(stored, replayed=False)
    return _stored(stored, replayed=True)


def _stored(stored: idempotency.Stored, *, replayed: bool) -> Response:
    response = current_app.response_class(
        json.dumps(stored.body, ensure_ascii=False, separators=(",", ":")),
        status=stored.status,
        mimetype="application/json",
    )
    response.headers["Idempotent-Replayed"] = "true" if replayed else "false"
    return response


@bp.post(f"/events/{EVENT_ID}/guests/{GUEST_ID}/receiver")
def receiver(event_id: int, guest_id: int) -> Response:
    actor = _door_actor(event_id)
    body = _body(schemas.ReceiverRequest)
    # Checked even when the receiver comes back and the number is not used: a wrong value is
    # refused whatever else the body says.
    number = checkin.receiver_number(body.receiver or "")
    if body.returned:
        presence = checkin.return_receiver(event_id, guest_id, actor)
    else:
        presence = checkin.set_receiver(event_id, guest_id, number, actor)
    db.session.commit()
    return _answer(
        schemas.Receiver,
        {
            "guest_id": guest_id,
            "receiver": presence.receiver,
            "returned": presence.receiver_returned_at is not None,
        },
    )


@bp.get(f"/events/{EVENT_ID}/occupancy")
def occupancy(event_id: int) -> Response:
    _door_actor(event_id)
    return _answer(schemas.RoomOccupancy, checkin.door_occupancy(db.get_or_404(Event, event_id)))


@bp.get(f"/events/{EVENT_ID}/door-search")
def search(event_id: int) -> Response:
    _door_actor(event_id)
    db.get_or_404(Event, event_id)
    found = checkin.search_guests(event_id, request.args.get("q", ""))
    return _answer(schemas.GuestList, {"guests": found})


@bp.get("/events")
def events() -> Response:
    """The events the caller may read, by id, a page at a time."""
    query = schemas.page_query(request.args)
    found = event_pages.page(_readable_events(), query.after, query.limit)
    after = found.next_after
    return _answer(
        schemas.EventPage,
        {"items": found.items, "next": None if after is None else str(after)},
    )


# GET /events/<id>, whose rule (with PATCH) is in events.py.
def event_read(event_id: int) -> Response:
    _door_actor(event_id)
    return _answer(schemas.EventSummary, db.get_or_404(Event, event_id))


# One rule per address with its methods: werkzeug answers an id past MAX_ID with 405 instead
# of 404 when a second rule of the same address has another method.
@bp.route(f"/events/{EVENT_ID}/guests", methods=["GET", "POST"])
def guests_collection(event_id: int) -> Response:
    return guest_list(event_id) if request.method == "GET" else guest_create(event_id)


@bp.route(f"/events/{EVENT_ID}/guests/{GUEST_ID}", methods=["GET", "PATCH"])
def guest(event_id: int, guest_id: int) -> Response:
    if request.method == "GET":
        return guest_read(event_id, guest_id)
    return guest_update(event_id, guest_id)


def guest_list(event_id: int) -> Response:
    """The console's guest list: its search, filters and order, a page of 50 (or `limit`)."""
    _organizer_reader(event_id)
    criteria, limit = schemas.guest_criteria(request.args)
    event = db.get_or_404(Event, event_id)
    criteria, ignored = guests.of_event(event, criteria, [])
    if ignored:
        raise InvalidAnswer(
            _l("The value of '%(field)s' is not one the list takes."), field="session"
        )
    found = guests.search(event, criteria, per_page=limit)
    rows = [] if found.page_past_end else found.rows
    answers = questions.answers_of_guests(row.guest.id for row in rows)
    places = seats.sessions.places_of_guests(event.id, [row.guest.id for row in rows])
    more = not found.page_past_end and found.page < found.pages
    return _answer(
        schemas.GuestPage,
        {
            "items": [
                _guest_item(
                    row.guest,
                    row.state,
                    answers.get(row.guest.id, {}),
                    places.get(row.guest.id, []),
                )
                for row in rows
            ],
            "total": found.total,
            "next": str(found.page + 1) if more else None,
        },
    )


def guest_read(event_id: int, guest_id: int) -> Response:
    _organizer_reader(event_id)
    found = _guest_of(event_id, guest_id)
    return _answer(schemas.GuestItem, _guest_item(found, guests.state_of(found)))


def guest_create(event_id: int) -> Response:
    """Put a guest on the list (not invited yet), as the console's form does."""
    actor = _organizer_actor(event_id)
    body = _body(schemas.GuestRequest)

    def create() -> BaseModel:
        added = guests.add(event_id, body.details(), actor)
        return schemas.GuestItem.model_validate(_guest_item(added, guests.state_of(added)))

    return _created_once(actor, create)


def guest_update(event_id: int, guest_id: int) -> Response:
    """Change a guest's details: the fields sent, with the console's rules."""
    actor = _organizer_actor(event_id)
    body = _body(schemas.GuestChangeRequest)
    current = _guest_of(event_id, guest_id)
    if current.is_erased:
        raise GuestErased()
    guests.update(guest_id, body.details(current), actor)
    db.session.commit()
    changed = _guest_of(event_id, guest_id)
    return _answer(schemas.GuestItem, _guest_item(changed, guests.state_of(changed)))


@bp.post(f"/events/{EVENT_ID}/guests/{GUEST_ID}/<any(revoke, rotate, erase):action>")
def guest_action(event_id: int, guest_id: int, action: str) -> Response:
    """Withdraw the invitation, issue a new link (the answer carries it), or erase the guest's
    personal data: the console's actions, without its confirmation page."""
    actor = _organizer_actor(event_id)
    _guest_of(event_id, guest_id)
    if action == "rotate":
        rotated = invitations.rotate(guest_id, actor)
        link = invitations.invitation_url(rotated)
        db.session.commit()
        return _answer(schemas.GuestLink, {"guest_id": guest_id, "link": link})
    if action == "revoke":
        invitations.revoke(guest_id, actor)
    else:
        guests.erase(guest_id, actor)
    db.session.commit()
    changed = _guest_of(event_id, guest_id)
    return _answer(schemas.GuestItem, _guest_item(changed, guests.state_of(changed)))


def _guest_of(event_id: int, guest_id: int) -> Guest:
    found = db.session.get(Guest, guest_id)
    if found is None or found.event_id != event_id:
        abort(404)
    return found


def _organizer_actor(event_id: int) -> str:
    """Who changes the guest list: an organizer token of the event, or an organizer's session
    (with its CSRF token); 401 or 403 for anyone else."""
    token = bearer.caller()
    if token is not None:
        if not token.may(event_id, ApiRole.ORGANIZER):
            raise api_tokens.TokenNotAllowed()
        return token.actor
    if not current_user.is_authenticated:
        abort(401)
    if not team.can(current_user, event_id, Role.ORGANIZER):
        abort(staff_refusal(event_id))
    return audit.staff_actor(current_user)


def _guest_item(
    found: Guest,
    state: guests.GuestState,
    answers: dict[int, str] | None = None,
    places: list[seats.sessions.SessionPlace] | None = None,
) -> dict[str, object]:
    """The guest as the API reads it; `answers` (to the event's questions) and `places` (in
    the sessions chosen) read when not given."""
    if answers is None:
        answers = questions.answers_of(found.id)
    if places is None:
        places = seats.sessions.places_of(found)
    return {
        "id": found.id,
        "email": "" if found.is_erased else found.email,
        "name_en": found.name_en,
        "name_zh": found.name_zh,
        "organization": found.organization,
        "title": found.title,
        "category": found.category.value,
        "language": found.language.value,
        "precedence": found.precedence,
        "travel_offered": found.travel_offered,
        "travel": travel.offered_to(found),
        "state": state.value,
        "checked_in": found.check_in is not None,
        "walk_in": found.walk_in,
        "answers": {str(question_id): value for question_id, value in sorted(answers.items())},
        "sessions": [
            {
                "session_id": place.session.id,
                "title_en": place.session.title_en,
                "title_zh": place.session.title_zh,
                "starts": place.session.starts_at,
                "ends": place.session.ends_at,
                "state": place.state.value,
                "position": place.position,
            }
            for place in places
        ],
    }


def _organizer_reader(event_id: int) -> None:
    """The guest list is what an organizer reads: a token that may read the event, made by
    one of its organizers, or an organizer's session; 401 or 403 for anyone else."""
    token = bearer.caller()
    if token is not None:
        if not (
            token.may(event_id, ApiRole.READ) and team.can(token.account, event_id, Role.ORGANIZER)
        ):
            raise api_tokens.TokenNotAllowed()
        return
    if not current_user.is_authenticated:
        abort(401)
    if not team.can(current_user, event_id, Role.ORGANIZER):
        abort(staff_refusal(event_id))


def _readable_events() -> list[int] | None:
    """The events a token may read, or a signed-in account's (None: every one, for an
    administrator); 401 for anyone else (a volunteer's door link opens one event's door)."""
    token = bearer.caller()
    if token is not None:
        return sorted(e for e in token.event_ids if token.may(e, ApiRole.READ))
    if not current_user.is_authenticated:
        abort(401)
    return team.event_ids(current_user, Role.DOOR)


@bp.get(f"/events/{EVENT_ID}/door-list")
def door_list(event_id: int) -> Response:
    """Every guest as the door needs them offline; 304 while the scanner's copy is current."""
    _door_actor(event_id)
    listed = checkin.door_list(db.get_or_404(Event, event_id))
    if listed.version in request.if_none_match:
        response = current_app.response_class(status=304)
    else:
        response = _answer(schemas.DoorListAnswer, listed)
    response.set_etag(listed.version)
    return response
