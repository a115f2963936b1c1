"""Console: the event's audit log, newest first, by guest and by action."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import g, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...labels import CHANNEL_SHORT, LET_IN_REASON_LABELS, ROLE_LABELS, VERDICT_LABELS
from ...models import Guest, LetInReason, Role, Verdict
from ...numbers import parse_whole
from ...services import audit
from ...services.imports import FIELD_LABELS
from ..auth import organizer_required
from .common import current_event

PER_PAGE = 50

# What the keys of an entry's details mean; a key without a label is shown as it is.
DETAIL_LABELS = {
    **FIELD_LABELS,
    "attending": _l("Attending"),
    "channel": _l("Channel"),
    "changed": _l("Changed"),
    "changes": _l("Changes"),
    "queue_number": _l("Waitlist number"),
    "from_position": _l("From position"),
    "to_position": _l("To position"),
    "state": _l("Seat"),
    "reason": _l("Reason"),
    "released": _l("Seat given up"),
    "promoted": _l("Moved up from the waitlist"),
    "capacity": _l("Capacity"),
    "held_seats": _l("Held back"),
    "link": _l("Door link"),
    "hours": _l("Hours"),
    "until": _l("Valid until"),
    "filename": _l("File"),
    "rows": _l("Rows"),
    "added": _l("Added"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "via": _l("By"),
    "guests": _l("Guests"),
    "kind": _l("Message"),
    "send_at": _l("Send at"),
    "original": _l("Original message"),
    "verdict": _l("Verdict"),
    "receiver": _l("Receiver"),
    "role": _l("Role"),
    "staff_id": _l("Staff account"),
    "dietary": _l("Dietary needs"),
    "access_needs": _l("Access needs"),
    "note": _l("Note to the organizers"),
    "reason_text": _l("In their words"),
    "refused": _l("The door had said"),
    "over_capacity": _l("Past a full room"),
    "holds": _l("Seats held for guests or categories"),
    "held": _l("A held seat"),
    "plan": _l("Seating plan"),
    "seat": _l("Seat"),
    "from_seat": _l("Seat before"),
    "filled": _l("In precedence order"),
}


def _text(key: str, value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key == "channel" and value in CHANNEL_SHORT:
        return str(CHANNEL_SHORT[value])
    if key == "role" and isinstance(value, str) and value in set(Role):
        return str(ROLE_LABELS[Role(value)])
    if key == "reason" and isinstance(value, str) and value in set(LetInReason):
        return str(LET_IN_REASON_LABELS[LetInReason(value)])
    if key == "refused" and isinstance(value, str) and value in set(Verdict):
        return str(VERDICT_LABELS[Verdict(value)])
    if key in ("send_at", "until") and isinstance(value, str):
        try:
            return format_datetime(datetime.fromisoformat(value), "short")
        except ValueError:
            return value
    if key == "changed" and isinstance(value, list):
        return _listed(str(DETAIL_LABELS.get(name, name)) for name in value)
    if isinstance(value, dict):
        # Translators: what stands between the parts of a record ("Seat: 3; Role: door").
        return _("; ").join(
            _("%(label)s: %(value)s", label=DETAIL_LABELS.get(k, k), value=_text(k, v))
            for k, v in value.items()
        )
    if isinstance(value, list) and len(value) == 2:
        # Every other list in the log is a change: [before, after].
        return f"{_text(key, value[0])} → {_text(key, value[1])}"
    if isinstance(value, list):
        return _listed(_text(key, v) for v in value)
    return str(value)


def _listed(items: Iterable[str]) -> str:
    """Items as the page's language lists them: "a, b, c"; in Chinese "a、b、c"."""
    # Translators: what stands between the items of a list.
    return _(", ").join(items)


def details(entry) -> list[tuple[str, str]]:
    return [(str(DETAIL_LABELS.get(k, k)), _text(k, v)) for k, v in (entry.details or {}).items()]


def actor_text(actor: str, names: dict[str, str]) -> str:
    if actor == audit.GUEST:
        return _("The guest")
    if actor == audit.SYSTEM:
        return _("System")
    if actor.startswith("door-link:"):
        return _("Door link “%(label)s”", label=names.get(actor, actor.partition(":")[2]))
    return names.get(actor, actor)


def _number(name: str) -> int | None:
    """The query's whole number by name: None when it is absent, ValueError when it is not one."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    number = parse_whole(value)
    if number is None:
        raise ValueError(name)
    return number


@organizer_required
def audit_log(event_id: int):
    event = current_event(event_id)
    g.timezone = event.timezone
    problems = []

    try:
        page = _number("page") or 1
    except ValueError:
        page = 1
        problems.append(_("That page number is not valid; showing the first page."))

    guest = None
    try:
        guest_id = _number("guest")
    except ValueError:
        guest_id = None
        problems.append(_("That guest is not valid; showing every guest."))
    if guest_id is not None:
        guest = db.session.get(Guest, guest_id)
        if guest is None or guest.event_id != event.id:
            guest = None
            problems.append(_("That guest is not on this event's list; showing every guest."))

    used = audit.actions_used(event.id)
    action = request.args.get("action", "").strip() or None
    if action is not None and action not in audit.ACTION_LABELS and action not in used:
        action = None
        problems.append(_("That action is not known; showing every action."))

    log = audit.log_page(
        event.id,
        guest_id=guest.id if guest else None,
        action=action,
        page=page,
        per_page=PER_PAGE,
    )
    names = audit.actor_names([row.AuditEntry.actor for row in log.rows])
    codes = list(audit.ACTION_LABELS) + sorted(set(used) - set(audit.ACTION_LABELS))
    return render_template(
        "console/audit_log.html",
        event=event,
        log=log,
        problems=problems,
        guest=guest,
        action=action,
        actions=[(code, audit.action_label(code)) for code in codes],
        action_label=audit.action_label,
        actor_text=lambda actor: actor_text(actor, names),
        details=details,
    )
