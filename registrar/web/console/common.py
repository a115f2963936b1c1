"""What every console screen shares: the event on screen, a row or 404, the way back."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from ... import unit_of_work
from ...errors import DomainError, NotFound
from ...extensions import db
from ...models import Event

Model = TypeVar("Model")
Result = TypeVar("Result")


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


def save_on_form(
    form: FlaskForm, work: Callable[[], Result], refusal: type[DomainError]
) -> tuple[bool, Result | None]:
    """Run the change in one transaction. A refusal of the `refusal` kind names the form's
    field it is about (its `field`): its message goes next to that field, or on top of the page
    when it names none, as any other refusal's does; nothing is saved. A row gone meanwhile is
    the 404 page, as a forged id is."""
    try:
        return True, unit_of_work.run(work)
    except NotFound:
        raise
    except DomainError as exc:
        name = getattr(exc, "field", None) if isinstance(exc, refusal) else None
        field = getattr(form, name, None) if name else None
        if field is None:
            flash(str(exc), "error")
        else:
            field.errors = [*field.errors, str(exc)]
        return False, None
