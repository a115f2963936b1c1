"""The organizer API's exports: the console's CSV and Excel files (services/exports.py), the
same bytes as its downloads, e.g. GET /api/v1/events/<id>/exports/guests.csv."""

from __future__ import annotations

from flask import Response, current_app, request
from flask_babel import lazy_gettext as _l

from ...errors import InvalidAnswer
from ...extensions import db
from ...models import Event
from ...services import exports
from .routes import EVENT_ID, _organizer_reader, bp

# guests.csv, guests.xlsx, checkins.csv, ...
FILES = tuple(f"{kind}.{fmt}" for kind in exports.KINDS for fmt in exports.FORMATS)
_FILE = "<any({}):name>".format(", ".join(f"'{name}'" for name in FILES))


@bp.get(f"/events/{EVENT_ID}/exports/{_FILE}")
def export_file(event_id: int, name: str) -> Response:
    """One of the console's exports, as a download named as the console names it."""
    _organizer_reader(event_id)
    event = db.get_or_404(Event, event_id)
    kind, _dot, fmt = name.partition(".")
    # The passport details guests gave for a visa letter only when asked for by name.
    flag = request.args.get("passports", "false")
    if flag not in ("true", "false"):
        raise InvalidAnswer(_l("'passports' is true or false."))
    response = current_app.response_class(
        exports.export(event, kind, fmt, passports=kind == "guests" and flag == "true"),
        content_type=exports.MIMETYPES[fmt],
    )
    attachment = exports.filename(event, kind, fmt)
    response.headers["Content-Disposition"] = f'attachment; filename="{attachment}"'
    return response
