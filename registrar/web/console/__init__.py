"""Organizer console: one blueprint, a module per screen.

Every view here is for organizers only (``organizer_required``); tests/test_console_access.py
walks the URL map to make sure no route is forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from flask import Blueprint, flash
from flask_babel import gettext as _

from ...errors import DomainError, NotFound
from ...extensions import db
from ...models import Event

bp = Blueprint("console", __name__, url_prefix="/console")

Model = TypeVar("Model")
Result = TypeVar("Result")


def current_event(event_id: int | None = None) -> Event:
    """The event by id, or the first one; a clear 404 when there is none."""
    query = sa.select(Event).order_by(Event.id).limit(1)
    if event_id is not None:
        query = sa.select(Event).where(Event.id == event_id)
    event = db.session.scalar(query)
    if event is None:
        raise NotFound(_("There is no event yet. Run `flask --app registrar demo` or create one."))
    return event


def get_or_404(model: type[Model], ident: int) -> Model:
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound()
    return row


def perform(work: Callable[[], Result], success: str | None = None) -> tuple[bool, Result | None]:
    """Run one use case and commit it, or roll it back and flash the domain error's message.

    Returns ``(True, result)`` on success (flashing ``success`` when given), else
    ``(False, None)``.
    """
    try:
        result = work()
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return False, None
    if success:
        flash(str(success), "success")
    return True, result


def flash_form_errors(form) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")


from . import messages, overview  # noqa: E402,F401  (the views register themselves on bp)
