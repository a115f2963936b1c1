"""The web edge put together: blueprints by audience, error pages, response headers."""

from __future__ import annotations

from flask import Flask, current_app, send_from_directory
from werkzeug.routing import IntegerConverter

from ..numbers import MAX_ID


class DatabaseId(IntegerConverter):
    """`<int:…>` in every route: ids are 32-bit on every database, so a larger number names
    nothing and gets a 404 from the router instead of an overflow in the database."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits, min, max, signed)


def init_app(app: Flask) -> None:
    from . import (
        api,
        auth,
        console,
        door,
        errors,
        guest_travel,
        headers,
        letters,
        protocol,
        public,
        staff_links,
    )

    app.url_map.converters["int"] = DatabaseId

    app.register_blueprint(public.bp)
    app.register_blueprint(letters.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(staff_links.bp)
    app.register_blueprint(console.bp)
    app.register_blueprint(door.bp)
    app.register_blueprint(protocol.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(guest_travel.bp)

    errors.init_app(app)
    headers.init_app(app)
    # Browsers ask for /favicon.ico whatever a page links (feed readers, bookmarks, tabs of
    # a PDF): answer there rather than with a 404.
    app.add_url_rule("/favicon.ico", "favicon", favicon)


def favicon():
    assert current_app.static_folder is not None, "the app has its static folder"
    return send_from_directory(
        current_app.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon"
    )
