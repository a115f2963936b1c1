"""Errors as the web answers them: a page for people, the JSON envelope under /api/."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..errors import Busy, DatabaseUnavailable, DomainError
from ..extensions import db
from ..services.locking import is_lock_timeout


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(sa.exc.DBAPIError, _database_error)


ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    429: "too_many_requests",
    503: "busy",
}
# A 400 whose cause the scanner can mend itself: reload the page for a fresh token.
CSRF_FAILED = "csrf_failed"
# A 503 while the database is away (restarting, failing over): send the same request again
# later (a scan with the same nonce, which is never recorded twice).
DATABASE_UNAVAILABLE = "database_unavailable"


def error_page(status: int, title: str, message: str, code: str | None = None, event=None):
    """An error as a page, or as JSON for the API. `event`: whose contact the page shows."""
    if request.path.startswith("/api/"):
        code = code or ERROR_CODES.get(status, "error")
        return jsonify({"error": {"code": code, "message": message}}), status
    page = render_template("errors/error.html", title=title, message=message, event=event)
    return page, status


def _domain_error(exc: DomainError):
    # Read before the rollback expires it.
    event = getattr(exc, "event", None)
    contact = None
    if event is not None:
        contact = _Contact(event.contact_name, event.contact_email, event.contact_phone)
    db.session.rollback()
    return error_page(exc.status, str(exc.title), str(exc), code=exc.code, event=contact)


@dataclass(frozen=True)
class _Contact:
    """The event's contact as the error page shows it (templates/public/_contact.html)."""

    contact_name: str
    contact_email: str
    contact_phone: str


def _csrf_error(exc: CSRFError):
    db.session.rollback()
    return error_page(
        400,
        _("The form has expired"),
        _("Please go back, reload the page and send the form again. Nothing was saved."),
        code=CSRF_FAILED,
    )


def http_error(exc: HTTPException):
    db.session.rollback()
    titles = {
        400: _("Bad request"),
        401: _("Please log in"),
        403: _("Not allowed"),
        404: _("Page not found"),
        405: _("Not allowed"),
        413: _("Too large"),
        429: _("Too many requests"),
    }
    messages = {
        401: _("Log in, or open the door link you were given, to use this."),
        403: _("Your account cannot open this page."),
        404: _("There is no page at this address."),
        413: _("What was sent is too large."),
        429: _("Too many requests. Please wait a minute and try again."),
    }
    code = exc.code or 500
    body, status = error_page(
        code,
        titles.get(code, _("Something went wrong")),
        messages.get(code, _("The request could not be carried out. Nothing was saved.")),
    )
    # A 405 says which methods the address takes (RFC 9110), as werkzeug's own page does.
    allowed = getattr(exc, "valid_methods", None)
    return body, status, {"Allow": ", ".join(allowed)} if allowed else {}


def _database_error(exc: sa.exc.DBAPIError):
    try:
        db.session.rollback()
    except sa.exc.DBAPIError:
        pass  # the connection is gone, and the transaction with it
    if is_lock_timeout(exc):
        return _domain_error(Busy())
    if not (isinstance(exc, sa.exc.OperationalError) or exc.connection_invalidated):
        raise exc  # a bug, not the database being away: a 500 and a traceback in the log
    # The server restarted or the connection broke. The pool pings a connection before
    # handing it out again (pool_pre_ping), so the next request after the outage reconnects.
    reason = str(exc.orig).strip().splitlines() or [type(exc.orig).__name__]
    # The driver's first line only: the statement and its parameters may hold personal data.
    current_app.logger.warning(
        "database unavailable on %s %s: %s", request.method, request.path, reason[0]
    )
    unavailable = DatabaseUnavailable()
    return error_page(
        unavailable.status, str(unavailable.title), str(unavailable), code=DATABASE_UNAVAILABLE
    )
