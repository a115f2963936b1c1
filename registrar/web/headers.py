"""What every request is checked for and every response carries: no NUL, security headers,
and no-store on whatever is personal."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import gettext as _

from .errors import error_page


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)
    app.after_request(_security_headers)


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
# A visa letter's verification page shows the passport name: private too.
PRIVATE_PATHS = ("/console/", "/door/", "/protocol/", "/api/", "/i/", "/letters/")


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
