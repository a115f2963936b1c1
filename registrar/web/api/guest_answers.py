"""JSON API v1 for organizers: guests in bulk (the CSV import's rules, from a JSON array) and
a guest's answer, read or given on their behalf."""

from __future__ import annotations

from flask import Response, current_app, request
from pydantic import BaseModel

from ...extensions import db
from ...models import Event, Guest
from ...services import guests, imports, rsvp
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


@bp.post(f"/events/{EVENT_ID}/guests/bulk")
def guest_bulk(event_id: int) -> Response:
    """Add and change guests from a JSON array, all of them or none, with per-guest errors."""
    actor = _organizer_actor(event_id)
    event = db.get_or_404(Event, event_id)
    try:
        records = schemas.bulk_records(request.get_data() if request.is_json else None)
    except schemas.RowsRefused as exc:
        return _rows_refused(str(exc), exc.rows)

    def create() -> BaseModel:
        done = imports.apply_records(event, records, actor)
        return schemas.BulkResult.model_validate(_bulk_result(done))

    try:
        return _created_once(actor, create)
    except imports.ImportRejected as exc:
        db.session.rollback()
        refused = [
            schemas.RowError(index=row.row, field=issue.column, message=str(issue))
            for row in exc.preview.error_rows
            for issue in row.issues
        ]
        return _rows_refused(str(exc), refused)


def _bulk_result(done: imports.ImportResult) -> dict[str, object]:
    added = iter(done.added_ids)
    items = []
    for row in done.preview.rows:
        guest_id = next(added) if row.outcome == imports.Outcome.NEW else row.guest_id
        items.append({"index": row.row, "id": guest_id, "outcome": row.outcome.value})
    return {
        "added": done.added,
        "updated": done.updated,
        "unchanged": done.unchanged,
        "items": items,
    }


def _rows_refused(message: str, rows: list[schemas.RowError]) -> Response:
    wire = schemas.BulkError.model_validate(
        {"error": {"code": "bad_request", "message": message, "rows": rows}}
    )
    return current_app.response_class(
        wire.model_dump_json(), status=400, mimetype="application/json"
    )


@bp.route(f"/events/{EVENT_ID}/guests/{GUEST_ID}/answer", methods=["GET", "PUT"])
def guest_answer(event_id: int, guest_id: int) -> Response:
    """The guest's answer and seat; PUT: an organizer answers for the guest, as the console."""
    if request.method == "GET":
        _organizer_reader(event_id)
        return _answer(schemas.GuestAnswer, _answer_of(_guest_of(event_id, guest_id)))
    actor = _organizer_actor(event_id)
    body = _body(schemas.AnswerRequest)
    _guest_of(event_id, guest_id)
    # The console's refusals: a revoked invitation, erased data (409); a channel not offered.
    guests.answer_for(guest_id, body.reply(), actor)
    db.session.commit()
    return _answer(schemas.GuestAnswer, _answer_of(_guest_of(event_id, guest_id)))


def _answer_of(found: Guest) -> dict[str, object]:
    state = rsvp.state_of(found)
    given = found.rsvp
    return {
        "guest_id": found.id,
        "answered": given is not None,
        "attending": None if given is None else given.attending,
        "channel": given.channel.value if given is not None and given.channel else None,
        "dietary": given.dietary if given is not None else "",
        "access_needs": given.access_needs if given is not None else "",
        "note": given.note if given is not None else "",
        "answered_at": given.answered_at if given is not None else None,
        "updated_at": given.updated_at if given is not None else None,
        "seat": state.seat.value if state.seat else None,
        "waitlist_position": state.waitlist_position,
    }
