"""Team roles: who may do what for which event, and the organizers' changes to their team.

`can` is the one place that decides access; the console, the door and the API all ask it.
An administrator may do everything for every event; an organizer of an event may use its
console and its door; a door lead its door, letting in a guest the door refused too; door staff
of an event may use its door only.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..errors import DomainError, InvalidAnswer, NotFound
from ..extensions import db
from ..models import Event, Role, StaffUser, TeamMember
from . import audit, staff
from .invitations import normalize_email
from .staff import SignedIn


class NotAllowed(DomainError):
    status = 403
    default_message = _l("You may not change this account.")


# -- deciding ----------------------------------------------------------------------------------


def can(user: SignedIn | None, event_id: int, need: Role) -> bool:
    """Whether this signed-in account may act as `need` (organizer, door lead or door) for the
    event."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    role = user.role_in(event_id)
    if role is None:
        return False
    # An organizer may do what a door lead does, a door lead what door staff do.
    return _RANK[role] >= _RANK[need]


_RANK = {Role.DOOR: 0, Role.DOOR_LEAD: 1, Role.ORGANIZER: 2}


def organizes_any(user: SignedIn | None) -> bool:
    """Whether the account may open the console at all (the screens of no single event)."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_admin or any(role == Role.ORGANIZER for _event, role in user.roles)


def event_ids(user: SignedIn, need: Role) -> list[int] | None:
    """The events the account may act for as `need`, in id order; None means every event."""
    if user.is_admin:
        return None
    return sorted(event_id for event_id, _role in user.roles if can(user, event_id, need))


def first_event(user: SignedIn, need: Role) -> Event | None:
    """The account's first event (by id) where it may act as `need`."""
    allowed = event_ids(user, need)
    query = sa.select(Event).order_by(Event.id).limit(1)
    if allowed is not None:
        query = query.where(Event.id.in_(allowed))
    return db.session.scalar(query)


# -- the team of one event ---------------------------------------------------------------------


@dataclass(frozen=True)
class Team:
    administrators: list[StaffUser]
    members: list[TeamMember]


def team_of(event_id: int) -> Team:
    administrators = db.session.scalars(
        sa.select(StaffUser).where(StaffUser.is_admin.is_(True)).order_by(StaffUser.email)
    ).all()
    members = db.session.scalars(
        sa.select(TeamMember)
        .join(StaffUser)
        .where(TeamMember.event_id == event_id)
        .options(selectinload(TeamMember.staff))
        .order_by(TeamMember.role, StaffUser.email)
    ).all()
    return Team(list(administrators), list(members))


def every_account() -> list[StaffUser]:
    """Every account with its memberships, for the administrators' page."""
    return list(
        db.session.scalars(
            sa.select(StaffUser)
            .options(selectinload(StaffUser.memberships))
            .order_by(StaffUser.email)
        ).all()
    )


@dataclass(frozen=True)
class Invited:
    user: StaffUser
    # A new account needs a link to set its password; an existing one can already log in.
    new_account: bool


def invite(event_id: int, email: str, name: str, role: Role, actor: str) -> Invited:
    """Put a person on the event's team: a new account without a password, or one they have."""
    email = normalize_email(email)
    if db.session.get(Event, event_id) is None:
        raise NotFound()
    user = staff.find(email)
    if user is None:
        user = staff.add(email, None, role, name=name, actor=actor, event_ids=[event_id])
        return Invited(user, new_account=True)
    if user.is_admin:
        raise InvalidAnswer(
            _l("%(email)s is an administrator and already works on every event."), email=email
        )
    if _membership(event_id, user.id) is not None:
        raise InvalidAnswer(
            _l("%(email)s is already on this event's team; change their role below."),
            email=email,
        )
    db.session.add(TeamMember(event_id=event_id, staff_id=user.id, role=role))
    db.session.flush()
    audit.record("team.added", actor=actor, event_id=event_id, staff_id=user.id, role=role.value)
    return Invited(user, new_account=not staff.has_password(user))


def change_role(event_id: int, staff_id: int, role: Role, by: SignedIn) -> TeamMember:
    """A new role for this event; the account's open sessions end, so it takes effect now."""
    member = _member_to_change(event_id, staff_id, by)
    if member.role != role:
        before = member.role
        member.role = role
        audit.record(
            "team.role_changed",
            actor=audit.staff_actor(by),
            event_id=event_id,
            staff_id=staff_id,
            role=[before.value, role.value],
        )
        staff.end_sessions(staff_id, audit.staff_actor(by))
    return member


def remove(event_id: int, staff_id: int, by: SignedIn) -> None:
    member = _member_to_change(event_id, staff_id, by)
    db.session.delete(member)
    audit.record(
        "team.removed",
        actor=audit.staff_actor(by),
        event_id=event_id,
        staff_id=staff_id,
        role=member.role.value,
    )
    staff.end_sessions(staff_id, audit.staff_actor(by))


def set_active(staff_id: int, active: bool, by: SignedIn, event_id: int | None = None) -> StaffUser:
    """Disable (or enable again) an account; disabling ends its sessions at once.

    An administrator may change any account but their own. An organizer may change an account
    only when every event it works on is one they organize, so that nobody locks out the door
    staff of an event that is not theirs.
    """
    user = db.session.get(StaffUser, staff_id)
    if user is None:
        raise NotFound()
    if user.id == by.id:
        raise NotAllowed(_l("You cannot disable your own account."))
    if not by.is_admin:
        if user.is_admin:
            raise NotAllowed(_l("Only an administrator may change an administrator's account."))
        events = {member.event_id for member in user.memberships}
        if event_id not in events or not all(can(by, e, Role.ORGANIZER) for e in events):
            raise NotAllowed(
                _l("This account also works on events you do not organize; ask an administrator.")
            )
    if user.active != active:
        user.active = active
        user.session_generation += 1
        audit.record(
            "staff.enabled" if active else "staff.disabled",
            actor=audit.staff_actor(by),
            event_id=event_id,
            staff_id=user.id,
        )
    return user


def link_recipient(event_id: int, staff_id: int, by: SignedIn) -> StaffUser:
    """The team member a new password link goes to, recorded as sent."""
    member = _membership(event_id, staff_id)
    if member is None or not member.staff.active:
        raise NotFound()
    audit.record(
        "staff.link_sent", actor=audit.staff_actor(by), event_id=event_id, staff_id=staff_id
    )
    return member.staff


def _membership(event_id: int, staff_id: int) -> TeamMember | None:
    return db.session.scalar(
        sa.select(TeamMember).where(
            TeamMember.event_id == event_id, TeamMember.staff_id == staff_id
        )
    )


def _member_to_change(event_id: int, staff_id: int, by: SignedIn) -> TeamMember:
    if staff_id == by.id:
        raise NotAllowed(_l("You cannot change your own role; ask another organizer."))
    member = _membership(event_id, staff_id)
    if member is None:
        raise NotFound()
    return member
