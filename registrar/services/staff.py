"""Staff accounts: who signs in, their passwords, their sessions, their password links.

What an account may do for which event is services/team.py."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from .. import tokens
from ..errors import DomainError, InvalidAnswer, NotFound
from ..extensions import db
from ..models import Role, StaffUser, TeamMember, utcnow
from ..text import require_one_line
from . import audit
from .invitations import normalize_email

MIN_PASSWORD_LENGTH = 10

# Checked against when the e-mail is unknown, so that a wrong e-mail takes as long as a wrong
# password and login answers do not tell which accounts exist.
_DUMMY_HASH = generate_password_hash("registrar-no-such-user")


@dataclass(frozen=True)
class SignedIn:
    """The staff member a request comes from, as Flask-Login and the access checks need them.

    Read with one plain statement on every request, not as a StaffUser: nothing else of the
    account is needed there, and a signed-in user is never changed through this object. The
    account's roles come in the same statement, so deciding access costs no query of its own.
    """

    id: int
    generation: int
    is_admin: bool = False
    # (event id, role) for every event the account is on the team of.
    roles: tuple[tuple[int, Role], ...] = ()
    is_active: ClassVar[bool] = True  # an inactive account is never signed in (signed_in)
    is_authenticated: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False

    def get_id(self) -> str:
        return session_id(self.id, self.generation)

    def role_in(self, event_id: int) -> Role | None:
        for member_of, role in self.roles:
            if member_of == event_id:
                return role
        return None


def session_id(staff_id: int, generation: int) -> str:
    """What a session holds to name its account: the id and the generation it was opened in."""
    return f"{staff_id}:{generation}"


_STAFF = StaffUser.__table__
_TEAM = TeamMember.__table__
_SIGNED_IN = (
    sa.select(
        _STAFF.c.id,
        _STAFF.c.is_admin,
        _STAFF.c.session_generation,
        _TEAM.c.event_id,
        _TEAM.c.role,
    )
    .select_from(_STAFF.outerjoin(_TEAM, _TEAM.c.staff_id == _STAFF.c.id))
    .where(
        _STAFF.c.id == sa.bindparam("user_id"),
        _STAFF.c.session_generation == sa.bindparam("generation"),
        _STAFF.c.active.is_(True),
    )
)


def signed_in(user_id: int, generation: int) -> SignedIn | None:
    """The account a session names, or None once it is disabled or its sessions were ended."""
    # On the session's connection, past the ORM's execution (nothing here is an ORM entity).
    rows = (
        db.session.connection()
        .execute(_SIGNED_IN, {"user_id": user_id, "generation": generation})
        .all()
    )
    if not rows:
        return None
    first = rows[0]
    roles = tuple((row.event_id, Role(row.role)) for row in rows if row.event_id is not None)
    return SignedIn(
        id=first.id,
        generation=first.session_generation,
        is_admin=bool(first.is_admin),
        roles=roles,
    )


def end_sessions(staff_id: int, actor: str) -> None:
    """Log the account out everywhere: every session opened before now loads nobody."""
    db.session.execute(
        sa.update(StaffUser)
        .where(StaffUser.id == staff_id)
        .values(session_generation=StaffUser.session_generation + 1)
    )
    audit.record("staff.signed_out", actor=actor, staff_id=staff_id)


def find(email: str) -> StaffUser | None:
    return db.session.scalar(sa.select(StaffUser).where(StaffUser.email == email.strip().lower()))


def add(
    email: str,
    password: str | None,
    role: Role | None = None,
    name: str = "",
    actor: str = audit.SYSTEM,
    *,
    admin: bool = False,
    event_ids: Iterable[int] = (),
) -> StaffUser:
    """A new account: an administrator of every event, or `role` for each of `event_ids`.

    Without a password the account cannot log in until its owner sets one through the link
    an invitation sends (team.invite).
    """
    email = normalize_email(email)
    name = name.strip()
    require_one_line(name)
    if find(email) is not None:
        raise InvalidAnswer(_l("%(email)s already has an account."), email=email)
    if password is None:
        password_hash = _unusable_hash()
    else:
        _check_password(password)
        password_hash = generate_password_hash(password)
    user = StaffUser(email=email, name=name, is_admin=admin, password_hash=password_hash)
    db.session.add(user)
    db.session.flush()
    audit.record("staff.added", actor=actor, staff_id=user.id, admin=admin)
    if not admin:
        if role is None:
            raise InvalidAnswer(_l("Choose the role the account has for its events."))
        for event_id in sorted(set(event_ids)):
            db.session.add(TeamMember(event_id=event_id, staff_id=user.id, role=role))
            audit.record(
                "team.added", actor=actor, event_id=event_id, staff_id=user.id, role=role.value
            )
        db.session.flush()
    return user


def is_first_account() -> bool:
    """Whether the install has no account yet: its first one becomes the administrator."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == 0


def record_login(staff_id: int) -> None:
    db.session.execute(
        sa.update(StaffUser).where(StaffUser.id == staff_id).values(last_login_at=utcnow())
    )


def _unusable_hash() -> str:
    # No password hashes to this ("!" is never a werkzeug method), and it is unique, so a
    # password link made for it names this account's state alone.
    return "!" + secrets.token_hex(16)


def has_password(user: StaffUser) -> bool:
    return not user.password_hash.startswith("!")


def set_password(email: str, password: str, actor: str = audit.SYSTEM) -> StaffUser:
    user = find(email)
    if user is None:
        raise NotFound(_l("No account with that e-mail."))
    _check_password(password)
    user.password_hash = generate_password_hash(password)
    # Whoever knew the old password may have a session open with it.
    user.session_generation += 1
    audit.record("staff.password_changed", actor=actor, staff_id=user.id)
    return user


def set_active(email: str, active: bool, actor: str = audit.SYSTEM) -> StaffUser:
    user = find(email)
    if user is None:
        raise NotFound(_l("No account with that e-mail."))
    user.active = active
    user.session_generation += 1
    audit.record("staff.enabled" if active else "staff.disabled", actor=actor, staff_id=user.id)
    return user


# -- password links: an invitation to set one, or a reset of a forgotten one ---------------------


class StaffLinkInactive(DomainError):
    """A password link that is expired, used, tampered with, or for an account now disabled."""

    status = 410
    title = _l("This link does not work")
    default_message = _l(
        "This link is not valid or has already been used. Ask an organizer for a new "
        "invitation, or use “Forgot your password?” on the login page."
    )


class StaffLinkExpired(StaffLinkInactive):
    default_message = _l(
        "This link has expired: links to set a password work for %(hours)s hours. Use "
        "“Forgot your password?” on the login page to get a new one."
    )


def _link_hours() -> int:
    return int(current_app.config["REGISTRAR_STAFF_LINK_HOURS"])


def password_link_url(user: StaffUser) -> str:
    base = current_app.config["REGISTRAR_BASE_URL"].rstrip("/")
    return f"{base}/staff/password/{tokens.staff_link_token(user.id, user.password_hash)}"


def account_for_link(token: str) -> StaffUser:
    """The account a password link is for, while the link still works; else StaffLinkInactive."""
    try:
        staff_id, fingerprint = tokens.read_staff_link_token(token, _link_hours() * 3600)
    except tokens.ExpiredToken as exc:
        raise StaffLinkExpired(hours=_link_hours()) from exc
    except tokens.InvalidToken as exc:
        raise StaffLinkInactive() from exc
    user = db.session.get(StaffUser, staff_id)
    if (
        user is None
        or not user.active
        or tokens.password_fingerprint(user.password_hash) != fingerprint
    ):
        raise StaffLinkInactive()
    return user


def set_password_from_link(token: str, password: str) -> StaffUser:
    """The password the link's owner chose. The link dies with the old hash it was bound to."""
    user = account_for_link(token)
    _check_password(password)
    user.password_hash = generate_password_hash(password)
    user.session_generation += 1
    audit.record("staff.password_set", actor=audit.staff_actor(user), staff_id=user.id)
    return user


def reset_recipient(email: str) -> StaffUser | None:
    """The active account a "forgot your password" request names, if there is one."""
    try:
        user = find(normalize_email(email))
    except InvalidAnswer:
        return None
    return user if user is not None and user.active else None


def authenticate(email: str, password: str) -> StaffUser | None:
    user = find(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidAnswer(
            _l("A password needs at least %(n)s characters."), n=MIN_PASSWORD_LENGTH
        )
