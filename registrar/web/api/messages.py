"""The organizer API's messages: queueing invitations and reminders as the console's e-mail page
does (mail/campaigns.py), and the event's messages with their delivery states."""

from __future__ import annotations

from datetime import datetime

from flask import Response, request
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel

from ...errors import InvalidAnswer
from ...extensions import db
from ...mail import campaigns
from ...models import Event, MessageKind, MessageStatus, OutboxMessage, utcnow
from . import schemas
from .routes import EVENT_ID, _answer, _body, _created_once, _organizer_actor, _organizer_reader, bp


@bp.route(f"/events/{EVENT_ID}/messages", methods=["GET", "POST"])
def message_collection(event_id: int) -> Response:
    if request.method == "GET":
        return message_list(event_id)
    return messages_queue(event_id)


def messages_queue(event_id: int) -> Response:
    """Queue invitations or reminders to a selection; answers how many were queued."""
    actor = _organizer_actor(event_id)
    body = _body(schemas.MessagesRequest)
    kind = MessageKind(body.kind)
    if kind == MessageKind.REMINDER_CONFIRMED and body.guest_ids is not None:
        raise InvalidAnswer(
            _l("The reminder to confirmed guests goes to every one of them: send no 'guest_ids'.")
        )
    if kind == MessageKind.INVITATION and body.send_at is not None:
        raise InvalidAnswer(_l("Invitations go out at once: send no 'send_at'."))
    event = db.get_or_404(Event, event_id)
    # A moment already past means now, as in the console.
    send_at: datetime | None = body.send_at
    if send_at is not None and send_at <= utcnow():
        send_at = None
    ids = body.guest_ids

    def queue() -> BaseModel:
        if kind == MessageKind.INVITATION:
            queued = campaigns.send_invitations(event, actor, ids)
        elif kind == MessageKind.REMINDER_UNANSWERED:
            queued = campaigns.remind_unanswered(event, actor, ids, send_at)
        else:
            queued = campaigns.remind_confirmed(event, actor, send_at)
        db.session.flush()  # their ids
        return schemas.MessagesQueued(queued=len(queued), message_ids=[m.id for m in queued])

    return _created_once(actor, queue)


def message_list(event_id: int) -> Response:
    """The event's messages to guests and their delivery states, by id, a page at a time."""
    _organizer_reader(event_id)
    query = schemas.message_query(request.args)
    event = db.get_or_404(Event, event_id)
    found, more = campaigns.messages_page(
        event,
        query.page.after,
        query.page.limit,
        kind=MessageKind(query.kind) if query.kind else None,
        status=MessageStatus(query.state) if query.state else None,
        guest_id=query.guest_id,
    )
    return _answer(
        schemas.MessagePage,
        {
            "items": [_item(message) for message in found],
            "next": str(found[-1].id) if more else None,
        },
    )


def _item(message: OutboxMessage) -> dict[str, object]:
    return {
        "id": message.id,
        "guest_id": message.guest_id,
        "kind": message.kind.value,
        "state": message.status.value,
        "language": message.language.value,
        "to_address": message.to_address,
        "attempts": message.attempts,
        "created_at": message.created_at,
        "next_attempt_at": message.next_attempt_at,
        "sent_at": message.sent_at,
        "last_error": message.last_error,
        "reason": message.reason,
    }
