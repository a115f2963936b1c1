"""The organizer API's requests: what guests asked through their links (corrections of their
names, deputies), read and decided as on the console's Requests page, and a deputy an organizer
names directly for a guest.

A decision goes through services/requests under the event lock, at the version the caller read
(or the request as it is now): one already decided, or changed since, is refused (409) and
nothing changes. Read tokens may read, not decide.
"""

from __future__ import annotations

from flask import Response, request

from ...extensions import db
from ...models import ChangeRequest, Event, Language
from ...numbers import MAX_ID
from ...services import guests, requests
from ...services.requests import approval, deputies
from . import schemas
from .routes import (
    EVENT_ID,
    GUEST_ID,
    _answer,
    _body,
    _guest_item,
    _guest_of,
    _organizer_actor,
    _organizer_reader,
    bp,
)

REQUEST_ID = f"<int(max={MAX_ID}):request_id>"


def _item(found: ChangeRequest) -> dict[str, object]:
    return {
        "id": found.id,
        "guest_id": found.guest_id,
        "kind": found.kind.value,
        "state": found.state.value,
        "version": found.version,
        "name_en": found.name_en,
        "name_zh": found.name_zh,
        "organization": found.organization,
        "title": found.title,
        "email": found.email,
        "language": found.language.value,
        "previous": {k: str(v) for k, v in (found.previous or {}).items()},
        "requested_by": found.requested_by,
        "created_at": found.created_at,
        "decided_by": found.decided_by,
        "decided_at": found.decided_at,
        "deputy_id": found.deputy_id,
        "companion_role": found.companion_role.value if found.companion_role else None,
    }


@bp.get(f"/events/{EVENT_ID}/requests")
def request_list(event_id: int) -> Response:
    """The event's requests by id, a page at a time: pending ones, decided ones, or all."""
    _organizer_reader(event_id)
    query = schemas.request_query(request.args)
    db.get_or_404(Event, event_id)
    found, more = requests.page(event_id, query.page.after, query.page.limit, decided=query.decided)
    return _answer(
        schemas.RequestPage,
        {"items": [_item(r) for r in found], "next": str(found[-1].id) if more else None},
    )


@bp.get(f"/events/{EVENT_ID}/requests/{REQUEST_ID}")
def request_read(event_id: int, request_id: int) -> Response:
    _organizer_reader(event_id)
    return _answer(schemas.RequestItem, _item(requests.of_event(event_id, request_id)))


@bp.post(f"/events/{EVENT_ID}/requests/{REQUEST_ID}/approve")
def request_approve(event_id: int, request_id: int) -> Response:
    """Approve: a correction is applied (a guest with a badge gets the new one); a deputy
    becomes a guest with their own link and takes the guest's seat, the guest's link and badge
    die; an accompanying person is added as an organizer adds one (limit, seat)."""
    actor = _organizer_actor(event_id)
    body = _body(schemas.RequestDecision)
    found = requests.of_event(event_id, request_id)
    version = found.version if body.version is None else body.version
    approval.approve(found, version, actor)
    db.session.commit()
    return _answer(schemas.RequestItem, _item(requests.of_event(event_id, request_id)))


@bp.post(f"/events/{EVENT_ID}/requests/{REQUEST_ID}/decline")
def request_decline(event_id: int, request_id: int) -> Response:
    """Decline: nothing of the guest changes; the guest is told by e-mail, with the reason."""
    actor = _organizer_actor(event_id)
    body = _body(schemas.RequestDeclineRequest)
    found = requests.of_event(event_id, request_id)
    version = found.version if body.version is None else body.version
    requests.decline(request_id, version, actor, body.reason)
    db.session.commit()
    return _answer(schemas.RequestItem, _item(requests.of_event(event_id, request_id)))


@bp.post(f"/events/{EVENT_ID}/guests/{GUEST_ID}/deputy")
def guest_deputy(event_id: int, guest_id: int) -> Response:
    """Name the guest's deputy, approved as it is made; answers with the deputy, a guest now."""
    actor = _organizer_actor(event_id)
    body = _body(schemas.DeputyRequest)
    _guest_of(event_id, guest_id)
    details = deputies.DeputyDetails(
        name_en=body.name_en,
        name_zh=body.name_zh,
        title=body.title,
        organization=body.organization,
        email=body.email,
        language=Language(body.language),
    )
    deputy = deputies.name_directly(guest_id, details, actor)
    db.session.commit()
    named = _guest_of(event_id, deputy.id)
    return _answer(schemas.GuestItem, _guest_item(named, guests.state_of(named)))
