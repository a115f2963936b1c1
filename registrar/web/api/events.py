"""JSON API v1: events as organizers write them: create, change (with the event editor's change
notices), copy, and the console's state changes (open, close, archive, cancel).

Through the console's services (services/events.py, notices.py): the API is another edge.
Who may make a new event: an organizer token of an account that may make events in the
console (an administrator, or an organizer of some event), or such an account's session; the
new event is the account's to organize (an administrator's already) and becomes one of the
token's events, so that the token may go on with it.
"""

from __future__ import annotations

from datetime import date

from flask import Response, abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from pydantic import BaseModel

from ...errors import DomainError, InvalidAnswer
from ...extensions import db
from ...models import Event, EventState
from ...services import api_tokens, audit, notices, team
from ...services import events as event_service
from ...services.staff import SignedIn
from . import bearer, schemas
from .routes import (
    EVENT_ID,
    _answer,
    _body,
    _created_once,
    _organizer_actor,
    bp,
    event_read,
)

NOTIFY_REQUIRED = "notify_required"
# The state each action of POST /events/<id>/<action> moves the event to (cancel has its own).
ACTIONS = {
    "open": EventState.OPEN,
    "close": EventState.CLOSED,
    "archive": EventState.ARCHIVED,
}
# The days a copy may be moved to.
COPY_DAYS = (date(schemas.EVENT_YEARS[0], 1, 2), date(schemas.EVENT_YEARS[1], 12, 30))


class NotifyRequired(DomainError):
    """A change guests were told about, after invitations went out, sent without `notify`."""

    status = 409
    code = NOTIFY_REQUIRED
    default_message = _l(
        "Guests were invited, and this change concerns what they were told (%(fields)s): "
        '%(invited)s guests would be told. Nothing was saved. Send it again with "notify": '
        'true to save and tell them, or "notify": false to save without telling them.'
    )


class MayNotCreate(api_tokens.TokenNotAllowed):
    default_message = _l(
        "Only an organizer token of an account that may create events in the console may "
        "create one."
    )


def _invalid(exc: event_service.EventInvalid) -> InvalidAnswer:
    """The editor's refusal with every field it names, for a program to read."""
    # Each message ends with its own full stop (。 in Chinese).
    named = " ".join(f"'{name}': {message}" for name, message in sorted(exc.errors.items()))
    return InvalidAnswer(_l("The event was not saved: %(errors)s"), errors=named)


def _joins(account: SignedIn) -> int | None:
    """Who joins a new event as its organizer: nobody for an administrator, who has them all."""
    return None if account.is_admin else account.id


def _creator() -> tuple[str, int | None, int | None]:
    """Who makes a new event: (audit actor, the account that joins it as its organizer, the
    token it is added to); 401 or 403 for anyone else."""
    token = bearer.caller()
    if token is not None:
        if not token.may_create_events():
            raise MayNotCreate()
        return token.actor, _joins(token.account), token.token_id
    if not current_user.is_authenticated:
        abort(401)
    if not team.organizes_any(current_user):
        abort(403)
    return audit.staff_actor(current_user), _joins(current_user), None


def _item(event_id: int) -> Response:
    """The event as it is now, after the edge's commit."""
    return _answer(schemas.EventItem, schemas.EventItem.of(db.get_or_404(Event, event_id)))


def _made(made: Event, actor: str, token_id: int | None) -> BaseModel:
    if token_id is not None:
        api_tokens.add_event(token_id, made.id, actor)
    return schemas.EventItem.of(made)


@bp.post("/events")
def event_create() -> Response:
    """A new event, as a draft: the editor's fields and rules."""
    actor, organizer_id, token_id = _creator()
    body = _body(schemas.EventRequest)

    def create() -> BaseModel:
        try:
            made = event_service.create(body.details(), actor, organizer_id=organizer_id)
        except event_service.EventInvalid as exc:
            raise _invalid(exc) from None
        return _made(made, actor, token_id)

    return _created_once(actor, create)


# One rule per address with its methods (see routes.py): GET reads, PATCH changes.
@bp.route(f"/events/{EVENT_ID}", methods=["GET", "PATCH"])
def event(event_id: int) -> Response:
    if request.method == "GET":
        return event_read(event_id)
    return event_update(event_id)


def event_update(event_id: int) -> Response:
    """The fields sent, with the editor's rules; a change guests know about, after invitations
    went out, needs `notify`."""
    actor = _organizer_actor(event_id)
    body = _body(schemas.EventChangeRequest)
    current = db.get_or_404(Event, event_id)
    version = current.edit_version if body.version is None else body.version
    try:
        event_service.update(
            event_id,
            body.details(current),
            version,
            actor,
            notice_confirmed=body.notify is not None,
            move_programme=body.move_programme,
            tell_guests=bool(body.notify),
        )
    except event_service.NoticeNotConfirmed as exc:
        raise NotifyRequired(
            fields=", ".join(sorted(exc.changes)), invited=exc.audience.invited
        ) from None
    except event_service.EventInvalid as exc:
        raise _invalid(exc) from None
    db.session.commit()
    return _item(event_id)


@bp.post(f"/events/{EVENT_ID}/copy")
def event_copy(event_id: int) -> Response:
    """A new draft like this event on another day, with its programme (as `flask event copy`)."""
    actor = _organizer_actor(event_id)
    token = bearer.caller()
    account = token.account if token is not None else current_user
    body = _body(schemas.EventCopyRequest)
    db.get_or_404(Event, event_id)
    if not COPY_DAYS[0] <= body.date <= COPY_DAYS[1]:
        raise InvalidAnswer(
            _l("'date' must be a day in the years %(first)s to %(last)s."),
            first=schemas.EVENT_YEARS[0],
            last=schemas.EVENT_YEARS[1],
        )

    def create() -> BaseModel:
        try:
            made = event_service.copy(
                event_id, body.slug, body.date, actor, organizer_id=_joins(account)
            )
        except event_service.EventInvalid as exc:
            raise _invalid(exc) from None
        return _made(made, actor, token.token_id if token is not None else None)

    return _created_once(actor, create)


@bp.post(f"/events/{EVENT_ID}/<any(open, close, archive):action>")
def event_state(event_id: int, action: str) -> Response:
    """Open for answers, close, reopen (open), or archive: the console's steps."""
    actor = _organizer_actor(event_id)
    db.get_or_404(Event, event_id)
    event_service.set_state(event_id, ACTIONS[action], actor)
    db.session.commit()
    return _item(event_id)


@bp.post(f"/events/{EVENT_ID}/cancel")
def event_cancel(event_id: int) -> Response:
    """Cancel the event and tell every guest invited who has not declined."""
    actor = _organizer_actor(event_id)
    body = _body(schemas.EventCancelRequest)
    db.get_or_404(Event, event_id)
    notices.cancel_event(event_id, body.reason_en, body.reason_zh, actor)
    db.session.commit()
    return _item(event_id)
