"""The console's guest list: finding guests, adding and editing them, answering for them, and
erasing a guest's personal data on request.

The list is read with a fixed number of queries per page, whatever the number of guests: one
count, the ids of the page in order, the page's guests with their answer, seat and check-in
joined, and the waitlist positions of the guests on the page.
"""

from __future__ import annotations

import enum
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from ..errors import DomainError, GuestErased, InvalidAnswer
from ..extensions import db
from ..models import (
    ERASED_DOMAIN,
    AuditEntry,
    Category,
    Channel,
    CheckIn,
    Event,
    Guest,
    Language,
    MessageStatus,
    OutboxMessage,
    Rsvp,
    Scan,
    Seat,
    SeatState,
)
from . import audit, invitations, mail, rsvp, seats
from .locking import lock_event, lock_guest_event

PER_PAGE = 50
# Longest search text taken, and most words in it: enough for a name with an organization.
MAX_QUERY = 200
MAX_TERMS = 8

# An erased guest keeps its row (the counts stay right) under a name that says so and an
# address in models.ERASED_DOMAIN.
ERASED_MARK = "[erased]"


# -- the guest list --------------------------------------------------------------------------


class GuestState(enum.StrEnum):
    """Where a guest stands, as the list filters by it (the dashboard links to these values)."""

    NOT_SENT = "not_sent"
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    REVOKED = "revoked"
    CHECKED_IN = "checked_in"
    INSIDE = "inside"
    ERASED = "erased"


STATE_LABELS = {
    GuestState.NOT_SENT: _l("Invitation not sent"),
    GuestState.PENDING: _l("Sent, no answer yet"),
    GuestState.CONFIRMED: _l("Confirmed"),
    GuestState.WAITLISTED: _l("Waitlisted"),
    GuestState.DECLINED: _l("Declined"),
    GuestState.REVOKED: _l("Revoked"),
    GuestState.CHECKED_IN: _l("Checked in"),
    GuestState.INSIDE: _l("Inside now"),
    GuestState.ERASED: _l("Personal data erased"),
}


class SortKey(enum.StrEnum):
    NAME = "name"
    ORGANIZATION = "organization"
    CATEGORY = "category"
    STATE = "state"
    ANSWERED = "answered"
    INVITED = "invited"


# The orders the list offers, as the `sort` value ("-" first: the other way round).
SORT_LABELS = {
    "name": _l("Name"),
    "organization": _l("Organization"),
    "category": _l("Category"),
    "state": _l("State, then time of answer"),
    "-answered": _l("Latest answer first"),
    "answered": _l("Earliest answer first"),
    "-invited": _l("Latest added first"),
    "invited": _l("First added first"),
}


@dataclass(frozen=True)
class Criteria:
    """What the organizer asked the list for; every field has a harmless default."""

    query: str = ""
    state: GuestState | None = None
    category: Category | None = None
    channel: Channel | None = None
    sort: SortKey = SortKey.NAME
    descending: bool = False
    page: int = 1

    @property
    def sort_value(self) -> str:
        return ("-" if self.descending else "") + self.sort.value

    @property
    def filtered(self) -> bool:
        return bool(self.query or self.state or self.category or self.channel)

    def params(self, **changes) -> dict[str, str | int]:
        """The URL query of this view (defaults left out), with some fields changed."""
        criteria = replace(self, **changes)
        values = {
            "q": criteria.query,
            "state": criteria.state.value if criteria.state else "",
            "category": criteria.category.value if criteria.category else "",
            "channel": criteria.channel.value if criteria.channel else "",
            "sort": "" if criteria.sort_value == "name" else criteria.sort_value,
            "page": criteria.page if criteria.page != 1 else "",
        }
        return {name: value for name, value in values.items() if value}


def parse_criteria(params: Mapping[str, str]) -> tuple[Criteria, list[tuple[str, str]]]:
    """Criteria from the list's URL query; values not understood are left out and returned as
    (parameter, value) pairs so that the page can say so."""
    ignored: list[tuple[str, str]] = []

    def choice(name: str, kind: type[enum.Enum]):
        value = (params.get(name) or "").strip()
        if not value:
            return None
        try:
            return kind(value)
        except ValueError:
            ignored.append((name, value))
            return None

    query = _folded(params.get("q") or "")
    if len(query) > MAX_QUERY:
        ignored.append(("q", query[:20] + "…"))
        query = query[:MAX_QUERY]
    sort_value = (params.get("sort") or "").strip()
    descending = sort_value.startswith("-")
    try:
        sort = SortKey(sort_value.removeprefix("-")) if sort_value else SortKey.NAME
    except ValueError:
        ignored.append(("sort", sort_value))
        sort, descending = SortKey.NAME, False
    page_value = (params.get("page") or "").strip()
    page = 1
    if page_value:
        if page_value.isdigit() and 1 <= int(page_value) <= 1_000_000:
            page = int(page_value)
        else:
            ignored.append(("page", page_value))
    criteria = Criteria(
        query=query,
        state=choice("state", GuestState),
        category=choice("category", Category),
        channel=choice("channel", Channel),
        sort=sort,
        descending=descending,
        page=page,
    )
    return criteria, ignored


@dataclass(frozen=True)
class GuestRow:
    guest: Guest
    state: GuestState
    # 1 for the next guest to get a seat; None when not waitlisted.
    waitlist_position: int | None
    checked_in: bool
    has_badge: bool

    @property
    def erased(self) -> bool:
        return self.state == GuestState.ERASED


@dataclass(frozen=True)
class GuestPage:
    criteria: Criteria
    rows: list[GuestRow]
    # Guests matching the criteria, and guests on the list.
    total: int
    everyone: int
    # The page shown: the one asked for, or the last one when that was past the end.
    page: int
    per_page: int
    requested_page: int

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / self.per_page), 1)

    @property
    def first(self) -> int:
        """The number of the first row shown (1-based); 0 when nothing is shown."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    @property
    def page_past_end(self) -> bool:
        return self.requested_page != self.page

    def page_links(self, around: int = 2) -> list[int | None]:
        """Page numbers to offer: the first, the last, and those near this one; None is a gap."""
        wanted = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers = sorted(n for n in wanted if 1 <= n <= self.pages)
        links: list[int | None] = []
        for number in numbers:
            if links and number - links[-1] > 1:
                links.append(None)
            links.append(number)
        return links


def search(event: Event, criteria: Criteria, per_page: int = PER_PAGE) -> GuestPage:
    """One page of the event's guests as the criteria ask, in four queries whatever the count."""
    conditions = _conditions(criteria)
    matching = sa.and_(sa.true(), *conditions)
    total, everyone = db.session.execute(
        _joined(sa.select(sa.func.count(sa.case((matching, 1))), sa.func.count()), event)
    ).one()
    pages = max(math.ceil(total / per_page), 1)
    page = min(criteria.page, pages)

    # The order is found on the ids alone, then the page's rows are read with everything the
    # list shows: sorting thousands of narrow rows is several times faster than wide ones.
    ids = list(
        db.session.scalars(
            _joined(sa.select(Guest.id), event)
            .where(*conditions)
            .order_by(*_order(criteria))
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    loaded = db.session.scalars(
        _joined(sa.select(Guest), event)
        .where(Guest.id.in_(ids))
        .options(
            contains_eager(Guest.rsvp), contains_eager(Guest.seat), contains_eager(Guest.check_in)
        )
    )
    by_id = {guest.id: guest for guest in loaded}
    found = [by_id[guest_id] for guest_id in ids if guest_id in by_id]
    positions = _waitlist_positions(event, [g.seat for g in found if g.seat is not None])
    rows = [_row(guest, positions.get(guest.id)) for guest in found]
    return GuestPage(
        criteria=criteria,
        rows=rows,
        total=total,
        everyone=everyone,
        page=page,
        per_page=per_page,
        requested_page=criteria.page,
    )


def _joined(query: sa.Select, event: Event) -> sa.Select:
    return (
        query.select_from(Guest)
        .outerjoin(Rsvp, Rsvp.guest_id == Guest.id)
        .outerjoin(Seat, Seat.guest_id == Guest.id)
        .outerjoin(CheckIn, CheckIn.guest_id == Guest.id)
        .where(Guest.event_id == event.id)
    )


def _folded(text: str) -> str:
    """Full-width letters and digits (as a Chinese keyboard types them) as plain ones."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


_ERASED = Guest.email.endswith("@" + ERASED_DOMAIN)
_LIVE = Guest.revoked_at.is_(None)
_UNANSWERED = sa.and_(_LIVE, Rsvp.id.is_(None))

# The same states as the dashboard counts: confirmed and waitlisted are the seats (a revoked
# guest's seat is released with the invitation); declined, not sent and pending are live guests.
_STATE_CONDITIONS = {
    GuestState.NOT_SENT: sa.and_(_UNANSWERED, Guest.sent_at.is_(None)),
    GuestState.PENDING: sa.and_(_UNANSWERED, Guest.sent_at.is_not(None)),
    GuestState.CONFIRMED: Seat.state == SeatState.CONFIRMED,
    GuestState.WAITLISTED: Seat.state == SeatState.WAITLISTED,
    GuestState.DECLINED: sa.and_(_LIVE, Rsvp.attending.is_(False)),
    GuestState.REVOKED: Guest.revoked_at.is_not(None),
    GuestState.CHECKED_IN: CheckIn.id.is_not(None),
    GuestState.INSIDE: CheckIn.inside.is_(True),
    GuestState.ERASED: _ERASED,
}

_SEARCHED = (Guest.name_en, Guest.name_zh, Guest.email, Guest.organization)


def _conditions(criteria: Criteria) -> list:
    conditions = []
    # Every word somewhere: "Lai Kaohsiung" finds Lai of the city government.
    for term in criteria.query.lower().split()[:MAX_TERMS]:
        conditions.append(
            sa.or_(*(sa.func.lower(column).contains(term, autoescape=True) for column in _SEARCHED))
        )
    if criteria.state is not None:
        conditions.append(_STATE_CONDITIONS[criteria.state])
    if criteria.category is not None:
        conditions.append(Guest.category == criteria.category)
    if criteria.channel is not None:
        conditions.append(Rsvp.channel == criteria.channel)
    return conditions


def _waitlist_positions(event: Event, page_seats: list[Seat]) -> dict[int, int]:
    """Waitlist positions (1 = next in line) of the page's waitlisted guests, in one query."""
    # Asked even when the page has nobody waitlisted: the same queries for every page.
    numbers = [s.queue_number for s in page_seats if s.state == SeatState.WAITLISTED]
    queue = (
        sa.select(
            Seat.guest_id.label("guest_id"),
            Seat.queue_number.label("queue_number"),
            sa.func.row_number().over(order_by=Seat.queue_number).label("position"),
        )
        .where(Seat.event_id == event.id, Seat.state == SeatState.WAITLISTED)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(queue.c.guest_id, queue.c.position).where(queue.c.queue_number.in_(numbers))
    )
    return dict(rows.all())


def _order(criteria: Criteria) -> list:
    def way(column):
        return column.desc() if criteria.descending else column.asc()

    # Latin and Chinese names in one order: the English name, or the Chinese one without it.
    name = sa.func.lower(sa.func.coalesce(sa.func.nullif(Guest.name_en, ""), Guest.name_zh))
    by_name = [way(name), way(Guest.name_zh)]
    sort = criteria.sort
    if sort == SortKey.NAME:
        keys = by_name
    elif sort == SortKey.ORGANIZATION:
        # Guests without an organization last, whichever the direction.
        keys = [Guest.organization == "", way(sa.func.lower(Guest.organization)), *by_name]
    elif sort == SortKey.CATEGORY:
        rank = sa.case({c: n for n, c in enumerate(Category)}, value=Guest.category)
        keys = [way(rank), *by_name]
    elif sort == SortKey.STATE:
        keys = [way(_state_rank()), way(Seat.queue_number), way(Rsvp.updated_at), *by_name]
    elif sort == SortKey.ANSWERED:
        keys = [Rsvp.updated_at.is_(None), way(Rsvp.updated_at)]
    else:
        keys = [way(Guest.invited_at)]
    return [*keys, way(Guest.id)]


def _state_rank():
    """The states in the order an organizer reads them: seated first, gone last."""
    return sa.case(
        (_ERASED, 7),
        (Guest.revoked_at.is_not(None), 6),
        (Seat.state == SeatState.CONFIRMED, 1),
        (Seat.state == SeatState.WAITLISTED, 2),
        (Rsvp.id.is_not(None), 5),
        (Guest.sent_at.is_not(None), 3),
        else_=4,
    )


def state_of(guest: Guest) -> GuestState:
    """The one state the list shows for the guest (rsvp, seat and check-in loaded)."""
    if is_erased(guest):
        return GuestState.ERASED
    if guest.is_revoked:
        return GuestState.REVOKED
    if guest.seat is not None:
        if guest.seat.state == SeatState.CONFIRMED:
            return GuestState.CONFIRMED
        return GuestState.WAITLISTED
    if guest.rsvp is not None:
        return GuestState.DECLINED
    return GuestState.PENDING if guest.sent_at is not None else GuestState.NOT_SENT


def _row(guest: Guest, position: int | None) -> GuestRow:
    state = state_of(guest)
    return GuestRow(
        guest=guest,
        state=state,
        waitlist_position=position if state == GuestState.WAITLISTED else None,
        checked_in=guest.check_in is not None,
        has_badge=state == GuestState.CONFIRMED,
    )


# -- adding and editing ----------------------------------------------------------------------

# The longest value per text field: the columns' own sizes (the CSV import checks the same).
FIELD_LENGTHS = {
    name: Guest.__table__.c[name].type.length
    for name in ("name_en", "name_zh", "email", "organization", "title")
}


@dataclass(frozen=True)
class GuestDetails:
    """What the organizer types about a guest."""

    email: str
    name_en: str = ""
    name_zh: str = ""
    organization: str = ""
    title: str = ""
    category: Category = Category.DELEGATE
    language: Language = Language.EN


class DuplicateEmail(InvalidAnswer):
    status = 409


def is_erased(guest: Guest) -> bool:
    return guest.is_erased


def _checked(details: GuestDetails) -> GuestDetails:
    """The details cleaned and checked by the rules every way onto the guest list shares."""
    values = {name: (getattr(details, name) or "").strip() for name in FIELD_LENGTHS}
    for name, limit in FIELD_LENGTHS.items():
        if len(values[name]) > limit:
            raise InvalidAnswer(_l("A field is longer than %(limit)s characters."), limit=limit)
    invitations.require_name(values["name_en"], values["name_zh"])
    values["email"] = invitations.normalize_email(values["email"])
    try:
        category, language = Category(details.category), Language(details.language)
    except ValueError as exc:
        raise InvalidAnswer(_l("Please choose a category and a language from the lists.")) from exc
    return GuestDetails(**values, category=category, language=language)


def _email_taken(event_id: int, email: str, but: int | None = None) -> bool:
    query = sa.select(Guest.id).where(Guest.event_id == event_id, Guest.email == email)
    if but is not None:
        query = query.where(Guest.id != but)
    return db.session.scalar(query) is not None


def _duplicate(email: str) -> DuplicateEmail:
    return DuplicateEmail(
        _l("%(email)s is already on the guest list. Nothing was saved."), email=email
    )


def add(event_id: int, details: GuestDetails, actor: str) -> Guest:
    """Put a guest on the list. A second submit of the same form finds the e-mail taken."""
    details = _checked(details)
    # Guest-list changes are serialized by the event lock (as the CSV import's are).
    event = lock_event(event_id)
    if _email_taken(event.id, details.email):
        raise _duplicate(details.email)
    try:
        return invitations.add_guest(
            event,
            email=details.email,
            name_en=details.name_en,
            name_zh=details.name_zh,
            organization=details.organization,
            title=details.title,
            category=details.category,
            language=details.language,
            actor=actor,
        )
    except sa.exc.IntegrityError as exc:
        # Added meanwhile by a way that does not take the lock (the command line).
        raise _duplicate(details.email) from exc


def update(guest_id: int, details: GuestDetails, actor: str) -> list[str]:
    """Change the guest's details; return the names of the fields changed (none: a repeat).

    The audit entry names the fields, not their values, so that it holds no personal data.
    """
    details = _checked(details)
    event, guest = lock_guest_event(guest_id)
    if is_erased(guest):
        raise GuestErased()
    if details.email != guest.email and _email_taken(event.id, details.email, but=guest.id):
        raise _duplicate(details.email)
    changed = [
        f.name for f in fields(details) if getattr(guest, f.name) != getattr(details, f.name)
    ]
    if not changed:
        return []
    before = {name: getattr(guest, name) for name in changed}
    for name in changed:
        setattr(guest, name, getattr(details, name))
    readdressed = 0
    if "email" in changed:
        # Messages still waiting go to the corrected address.
        queued = db.session.scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.guest_id == guest.id,
                OutboxMessage.status == MessageStatus.QUEUED,
            )
        ).all()
        for message in queued:
            message.to_address = guest.email
        readdressed = len(queued)
    try:
        db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise _duplicate(details.email) from exc
    enums = {
        name: [before[name].value, getattr(guest, name).value]
        for name in ("category", "language")
        if name in changed
    }
    audit.record(
        "guest.updated",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        via="console",
        fields=changed,
        **enums,
        **({"readdressed": readdressed} if readdressed else {}),
    )
    return changed


# -- answering for the guest -----------------------------------------------------------------


class GuestRevoked(DomainError):
    status = 409
    default_message = _l(
        "The invitation of this guest is revoked, so nobody can answer for them. Reinstate "
        "the invitation first; nothing was saved."
    )


def answer_for(guest_id: int, reply: rsvp.RsvpAnswer, actor: str) -> rsvp.RsvpState:
    """An organizer records the guest's answer (given by phone, say), after the deadline too.

    The RSVP service gives or takes the seat and queues the e-mail, as for the guest's own
    answer. The guest's names are not touched.
    """
    event, guest = lock_guest_event(guest_id)
    if is_erased(guest):
        raise GuestErased()
    if guest.is_revoked:
        raise GuestRevoked()
    reply = replace(reply, name_en="", name_zh="", organization="")
    return rsvp.answer(guest.id, guest.token_version, reply, actor, on_behalf=True)


# -- erasing personal data -------------------------------------------------------------------

# Keys under which audit details and door answers hold personal data.
PERSONAL_KEYS = frozenset(
    {"name_en", "name_zh", "email", "organization", "title", "dietary", "access_needs", "note"}
)


class AlreadyErased(GuestErased):
    default_message = _l("This guest's personal data was already erased. Nothing was changed.")


@dataclass
class Erasure:
    guest: Guest
    released: SeatState | None
    promoted: list[Guest] = field(default_factory=list)


def erase(guest_id: int, actor: str) -> Erasure:
    """Remove the guest's personal data on request, keeping an anonymous entry for the counts.

    A confirmed seat is freed for the waitlist, the invitation is revoked (links and badge
    die), and the names, addresses and free text go from the guest, the answer, the outbox,
    the door's answers and the guest's earlier audit entries.
    """
    event, guest = lock_guest_event(guest_id)
    if is_erased(guest):
        raise AlreadyErased()
    personal = _personal_values(guest)
    released = guest.seat.state if guest.seat is not None else None
    promoted = seats.release(event, guest, actor, reason="erased")
    if not guest.is_revoked:
        invitations.revoke(guest.id, actor)
    guest = db.session.get(Guest, guest_id)

    placeholder = f"erased-{guest.id}@{ERASED_DOMAIN}"
    guest.name_en = f"Erased guest #{guest.id}"
    guest.name_zh = ""
    guest.email = placeholder
    guest.organization = ""
    guest.title = ""
    if guest.rsvp is not None:
        guest.rsvp.dietary = ""
        guest.rsvp.access_needs = ""
        guest.rsvp.note = ""

    messages = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.guest_id == guest.id)
    ).all()
    for message in messages:
        message.to_address = placeholder
        message.last_error = ""
        message.details = _scrubbed(message.details or {}, personal)
    _remove_written_messages(messages)

    for scan in db.session.scalars(sa.select(Scan).where(Scan.guest_id == guest.id)):
        result = _scrubbed(scan.result or {}, personal)
        if isinstance(result.get("guest"), dict):
            result["guest"]["name_en"] = guest.name_en
        scan.result = result
    for entry in db.session.scalars(sa.select(AuditEntry).where(AuditEntry.guest_id == guest.id)):
        scrubbed = _scrubbed(entry.details or {}, personal)
        if scrubbed != entry.details:
            entry.details = scrubbed

    db.session.flush()
    audit.record(
        "guest.erased",
        actor=actor,
        event_id=event.id,
        guest_id=guest.id,
        released=released.value if released is not None else None,
        promoted=len(promoted),
    )
    return Erasure(guest=guest, released=released, promoted=promoted)


def _personal_values(guest: Guest) -> set[str]:
    """The guest's personal text as it stands and as earlier audit entries recorded it."""
    values = {guest.name_en, guest.name_zh, guest.email, guest.organization, guest.title}
    if guest.rsvp is not None:
        values |= {guest.rsvp.dietary, guest.rsvp.access_needs, guest.rsvp.note}
    for details in db.session.scalars(
        sa.select(AuditEntry.details).where(AuditEntry.guest_id == guest.id)
    ):
        _collect(details, values, inside_personal=False)
    return {value for value in values if value and value.strip()}


def _collect(value, found: set[str], inside_personal: bool) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _collect(item, found, inside_personal or key in PERSONAL_KEYS)
    elif isinstance(value, list):
        for item in value:
            _collect(item, found, inside_personal)
    elif isinstance(value, str) and inside_personal:
        found.add(value)


def _scrubbed(value, personal: set[str]):
    """A copy of the JSON value with personal data replaced by ERASED_MARK."""
    if isinstance(value, dict):
        return {
            key: ERASED_MARK if key in PERSONAL_KEYS and item else _scrubbed(item, personal)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrubbed(item, personal) for item in value]
    if isinstance(value, str) and _mentions(value, personal):
        return ERASED_MARK
    return value


def _mentions(text: str, personal: set[str]) -> bool:
    folded = text.casefold()
    for value in personal:
        # Short values only when whole: "Li" must not blank every word holding those letters.
        if value == text or (len(value) >= 4 and value.casefold() in folded):
            return True
    return False


def _remove_written_messages(messages: list[OutboxMessage]) -> None:
    """The demo's outbox folder keeps every message as an .eml file: those of this guest go."""
    folder = mail.outbox_directory()
    if not folder.is_dir():
        return
    for message in messages:
        # The file name mail.render gives: <queued at>-<id>-<kind>-<language>.eml
        for path in folder.glob(f"*-{message.id:06d}-{message.kind.value}-*.eml"):
            path.unlink(missing_ok=True)
