"""Werkzeug's development server (`flask run`, scripts/demo) without its version banner."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from werkzeug.serving import WSGIRequestHandler

# What the Server header says instead of "Werkzeug/3.x Python/3.x", which tells a visitor which
# known flaws to try. gunicorn, in production, says only "gunicorn".
SERVER_NAME = "registrar"


def hide_version() -> None:
    """Make every development server of this process name itself without versions.

    `flask run` builds its request handler itself and takes no other class, so the names are
    set on Werkzeug's; only the development server uses it.
    """
    # Werkzeug's are a property and a method; a class attribute and a function replace them.
    WSGIRequestHandler.server_version = SERVER_NAME  # type: ignore[method-assign,assignment]
    WSGIRequestHandler.sys_version = ""
    WSGIRequestHandler.version_string = _version_string  # type: ignore[method-assign,assignment]


def _version_string(handler: BaseHTTPRequestHandler) -> str:
    return SERVER_NAME
