"""The audit log: every state change is written here, in the same transaction, and read back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVarTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import ApiToken, AuditEntry, DoorLink, Guest, StaffUser
from ..numbers import parse_id
from .writes import Writes


class Identified(Protocol):
    """An account as the log names it: a stored one, or the signed-in view of one (staff.py)."""

    @property
    def id(self) -> int: ...


GUEST = "guest"
SYSTEM = "system"


def staff_actor(user: Identified) -> str:
    return f"staff:{user.id}"


def record(
    action: str,
    *,
    actor: str,
    event_id: int | None = None,
    guest_id: int | None = None,
    **details: object,
) -> AuditEntry:
    entry = AuditEntry(
        action=action, actor=actor, event_id=event_id, guest_id=guest_id, details=details
    )
    db.session.add(entry)
    return entry


def row(
    action: str,
    created_at: datetime,
    /,
    *,
    actor: str,
    event_id: int | None = None,
    guest_id: int | None = None,
    **details: object,
) -> dict[str, object]:
    """The column values of the entry `record` would add, for `insert_rows`."""
    return {
        "action": action,
        "actor": actor,
        "event_id": event_id,
        "guest_id": guest_id,
        "details": details,
        "created_at": created_at,
    }


_INSERT_ENTRIES = sa.insert(AuditEntry).inline()


def insert_rows(rows: list[dict[str, object]], writes: Writes) -> None:
    """Write entries made by `row`, all in one statement added to `writes`, for a hot path
    that holds a lock (services/writes.py); nothing is loaded into the session."""
    writes.insert(_INSERT_ENTRIES, rows)


# -- reading the log -------------------------------------------------------------------------

# A readable name for every action code written above (grep `audit.record(`). A code without
# one is shown as it is, so a new action never breaks the log page.
ACTION_LABELS = {
    "event.created": _l("Event created"),
    "event.capacity_changed": _l("Capacity changed"),
    "event.updated": _l("Event details changed"),
    "event.copied": _l("Event copied from another"),
    "event.state_changed": _l("Event opened, closed or archived"),
    "event.change_notice": _l("Guests to be told of a change"),
    "event.cancelled": _l("Event cancelled; guests told"),
    "guest.added": _l("Guest added"),
    "guest.updated": _l("Guest details changed"),
    "guest.corrected": _l("Guest corrected their name or organization"),
    # -- requests a guest makes and an organizer decides (services/requests/)
    "request.name_change": _l("Guest asked to correct their name or organization"),
    "request.deputy": _l("Guest proposed a deputy"),
    "request.approved": _l("Request approved"),
    "request.declined": _l("Request declined"),
    "deputy.named": _l("Organizer named a deputy"),
    "deputy.sent": _l("Invitation ended: sent a deputy"),
    "deputy.added": _l("Deputy became a guest"),
    "companion.added": _l("Accompanying person named"),
    "companion.changed": _l("Accompanying person changed"),
    "companion.dismissed": _l("Accompanying person removed (seat and badge ended)"),
    "request.companion": _l("Guest named an accompanying person"),
    "badges.printed": _l("Badges first downloaded to print"),
    "guest.erased": _l("Personal data erased"),
    "guest_list.imported": _l("Guest list imported"),
    "invitation.revoked": _l("Invitation revoked"),
    "invitation.reinstated": _l("Invitation reinstated"),
    "invitation.rotated": _l("New invitation link issued"),
    "rsvp.answered": _l("Answer given or changed"),
    "seat.confirmed": _l("Seat confirmed"),
    "seat.waitlisted": _l("Put on the waitlist"),
    "seat.promoted": _l("Seat given from the waitlist"),
    "seat.released": _l("Seat given up"),
    "seat.moved": _l("Moved on the waitlist"),
    "seat.session_confirmed": _l("Seat confirmed in a session"),
    "seat.session_waitlisted": _l("Put on a session's waitlist"),
    "seat.session_promoted": _l("Seat in a session given from its waitlist"),
    "seat.session_released": _l("Seat in a session given up"),
    "seat.holds_changed": _l("Seats held for guests or categories changed"),
    "seat.passed": _l("Seat passed to a deputy"),
    "seating.plan_changed": _l("Seating plan changed"),
    "seating.assigned": _l("Reserved seat given"),
    "seating.freed": _l("Reserved seat freed"),
    "seat.category_changed": _l("Seat placed again after a change of category"),
    "badge.reissued": _l("Badge re-issued"),
    "mail.invitations_queued": _l("Invitations queued"),
    "mail.link_queued": _l("Link e-mailed again"),
    "mail.reminders_queued": _l("Reminders queued"),
    "mail.resent": _l("Message sent again"),
    "mail.test_queued": _l("Test message queued to an organizer"),
    "checkin.manual": _l("Checked in by name"),
    "checkin.override": _l("Let in past a full room"),
    "checkin.unanswered_let_in": _l("Let in at the door without an answer"),
    "checkin.let_in": _l("Let in by a door lead"),
    "checkin.walk_in": _l("Walk-in registered at the door"),
    "receiver.handed_out": _l("Receiver handed out"),
    "receiver.returned": _l("Receiver returned"),
    "door_link.created": _l("Door link created"),
    "door_link.revoked": _l("Door link withdrawn"),
    "webhook.added": _l("Webhook added"),
    "webhook.changed": _l("Webhook changed"),
    "webhook.enabled": _l("Webhook turned on"),
    "webhook.disabled": _l("Webhook turned off"),
    "webhook.deleted": _l("Webhook deleted"),
    "webhook.replayed": _l("Webhook delivery sent again"),
    "staff.added": _l("Staff account added"),
    "staff.password_changed": _l("Staff password changed"),
    "staff.disabled": _l("Staff account disabled"),
    "staff.enabled": _l("Staff account enabled"),
    "staff.signed_out": _l("Staff member logged out on every device"),
    # -- the programme (services/programme/)
    "programme.item_added": _l("Programme item added"),
    "programme.item_changed": _l("Programme item changed"),
    "programme.item_deleted": _l("Programme item deleted"),
    "programme.item_moved": _l("Programme item moved"),
    "programme.moved_with_event": _l("Programme moved with the event's start"),
    "programme.person_added": _l("Speaker or moderator added"),
    "programme.person_changed": _l("Speaker or moderator changed"),
    "programme.person_deleted": _l("Speaker or moderator removed"),
    "programme.person_moved": _l("Speaker or moderator moved"),
    "programme.change_notice": _l("Guests to be told of programme changes"),
    "programme.change_not_told": _l("Programme changes kept without telling the guests"),
    "staff.password_set": _l("Staff password set through an e-mailed link"),
    "staff.link_sent": _l("Password link sent to a staff member"),
    "team.added": _l("Added to the event's team"),
    "team.role_changed": _l("Team role changed"),
    "team.removed": _l("Removed from the event's team"),
    # -- API tokens (services/api_tokens.py)
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "api_token.event_added": _l("Event made with an API token, added to its events"),
    "event.change_not_told": _l("Event changed without telling the guests invited"),
    # -- travel for guests from abroad (services/travel/)
    "travel.given": _l("Travel details given"),
    "travel.changed": _l("Travel details changed"),
    "travel.pickup_assigned": _l("Airport pickup assigned"),
    "travel.hotels_changed": _l("Hotels for travelling guests changed"),
    "travel.reminders_queued": _l("Travel reminders queued"),
    # -- visa invitation letters (services/travel/); never with the passport's contents
    "passport.given": _l("Guest asked for a visa letter (passport details given)"),
    "passport.changed": _l("Guest changed their passport details"),
    "passport.withdrawn": _l("Guest withdrew their request for a visa letter"),
    "passport.dropped": _l("Passport details dropped after the retention period"),
    "letter.issued": _l("Visa letter issued"),
    "letter.reissued": _l("Letter re-issued; the earlier one is no longer valid"),
    # -- the event's own questions (services/questions/)
    "questions.added": _l("Question added to the RSVP form"),
    "questions.changed": _l("Question of the RSVP form changed"),
    "questions.moved": _l("Question of the RSVP form moved"),
    "questions.deleted": _l("Question taken off the RSVP form"),
    "questions.answered": _l("Answers to the event's questions given"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


@dataclass(frozen=True)
class LogPage:
    # (entry, guest name in English, guest name in Chinese), newest first; no names for an
    # entry about no guest.
    rows: list[sa.Row[AuditEntry, str | None, str | None]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


_Columns = TypeVarTuple("_Columns")


def _filtered(
    query: sa.Select[*_Columns], event_id: int, guest_id: int | None, action: str | None
) -> sa.Select[*_Columns]:
    query = query.where(AuditEntry.event_id == event_id)
    if guest_id is not None:
        query = query.where(AuditEntry.guest_id == guest_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return query


def log_page(
    event_id: int,
    *,
    guest_id: int | None = None,
    action: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> LogPage:
    """One page of the event's log, newest first; a page past the end is the last one."""
    total = db.session.execute(
        _filtered(sa.select(sa.func.count()).select_from(AuditEntry), event_id, guest_id, action)
    ).scalar_one()
    pages = max((total + per_page - 1) // per_page, 1)
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        _filtered(
            sa.select(AuditEntry, Guest.name_en, Guest.name_zh).outerjoin(
                Guest, Guest.id == AuditEntry.guest_id
            ),
            event_id,
            guest_id,
            action,
        )
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return LogPage(rows=list(rows), total=total, page=page, per_page=per_page)


def actions_used(event_id: int) -> list[str]:
    """The action codes in the event's log, so that the filter offers new ones too."""
    # One seek of the index on (event, action) per action used, not a read of every entry:
    # the next action is the least one after the last found.
    of_event = AuditEntry.event_id == event_id
    found = (
        sa.select(sa.func.min(AuditEntry.action).label("action"))
        .where(of_event)
        .cte("found", recursive=True)
    )
    following = (
        sa.select(AuditEntry.action)
        .where(of_event, AuditEntry.action > found.c.action)
        .order_by(AuditEntry.action)
        .limit(1)
        .scalar_subquery()
    )
    found = found.union_all(
        sa.select(following).select_from(found).where(found.c.action.is_not(None))
    )
    return list(db.session.scalars(sa.select(found.c.action).where(found.c.action.is_not(None))))


def actor_names(actors: list[str]) -> dict[str, str]:
    """Who the staff, door-link and API token actors are: a name, an e-mail, a door link's
    label, or "token: NAME (account)".

    Three queries, whatever the actors (none of a kind still asks, with an empty list).
    """
    staff_ids = _ids(actors, "staff:")
    link_ids = _ids(actors, "door-link:")
    token_ids = _ids(actors, "token:")
    names = {}
    for user in db.session.execute(
        sa.select(StaffUser.id, StaffUser.name, StaffUser.email).where(StaffUser.id.in_(staff_ids))
    ):
        names[f"staff:{user.id}"] = user.name or user.email
    for link in db.session.execute(
        sa.select(DoorLink.id, DoorLink.label).where(DoorLink.id.in_(link_ids))
    ):
        names[f"door-link:{link.id}"] = link.label
    for token in db.session.execute(
        sa.select(ApiToken.id, ApiToken.name, StaffUser.email)
        .join(StaffUser, StaffUser.id == ApiToken.staff_id)
        .where(ApiToken.id.in_(token_ids))
    ):
        names[f"token:{token.id}"] = f"token: {token.name} ({token.email})"
    return names


def _ids(actors: list[str], prefix: str) -> list[int]:
    found = set()
    for actor in actors:
        rest = actor.removeprefix(prefix)
        if rest != actor and (number := parse_id(rest)) is not None:
            found.add(number)
    return sorted(found)
