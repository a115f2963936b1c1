"""Organizer console: one blueprint, a module per screen.

Every view here is for organizers only (``organizer_required``); tests/test_console_access.py
walks the URL map to make sure no route is forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...errors import DomainError, NotFound
from ...extensions import db
from ...models import Event

bp = Blueprint("console", __name__, url_prefix="/console")

# The console's navigation, in order: (endpoint, label). templates/console/_layout.html shows the
# ones whose endpoint exists, each for the event on screen.
NAV = [
    ("console.dashboard", _l("Dashboard")),
    ("console.event", _l("Seats and guests")),
    ("console.guests", _l("Guest list")),
    ("console.import_upload", _l("Import")),
    ("console.waitlist", _l("Waitlist")),
    ("console.mail_page", _l("E-mail")),
    ("console.exports", _l("Exports")),
    ("console.audit_log", _l("Audit log")),
    ("door.links", _l("Door links")),
    ("door.scanner", _l("Scanner")),
]


@bp.app_context_processor
def _console_nav():
    views = current_app.view_functions
    return {"console_nav": [(endpoint, label) for endpoint, label in NAV if endpoint in views]}


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


def guest_list_back(event_id: int) -> str | None:
    """The guest list as it was filtered, from the request's `back` query, if it is that list.

    Only the event's own list path is accepted, so the parameter cannot send anyone elsewhere.
    """
    back = request.args.get("back", "")
    parts = urlsplit(back)
    if (
        not parts.scheme
        and not parts.netloc
        and parts.path == url_for(".guests", event_id=event_id)
    ):
        return back
    return None


def flash_form_errors(form) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")


from . import audit_log, dashboard, exports, guests, imports, messages, overview, waitlist  # noqa: E402,F401  (the views register themselves on bp)
