"""The protocol desk: the arrival desk and the MC's list, live pages for an event's organizers
and door leads, each with the small JSON feed its page polls.

A feed answers 304 to a poll that names its current ETag (a version of one cheap query,
services/protocol `desk_version`): a screen polling every second and a half costs almost
nothing while nobody arrives, and works through any reverse proxy, as plain requests do.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for
from flask_babel import format_datetime, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db, login_manager
from ..labels import CATEGORY_LABELS
from ..models import Category, Event, Role
from ..services import protocol, team
from .access import staff_refusal

bp = Blueprint("protocol", __name__, url_prefix="/protocol")

# How often the pages ask for news, in milliseconds: a scan shows within two seconds.
POLL_MS = 1500
SCRIPTS = ("en", "zh")


@bp.before_request
def _desk_gate():
    """Signed in, and an organizer or a door lead of the event (never a volunteer's door link:
    the lists name who is in the room)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    event_id = (request.view_args or {}).get("event_id")
    if not isinstance(event_id, int) or not team.can(current_user, event_id, Role.DOOR_LEAD):
        abort(staff_refusal(event_id) if isinstance(event_id, int) else 404)
    return None


def _event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    return event


def _script() -> str:
    """The script the names are read in first: the page's, or the one asked for (?script=)."""
    asked = request.args.get("script", "")
    if asked in SCRIPTS:
        return asked
    return "zh" if str(get_locale()).startswith("zh") else "en"


def _row(event: Event, guest: protocol.DeskGuest, script: str) -> dict[str, Any]:
    """One person as both the page and its feed show them: the texts ready to print."""
    names = [guest.name_zh, guest.name_en] if script == "zh" else [guest.name_en, guest.name_zh]
    first = names[0] or names[1]
    other = names[1] if names[0] and names[1] != names[0] else ""
    when = ""
    if guest.arrived_at is not None:
        when = format_datetime(guest.arrived_at.astimezone(ZoneInfo(event.timezone)), "HH:mm")
    if guest.state == "expected":
        state = _("Expected") if guest.answered else _("Expected (no answer yet)")
    elif guest.gate:
        state = _("Arrived at %(time)s through gate %(gate)s", time=when, gate=guest.gate)
    else:
        state = _("Arrived at %(time)s", time=when)
    if guest.state == "left":
        state = _("%(arrival)s; has left the room", arrival=state)
    return {
        "id": guest.id,
        "rank": guest.precedence,
        "name": first,
        "other": other,
        "role": " · ".join(t for t in (guest.title, guest.organization) if t),
        "category": guest.category.value,
        "category_label": str(CATEGORY_LABELS[guest.category]),
        "vip": guest.category == Category.VIP,
        "state": guest.state,
        "state_text": state,
        "time": when,
        "gate": guest.gate,
        "companions": _(
            "with %(n)s accompanying (%(arrived)s arrived)",
            n=guest.companions,
            arrived=guest.companions_arrived,
        )
        if guest.companions
        else "",
    }


def _desk(event: Event, script: str) -> dict[str, Any]:
    guests = protocol.arrival_desk(event)
    arrived = sum(1 for g in guests if g.state != "expected")
    return {
        "rows": [_row(event, g, script) for g in guests],
        "summary": _("%(arrived)s of %(total)s arrived", arrived=arrived, total=len(guests)),
    }


def _acknowledgements(event: Event, script: str) -> dict[str, Any]:
    guests = protocol.acknowledgement_list(event)
    return {
        "rows": [_row(event, g, script) for g in guests],
        "summary": ngettext("%(num)s VIP in the room", "%(num)s VIPs in the room", len(guests)),
    }


def _feed(event: Event, build) -> Response:
    script = _script()
    tag = f"{protocol.desk_version(event.id)}-{get_locale()}-{script}"
    if request.if_none_match.contains(tag):
        answer = Response(status=304)
        answer.set_etag(tag)
        return answer
    answer = jsonify(build(event, script))
    answer.set_etag(tag)
    return answer


def _page(template: str, event: Event, data: dict[str, Any], feed: str, **extra: Any) -> str:
    script = _script()
    return render_template(
        template,
        event=event,
        rows=data["rows"],
        summary=data["summary"],
        feed=url_for(feed, event_id=event.id, script=script),
        script=script,
        poll_ms=POLL_MS,
        organizer=team.can(current_user, event.id, Role.ORGANIZER),
        **extra,
    )


@bp.get("/events/<int:event_id>/arrivals")
def arrival_desk(event_id: int):
    event = _event(event_id)
    return _page(
        "protocol/arrivals.html",
        event,
        _desk(event, _script()),
        ".arrivals_feed",
        empty=_("No VIPs, speakers or moderators on the guest list yet."),
    )


@bp.get("/events/<int:event_id>/arrivals.json")
def arrivals_feed(event_id: int):
    return _feed(_event(event_id), _desk)


@bp.get("/events/<int:event_id>/mc")
def mc_list(event_id: int):
    event = _event(event_id)
    return _page(
        "protocol/mc.html",
        event,
        _acknowledgements(event, _script()),
        ".mc_feed",
        scripts=SCRIPTS,
        empty=_("No VIP is in the room yet."),
    )


@bp.get("/events/<int:event_id>/mc.json")
def mc_feed(event_id: int):
    return _feed(_event(event_id), _acknowledgements)
