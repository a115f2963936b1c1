"""Blueprints by audience, error pages, and headers every response carries."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..errors import Busy, DomainError
from ..extensions import db
from ..services.locking import is_lock_timeout


def init_app(app: Flask) -> None:
    from . import api, auth, console, door, public

    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(door.bp)
    app.register_blueprint(api.bp)

    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(sa.exc.OperationalError, _database_error)
    app.before_request(_refuse_nul)
    app.after_request(_security_headers)


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


def error_page(status: int, title: str, message: str, code: str | None = None):
    """An error as a page, or as JSON for the API."""
    if request.path.startswith("/api/"):
        code = code or ERROR_CODES.get(status, "error")
        return jsonify({"error": {"code": code, "message": message}}), status
    return render_template("errors/error.html", title=title, message=message), status


def _domain_error(exc: DomainError):
    db.session.rollback()
    return error_page(exc.status, str(exc.title), str(exc))


def _csrf_error(exc: CSRFError):
    db.session.rollback()
    return error_page(
        400,
        _("The form has expired"),
        _("Please go back, reload the page and send the form again. Nothing was saved."),
        code="csrf_failed",
    )


def _http_error(exc: HTTPException):
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
    return error_page(
        code,
        titles.get(code, _("Something went wrong")),
        messages.get(code, _("The request could not be carried out. Nothing was saved.")),
    )


def _database_error(exc: sa.exc.OperationalError):
    db.session.rollback()
    if is_lock_timeout(exc):
        return _domain_error(Busy())
    raise exc


def _refuse_nul():
    """NUL is in no name, answer or code of ours, and PostgreSQL cannot store it: refuse a
    form or query that carries one before any view sees it."""
    for values in (request.args, request.form):
        if any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
            return error_page(
                400,
                _("The request was not understood"),
                _("It contains a character that is not allowed (NUL). Nothing was saved."),
            )
    return None


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Personal links are in our URLs: never hand them to another site.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path.startswith("/i/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
