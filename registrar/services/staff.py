"""Staff accounts: organizers and door staff, with hashed passwords."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import InvalidAnswer, NotFound
from ..extensions import db
from ..models import Role, StaffUser
from ..text import require_one_line
from . import audit
from .invitations import normalize_email

MIN_PASSWORD_LENGTH = 10

# Checked against when the e-mail is unknown, so that a wrong e-mail takes as long as a wrong
# password and login answers do not tell which accounts exist.
_DUMMY_HASH = generate_password_hash("registrar-no-such-user")


@dataclass(frozen=True)
class SignedIn:
    """The staff member a request comes from, as Flask-Login and the role checks need them.

    Read with one plain statement on every request, not as a StaffUser: nothing else of the
    account is needed there, and a signed-in user is never changed through this object.
    """

    id: int
    role: Role
    generation: int
    is_active: ClassVar[bool] = True  # an inactive account is never signed in (signed_in)
    is_authenticated: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False

    def get_id(self) -> str:
        return session_id(self.id, self.generation)


def session_id(staff_id: int, generation: int) -> str:
    """What a session holds to name its account: the id and the generation it was opened in."""
    return f"{staff_id}:{generation}"


_STAFF = StaffUser.__table__
_SIGNED_IN = sa.select(_STAFF.c.id, _STAFF.c.role, _STAFF.c.session_generation).where(
    _STAFF.c.id == sa.bindparam("user_id"),
    _STAFF.c.session_generation == sa.bindparam("generation"),
    _STAFF.c.active.is_(True),
)


def signed_in(user_id: int, generation: int) -> SignedIn | None:
    """The account a session names, or None once it is disabled or its sessions were ended."""
    # On the session's connection, past the ORM's execution (nothing here is an ORM entity).
    row = (
        db.session.connection()
        .execute(_SIGNED_IN, {"user_id": user_id, "generation": generation})
        .one_or_none()
    )
    return SignedIn(id=row.id, role=row.role, generation=row.session_generation) if row else None


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
    email: str, password: str, role: Role, name: str = "", actor: str = audit.SYSTEM
) -> StaffUser:
    email = normalize_email(email)
    name = name.strip()
    require_one_line(name)
    if find(email) is not None:
        raise InvalidAnswer(_l("%(email)s already has an account."), email=email)
    _check_password(password)
    user = StaffUser(
        email=email, name=name, role=role, password_hash=generate_password_hash(password)
    )
    db.session.add(user)
    db.session.flush()
    audit.record("staff.added", actor=actor, staff_id=user.id, role=role.value)
    return user


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
