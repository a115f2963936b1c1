"""The console's guest list as it reads it: the states, the criteria, and one page of guests.

The list is read with a fixed number of queries per page, whatever the number of guests: one
count (of the matches, up to COUNT_LIMIT past the page: "more than 1,000 match"), the ids of
the page in order, the page's guests with their answer, seat and check-in
joined, and the waitlist positions of the guests on the page. What is read does not grow with
the list: the count of everyone is an index's, the search goes through the search index
(guest_search.py), and the default order is an index's (search_index.py), so that a page is
the index's next 50 entries. A search that many guests match (more than were counted, or on
SQLite words that guest_search.common_keys finds common, one more query) reads the list in
that order too, checking each guest, and stops at the page's last match.
"""

from __future__ import annotations

import enum
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TypedDict, TypeVar, TypeVarTuple, Unpack

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from ... import search_index
from ...extensions import db
from ...models import (
    ERASED_DOMAIN,
    Category,
    Channel,
    CheckIn,
    Event,
    Guest,
    Rsvp,
    Seat,
    SeatState,
    SessionSeat,
)
from ...numbers import parse_whole
from ..guest_search import common_keys, keys_contain, narrows, search_key
from ..seats import sessions as session_seats

_T = TypeVar("_T")
_E = TypeVar("_E", bound=enum.Enum)
_Columns = TypeVarTuple("_Columns")

PER_PAGE = 50
# Longest search text taken, and most words in it: enough for a name with an organization.
MAX_QUERY = 200
MAX_TERMS = 8
# Matches counted past the first of the page shown (at least a page): beyond, the list says
# "more than N". Counting all of them would read every match of a common word for each page.
COUNT_LIMIT = 1000


class GuestState(enum.StrEnum):
    """Where a guest stands, as the list filters by it (the dashboard links to these values)."""

    NOT_SENT = "not_sent"
    # Not a guest's own state but a filter: every live invitation but those not sent yet.
    SENT = "sent"
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    REVOKED = "revoked"
    # The invitation ended when an organizer approved the guest's deputy.
    SENT_DEPUTY = "sent_deputy"
    CHECKED_IN = "checked_in"
    INSIDE = "inside"
    ERASED = "erased"


STATE_LABELS = {
    GuestState.NOT_SENT: _l("Invitation not sent"),
    GuestState.SENT: _l("Invitation sent (answered or not)"),
    GuestState.PENDING: _l("Sent, no answer yet"),
    GuestState.CONFIRMED: _l("Confirmed"),
    GuestState.WAITLISTED: _l("Waitlisted"),
    GuestState.DECLINED: _l("Declined"),
    GuestState.REVOKED: _l("Revoked"),
    GuestState.SENT_DEPUTY: _l("Sent a deputy"),
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
class SessionFilter:
    """Guests who chose a session (of those guests choose), confirmed or waitlisted in it, or
    either (state None). In the URL: `session=12`, `session=12:confirmed`, `12:waitlisted`."""

    session_id: int
    state: SeatState | None = None

    @property
    def value(self) -> str:
        return f"{self.session_id}:{self.state.value}" if self.state else str(self.session_id)


def parse_session(value: str) -> SessionFilter | None:
    """The session filter a `session` value names, or None when it names none."""
    number, _sep, state = value.partition(":")
    session_id = parse_whole(number.strip(), low=1, high=2**31 - 1)
    if session_id is None:
        return None
    if not state:
        return SessionFilter(session_id)
    try:
        seat_state = SeatState(state.strip())
    except ValueError:
        return None
    return SessionFilter(session_id, seat_state)


class _Changes(TypedDict, total=False):
    """Fields of Criteria, any of them, as Criteria.params changes them."""

    query: str
    state: GuestState | None
    category: Category | None
    channel: Channel | None
    sort: SortKey
    descending: bool
    page: int
    session: SessionFilter | None


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
    session: SessionFilter | None = None

    @property
    def sort_value(self) -> str:
        return ("-" if self.descending else "") + self.sort.value

    @property
    def filtered(self) -> bool:
        return bool(self.query or self.state or self.category or self.channel or self.session)

    def params(self, **changes: Unpack[_Changes]) -> dict[str, str | int]:
        """The URL query of this view (defaults left out), with some fields changed."""
        criteria = replace(self, **changes)
        values = {
            "q": criteria.query,
            "state": criteria.state.value if criteria.state else "",
            "category": criteria.category.value if criteria.category else "",
            "channel": criteria.channel.value if criteria.channel else "",
            "session": criteria.session.value if criteria.session else "",
            "sort": "" if criteria.sort_value == "name" else criteria.sort_value,
            "page": criteria.page if criteria.page != 1 else "",
        }
        return {name: value for name, value in values.items() if value}


def parse_criteria(params: Mapping[str, str]) -> tuple[Criteria, list[tuple[str, str]]]:
    """Criteria from the list's URL query; values not understood are left out and returned as
    (parameter, value) pairs so that the page can say so."""
    ignored: list[tuple[str, str]] = []

    def choice(name: str, kind: type[_E]) -> _E | None:
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
        parsed = parse_whole(page_value, low=1, high=1_000_000)
        if parsed is None:
            ignored.append(("page", page_value))
        else:
            page = parsed
    session_value = (params.get("session") or "").strip()
    session = parse_session(session_value) if session_value else None
    if session_value and session is None:
        ignored.append(("session", session_value))
    criteria = Criteria(
        query=query,
        session=session,
        state=choice("state", GuestState),
        category=choice("category", Category),
        channel=choice("channel", Channel),
        sort=sort,
        descending=descending,
        page=page,
    )
    return criteria, ignored


def of_event(
    event: Event, criteria: Criteria, ignored: list[tuple[str, str]]
) -> tuple[Criteria, list[tuple[str, str]]]:
    """The criteria with a session filter naming no session this event's guests choose left
    out (and added to `ignored`, so that the page says so)."""
    if criteria.session is None:
        return criteria, ignored
    if criteria.session.session_id in session_seats.offered_ids(event.id):
        return criteria, ignored
    return replace(criteria, session=None), [*ignored, ("session", criteria.session.value)]


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
    # Guests matching the criteria (counted up to a limit: see `more`), and guests on the list.
    total: int
    everyone: int
    # The page shown: the one asked for, or the last one when that was past the end.
    page: int
    per_page: int
    requested_page: int
    # More guests match than `total`, which is where the count stopped (COUNT_LIMIT).
    more: bool = False

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
        if self.more:
            links.append(None)  # pages after the last counted one
        return links


def search(event: Event, criteria: Criteria, per_page: int = PER_PAGE) -> GuestPage:
    """One page of the event's guests as the criteria ask, in four queries whatever the count
    (five for a search on SQLite: common_keys)."""
    keys = _keys(criteria)
    common = bool(keys) and common_keys(keys)
    searched = _searched(criteria, common)
    conditions = [*searched, *_filters(criteria)]
    read_by_id = narrows(keys, common=common)
    # Two counts in one statement, each the cheapest its own way: everyone from the index on
    # the event, and the matches only when there are criteria (otherwise: everyone), up to
    # `limit` of them and one more to tell whether there are more.
    everyone_count = (
        sa.select(sa.func.count()).select_from(Guest).where(Guest.event_id == event.id)
    ).scalar_subquery()
    # Without criteria, everyone is counted, exactly.
    limit = (criteria.page - 1) * per_page + max(COUNT_LIMIT, per_page) if conditions else 0
    matching_count = (
        sa.select(sa.func.count())
        .select_from(
            _joined(sa.select(Guest.id), event, _needs_joins(criteria), read_by_id)
            .where(*conditions)
            .limit(limit + 1)
            .subquery()
        )
        .scalar_subquery()
        if conditions
        else everyone_count
    )
    counted, everyone = db.session.execute(sa.select(matching_count, everyone_count)).one()
    more = bool(conditions) and counted > limit
    total = limit if more else counted
    pages = max(math.ceil(total / per_page), 1)
    page = min(criteria.page, pages)

    # A search that many guests match (common words, or more than were counted) is read along
    # the list's order, stopping at the page's last match: its conditions are then given as one
    # expression, which no index serves and which PostgreSQL's planner takes to hold for half
    # the guests (it cannot tell how many hold "42", and would otherwise sort them all).
    walk = bool(searched) and (common or more)
    if walk:
        conditions = [sa.func.coalesce(sa.and_(*searched), sa.false()), *_filters(criteria)]
    # The order is found on the ids alone, then the page's rows are read with everything the
    # list shows: sorting thousands of narrow rows is several times faster than wide ones.
    ids = list(
        db.session.scalars(
            _joined(sa.select(Guest.id), event, _needs_joins(criteria), read_by_id and not walk)
            .where(*conditions)
            .order_by(*_order(criteria, walk))
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
        more=more,
    )


def _needs_joins(criteria: Criteria) -> bool:
    """Whether the criteria read the answer, the seat or the check-in (the name search and
    the category read the guest alone, and a count of guests only walks an index)."""
    return bool(
        criteria.state is not None
        or criteria.channel is not None
        or criteria.sort in (SortKey.STATE, SortKey.ANSWERED)
    )


def _joined(
    query: sa.Select[*_Columns], event: Event, joins: bool = True, by_id: bool = False
) -> sa.Select[*_Columns]:
    """`query` of the event's guests, with their answer, seat and check-in if `joins`. With
    `by_id` the event is checked as an expression, which no index serves: the guests are then
    read by the ids the search condition names (guest_search.narrows)."""
    of_event = (Guest.event_id + 0 if by_id else Guest.event_id) == event.id
    if not joins:
        return query.select_from(Guest).where(of_event)
    return (
        query.select_from(Guest)
        .outerjoin(Rsvp, Rsvp.guest_id == Guest.id)
        .outerjoin(Seat, Seat.guest_id == Guest.id)
        .outerjoin(CheckIn, CheckIn.guest_id == Guest.id)
        .where(of_event)
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
    GuestState.SENT: sa.and_(_LIVE, sa.or_(Guest.sent_at.is_not(None), Rsvp.id.is_not(None))),
    GuestState.PENDING: sa.and_(_UNANSWERED, Guest.sent_at.is_not(None)),
    GuestState.CONFIRMED: Seat.state == SeatState.CONFIRMED,
    GuestState.WAITLISTED: Seat.state == SeatState.WAITLISTED,
    GuestState.DECLINED: sa.and_(_LIVE, Rsvp.attending.is_(False)),
    GuestState.REVOKED: sa.and_(Guest.revoked_at.is_not(None), Guest.sent_deputy_at.is_(None)),
    GuestState.SENT_DEPUTY: Guest.sent_deputy_at.is_not(None),
    GuestState.CHECKED_IN: CheckIn.id.is_not(None),
    GuestState.INSIDE: CheckIn.inside.is_(True),
    GuestState.ERASED: _ERASED,
}

_SEARCHED = (Guest.name_en, Guest.name_zh, Guest.email, Guest.organization)


def _terms(criteria: Criteria) -> list[str]:
    return criteria.query.lower().split()[:MAX_TERMS]


def _keys(criteria: Criteria) -> list[str]:
    return [key for key in (search_key(term) for term in _terms(criteria)) if key]


def _searched(criteria: Criteria, common: bool = False) -> list[sa.ColumnElement[bool]]:
    """The conditions of the words searched for."""
    conditions: list[sa.ColumnElement[bool]] = []
    # Every word somewhere: "Lai Kaohsiung" finds Lai of the city government. The search keys
    # (which leave out hyphens) narrow down through their index; the words themselves decide.
    keys = _keys(criteria)
    if keys:
        conditions.append(keys_contain(keys, common=common))
    for term in _terms(criteria):
        conditions.append(
            sa.or_(*(sa.func.lower(column).contains(term, autoescape=True) for column in _SEARCHED))
        )
    return conditions


def _filters(criteria: Criteria) -> list[sa.ColumnElement[bool]]:
    """The conditions of the state, category and channel chosen."""
    conditions: list[sa.ColumnElement[bool]] = []
    if criteria.state is not None:
        conditions.append(_STATE_CONDITIONS[criteria.state])
    if criteria.category is not None:
        conditions.append(Guest.category == criteria.category)
    if criteria.channel is not None:
        conditions.append(Rsvp.channel == criteria.channel)
    if criteria.session is not None:
        conditions.append(_in_session(criteria.session))
    return conditions


def _in_session(wanted: SessionFilter) -> sa.ColumnElement[bool]:
    """The guests with a seat (or a place in the queue) in the session: a semi-join read from
    the index on (session, state, queue number), whatever the number of guests."""
    seats = sa.select(SessionSeat.guest_id).where(SessionSeat.session_id == wanted.session_id)
    if wanted.state is not None:
        seats = seats.where(SessionSeat.state == wanted.state)
    return Guest.id.in_(seats)


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


def _order(criteria: Criteria, walk: bool = False) -> list[sa.SQLColumnExpression[object]]:
    def way(column: sa.SQLColumnExpression[_T]) -> sa.UnaryExpression[_T]:
        return column.desc() if criteria.descending else column.asc()

    # Latin and Chinese names in one order: the English name, or the Chinese one without it;
    # the same text as the index on it (search_index.NAME_ORDER_INDEX).
    name: sa.ColumnElement[str] = sa.literal_column(search_index.NAME_ORDER_OF_GUESTS)
    if criteria.query and not walk:
        # The same order written so that it is not the index's: SQLite would otherwise walk the
        # whole index in order, looking for the few guests found, instead of sorting those.
        # (Words many guests hold are found soon along that walk: then it is the index's.)
        name = sa.func.lower(sa.func.coalesce(sa.func.nullif(Guest.name_en, ""), Guest.name_zh))
    by_name: list[sa.SQLColumnExpression[object]] = [way(name), way(Guest.name_zh)]
    keys: list[sa.SQLColumnExpression[object]]
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


def _state_rank() -> sa.Case[int]:
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


def is_erased(guest: Guest) -> bool:
    return guest.is_erased


def state_of(guest: Guest) -> GuestState:
    """The one state the list shows for the guest (rsvp, seat and check-in loaded)."""
    if is_erased(guest):
        return GuestState.ERASED
    if guest.sent_deputy:
        return GuestState.SENT_DEPUTY
    if guest.is_revoked:
        return GuestState.REVOKED
    if guest.seat is None and guest.is_companion and not guest.event.companions_take_seats:
        # An accompanying person where the event seats none: they come, with no seat.
        return GuestState.CONFIRMED
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
