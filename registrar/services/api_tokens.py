"""API tokens: a program's key to the API for chosen events, on behalf of the account that
made it. Made, listed, revoked, and checked on every API request.

A token never does more than its account may: an organizer token needs an account that
organizes each of its events, a door or read token one on each event's team. The check is
made again on every request, so an account disabled or taken off an event's team takes its
tokens with it. The secrets and their digests are tokens.py's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from .. import tokens
from ..errors import DomainError, InvalidAnswer, NotFound
from ..extensions import db
from ..labels import API_ROLE_LABELS
from ..models import ApiRole, ApiToken, ApiTokenEvent, Event, Role, StaffUser, utcnow
from ..text import require_one_line
from . import audit, staff, team
from .staff import SignedIn

NAME_LENGTH = 100
# The events one token may name.
MAX_EVENTS = 50
# A token's last use is written when the one stored is older than this: a busy script does
# not turn every read into a write.
LAST_USE_STEP = timedelta(minutes=1)

# The team role an account needs on an event for a token of each role there.
ACCOUNT_ROLE = {ApiRole.ORGANIZER: Role.ORGANIZER, ApiRole.DOOR: Role.DOOR, ApiRole.READ: Role.DOOR}


class TokenRefused(DomainError):
    """A request's token is not one that works now: unknown, expired, revoked, or its account
    disabled. One answer for all, so that a caller learns nothing about tokens it does not hold."""

    status = 401
    default_message = _l("This API token is not valid, has expired, or was revoked.")


class TokenNotAllowed(DomainError):
    status = 403
    default_message = _l("This API token may not do this for this event.")


class TokenFull(DomainError):
    status = 409
    default_message = _l(
        "This API token names %(max)d events already, the most a token may: make a new token "
        "for new events."
    )


@dataclass(frozen=True)
class Created:
    token: ApiToken
    # Shown once, never stored.
    secret: str


@dataclass(frozen=True)
class Caller:
    """The token a request came with, as the access checks need it."""

    token_id: int
    name: str
    role: ApiRole
    account: SignedIn
    event_ids: frozenset[int]
    # When its use was last written (note_use), as read with the token.
    last_used_at: datetime | None = None

    @property
    def use_to_note(self) -> bool:
        """Whether this use is to be written: none written yet, or none for LAST_USE_STEP. A
        read of the token it already made, so most requests write nothing at all."""
        return self.last_used_at is None or self.last_used_at <= utcnow() - LAST_USE_STEP

    @property
    def actor(self) -> str:
        return actor_of(self.token_id)

    def may_create_events(self) -> bool:
        """Whether this token may make new events: an organizer token of an account that may
        make events in the console (an administrator, or an organizer of some event)."""
        return self.role == ApiRole.ORGANIZER and team.organizes_any(self.account)

    def may(self, event_id: int, need: ApiRole) -> bool:
        """Whether this token may act as `need` (read, door, organizer) for the event."""
        if event_id not in self.event_ids or _RANK[self.role] < _RANK[need]:
            return False
        return team.can(self.account, event_id, ACCOUNT_ROLE[need])


# What the console and the messages call each role.
ROLE_LABELS = API_ROLE_LABELS

_RANK = {ApiRole.READ: 0, ApiRole.DOOR: 1, ApiRole.ORGANIZER: 2}


def actor_of(token_id: int) -> str:
    """The audit log's actor for what a token did (audit.actor_names names it)."""
    return f"token:{token_id}"


def expiry_of(day: date) -> datetime:
    """A token given an expiry date works through that day (UTC), and not a moment after."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def last_day(expires_at: datetime) -> date:
    """The last day (UTC) a token works, as it was given: the day before its expiry."""
    return (expires_at.astimezone(UTC) - timedelta(days=1)).date()


def create(
    name: str,
    role: ApiRole,
    event_ids: Iterable[int],
    account: StaffUser,
    expires_on: date | None,
    actor: str,
) -> Created:
    """A new token of `account` for these events; its secret is in the answer, and only there."""
    name = name.strip()
    require_one_line(name)
    if not name:
        raise InvalidAnswer(_l("Give the token a name."))
    if len(name) > NAME_LENGTH:
        raise InvalidAnswer(_l("At most %(max)d characters, please."), max=NAME_LENGTH)
    wanted = sorted(set(event_ids))
    if not wanted:
        raise InvalidAnswer(_l("Choose at least one event for the token."))
    if len(wanted) > MAX_EVENTS:
        raise InvalidAnswer(_l("A token may name at most %(max)d events."), max=MAX_EVENTS)
    found = set(db.session.scalars(sa.select(Event.id).where(Event.id.in_(wanted))))
    if found != set(wanted):
        raise NotFound(_l("No such event."))
    now = utcnow()
    expires_at = None
    if expires_on is not None:
        expires_at = expiry_of(expires_on)
        if expires_at <= now:
            raise InvalidAnswer(_l("The expiry date has passed; choose today or a later day."))
    holder = staff.signed_in(account.id, account.session_generation)
    if holder is None:
        raise InvalidAnswer(
            _l("%(email)s is disabled and cannot hold a token."), email=account.email
        )
    for event_id in wanted:
        if not team.can(holder, event_id, ACCOUNT_ROLE[role]):
            raise team.NotAllowed(
                _l("%(email)s may not hold a token of the role “%(role)s” for every event chosen."),
                email=account.email,
                role=ROLE_LABELS[role],
            )
    if db.session.scalar(sa.select(ApiToken.id).where(ApiToken.name == name)) is not None:
        raise InvalidAnswer(_l("A token named “%(name)s” exists already."), name=name)
    secret = tokens.new_api_token()
    token = ApiToken(
        name=name,
        staff_id=account.id,
        role=role,
        secret_digest=tokens.api_token_digest(secret),
        hint=secret[: tokens.API_TOKEN_HINT_LENGTH],
        created_at=now,
        expires_at=expires_at,
        events=[ApiTokenEvent(event_id=event_id) for event_id in wanted],
    )
    db.session.add(token)
    db.session.flush()
    for event_id in wanted:
        audit.record(
            "api_token.created",
            actor=actor,
            event_id=event_id,
            token=token.id,
            name=name,
            role=role.value,
            account=account.email,
            expires=expires_at.isoformat() if expires_at else None,
        )
    return Created(token=token, secret=secret)


def add_event(token_id: int, event_id: int, actor: str) -> None:
    """An event made with the token (the API's create or copy) becomes one of its events, so
    that the token may go on with it; TokenFull when it names MAX_EVENTS already."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound()
    if event_id in token.event_ids:
        return
    if len(token.event_ids) >= MAX_EVENTS:
        raise TokenFull(max=MAX_EVENTS)
    token.events.append(ApiTokenEvent(event_id=event_id))
    db.session.flush()
    audit.record(
        "api_token.event_added", actor=actor, event_id=event_id, token=token.id, name=token.name
    )


def listed(staff_id: int | None = None) -> list[ApiToken]:
    """Tokens, newest first, with their events and accounts: one account's, or every one."""
    query = (
        sa.select(ApiToken)
        .options(selectinload(ApiToken.events), selectinload(ApiToken.staff))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    if staff_id is not None:
        query = query.where(ApiToken.staff_id == staff_id)
    return list(db.session.scalars(query))


def find(name: str) -> ApiToken:
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == name.strip()))
    if token is None:
        raise NotFound(_l("No token named “%(name)s”."), name=name.strip())
    return token


def revoke(token: ApiToken, actor: str) -> ApiToken:
    """End the token now; revoking one already revoked changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        for event_id in token.event_ids:
            audit.record(
                "api_token.revoked", actor=actor, event_id=event_id, token=token.id, name=token.name
            )
    return token


def authenticate(secret: str) -> Caller:
    """The token a request presents, if it works now; TokenRefused otherwise."""
    try:
        digest = tokens.read_api_token(secret)
    except tokens.InvalidToken as exc:
        raise TokenRefused() from exc
    row = db.session.execute(
        sa.select(ApiToken, StaffUser.session_generation)
        .join(StaffUser, StaffUser.id == ApiToken.staff_id)
        .where(ApiToken.secret_digest == digest)
    ).first()
    if row is None:
        raise TokenRefused()
    token, generation = row
    now = utcnow()
    if not token.is_live(now):
        raise TokenRefused()
    account = staff.signed_in(token.staff_id, generation)
    if account is None:
        raise TokenRefused()
    return Caller(
        token_id=token.id,
        name=token.name,
        role=token.role,
        account=account,
        event_ids=frozenset(token.event_ids),
        last_used_at=token.last_used_at,
    )


def note_use(token_id: int) -> bool:
    """Record that the token was used now, unless that was recorded less than a minute ago.

    One conditional UPDATE, with no read before it; whether it wrote is the answer.
    """
    now = utcnow()
    result = db.session.execute(
        sa.update(ApiToken)
        .where(
            ApiToken.id == token_id,
            sa.or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - LAST_USE_STEP),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def parse_role(value: str) -> ApiRole:
    try:
        return ApiRole(value.strip().lower())
    except ValueError as exc:
        raise InvalidAnswer(_l("The role is read, door or organizer.")) from exc


def holder(email: str | None) -> StaffUser:
    """The account a token is made for: the one named, or else the first administrator."""
    if email:
        account = staff.find(email)
        if account is None:
            raise NotFound(_l("No account with that e-mail."))
        return account
    account = db.session.scalar(
        sa.select(StaffUser)
        .where(StaffUser.is_admin.is_(True), StaffUser.active.is_(True))
        .order_by(StaffUser.id)
        .limit(1)
    )
    if account is None:
        raise NotFound(_l("There is no administrator account: name one with its e-mail."))
    return account


def events_by_slug(slugs: Iterable[str]) -> list[Event]:
    """The events these slugs name, in the order given; NotFound names the first unknown."""
    wanted = [slug.strip() for slug in slugs]
    found = {e.slug: e for e in db.session.scalars(sa.select(Event).where(Event.slug.in_(wanted)))}
    for slug in wanted:
        if slug not in found:
            raise NotFound(_l("No event with the slug “%(slug)s”."), slug=slug)
    return [found[slug] for slug in wanted]


def state_of(token: ApiToken, now: datetime) -> str:
    """active, expired or revoked: what the lists say of a token."""
    if token.revoked_at is not None:
        return "revoked"
    return "active" if token.is_live(now) else "expired"


def event_slugs(found: Iterable[ApiToken]) -> dict[int, str]:
    """The slug of every event these tokens name, by id."""
    ids = {e for token in found for e in token.event_ids}
    rows = db.session.execute(sa.select(Event.id, Event.slug).where(Event.id.in_(ids)))
    return {row.id: row.slug for row in rows}


def events_offered(user: SignedIn) -> list[Event]:
    """The events an account may name on a token of its own: those it is on the team of."""
    query = sa.select(Event).order_by(Event.starts_at.desc(), Event.id)
    allowed = team.event_ids(user, Role.DOOR)
    if allowed is not None:
        query = query.where(Event.id.in_(allowed))
    return list(db.session.scalars(query))


def own(token_id: int, user: SignedIn) -> ApiToken:
    """One of the account's tokens (any token, for an administrator); NotFound otherwise."""
    token = db.session.get(ApiToken, token_id)
    if token is None or not (user.is_admin or token.staff_id == user.id):
        raise NotFound()
    return token


def account(staff_id: int) -> StaffUser:
    found = db.session.get(StaffUser, staff_id)
    if found is None:
        raise NotFound()
    return found
