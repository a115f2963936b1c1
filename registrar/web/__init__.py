"""Blueprints by audience, error pages, and headers every response carries."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from ..errors import Busy, DatabaseUnavailable, DomainError
from ..extensions import db
from ..numbers import MAX_ID
from ..services.locking import is_lock_timeout


class DatabaseId(IntegerConverter):
    """`<int:…>` in every route: ids are 32-bit on every database, so a larger number names
    nothing and gets a 404 from the router instead of an overflow in the database."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits, min, max, signed)


def init_app(app: Flask) -> None:
    from . import api, auth, console, door, public

    app.url_map.converters["int"] = DatabaseId

    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(door.bp)
    app.register_blueprint(api.bp)

    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(sa.exc.DBAPIError, _database_error)
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
# A 400 whose cause the scanner can mend itself: reload the page for a fresh token.
CSRF_FAILED = "csrf_failed"
# A 503 while the database is away (restarting, failing over): send the same request again
# later (a scan with the same nonce, which is never recorded twice).
DATABASE_UNAVAILABLE = "database_unavailable"


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
        code=CSRF_FAILED,
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


# Scripts and styles only from our own files: no inline script can run, whatever a page shows.
# 'wasm-unsafe-eval' lets the scanner's QR decoder (WebAssembly, served from static/) start.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# Pages, files and answers that carry personal data (names, answers, badges, exports) or a live
# link (a guest's, a volunteer's): no copy in the browser's cache, its back button or a proxy.
# Static files and the public event page keep caching; a view may set its own Cache-Control
# (the scanner's service worker: fresh, but nothing private in it).
PRIVATE_PATHS = ("/console/", "/door/", "/api/", "/i/")


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Personal links are in our URLs: never hand them to another site.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path.startswith(PRIVATE_PATHS):
        response.headers.setdefault("Cache-Control", "no-store")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        # Behind HTTPS: browsers keep to it for a year.
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
