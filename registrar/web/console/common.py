"""What every console screen shares: the event on screen, a row or 404, the way back."""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ...errors import NotFound
from ...extensions import db
from ...models import Event

Model = TypeVar("Model")


def current_event(event_id: int | None = None) -> Event:
    """The event by id, or the first one; a clear 404 when there is none."""
    query = sa.select(Event).order_by(Event.id).limit(1)
    if event_id is not None:
        query = sa.select(Event).where(Event.id == event_id)
    event = db.session.scalar(query)
    if event is None:
        raise NotFound(_("There is no such event. All events are on the Events page."))
    return event


def get_or_404(model: type[Model], ident: int) -> Model:
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound()
    return row


def guest_list_back(event_id: int) -> str | None:
    """The guest list as it was filtered, from the request's `back` query, if it is that list.

    Only the event's own list path is accepted, so the parameter cannot send anyone elsewhere.
    """
    back = request.args.get("back", "")
    parts = urlsplit(back)
    if (
        not parts.scheme
        and not parts.netloc
        and parts.path == url_for("console.guests", event_id=event_id)
    ):
        return back
    return None


def flash_form_errors(form: FlaskForm) -> None:
    """Every message of a form that did not validate, flashed."""
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")
