"""The dashboard's numbers: guests by state, seats, receivers, needs, and answers over time.

The counts come from one read of an index of the guest list (_tally: guests grouped by what the
database keeps of each, guest_tally, summed here), with a fixed number of queries however many
guests there are. The states are
the ones the guest pages and the overview show (rsvp.state_of): a revoked guest counts as
revoked only; the others are not sent yet, sent without an answer, attending with a confirmed
seat, waitlisted, or declined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from .. import guest_tally as tally
from .. import search_index
from ..extensions import db
from ..models import (
    TALLIES,
    AgendaItem,
    Category,
    Channel,
    Event,
    Guest,
    OutboxMessage,
    Rsvp,
    Seat,
    SeatState,
)
from . import companions, outbox
from .companions import CompanionCounts
from .seats import Hold, SeatCounts, holds_of
from .seats import sessions as session_seats
from .travel import board as travel_board
from .travel.board import TravelCounts

# The needs list shows at most this many guests; the counts above it are always complete.
NEEDS_LIMIT = 50
# Days without answers between the first and the last are shown (as 0) up to this span.
LONGEST_FILLED_SPAN = 92


@dataclass(frozen=True)
class GuestCounts:
    # Everyone on the list with a live invitation: the sum of the five states below.
    invited: int
    not_sent: int
    pending: int
    confirmed: int
    waitlisted: int
    declined: int
    revoked: int
    inside: int

    @property
    def sent(self) -> int:
        """Live invitations that reached the guest: sent, or answered (the organizer may have
        handed the link over); with not_sent, every live invitation."""
        return self.invited - self.not_sent


@dataclass(frozen=True)
class ChannelReceivers:
    channel: Channel
    # Confirmed guests listening on this channel: the receivers to have ready.
    needed: int
    # Receivers handed out so far to guests on this channel, and those not returned yet.
    handed_out: int
    out_now: int


@dataclass(frozen=True)
class Receivers:
    """Confirmed guests by what they listen on, adding up to every confirmed guest."""

    # One row per interpretation channel the event offers.
    channels: list[ChannelReceivers]
    # Confirmed guests on the floor language: no receiver needed.
    floor: int
    # Confirmed guests without a channel the event offers (none chosen, or one since removed).
    other: int

    @property
    def confirmed(self) -> int:
        return sum(row.needed for row in self.channels) + self.floor + self.other

    @property
    def needed(self) -> int:
        return sum(row.needed for row in self.channels)


@dataclass(frozen=True)
class Needs:
    dietary: int
    access: int
    # (guest id, name_en, name_zh, dietary, access needs), by name; at most NEEDS_LIMIT.
    listed: list[sa.Row[int, str, str, str, str]]
    # Confirmed guests with any need; more than len(listed) when the list was cut.
    total: int


@dataclass(frozen=True)
class AnswerDay:
    day: date
    answers: int
    attending: int

    @property
    def not_attending(self) -> int:
        return self.answers - self.attending


@dataclass(frozen=True)
class CategoryCounts:
    category: Category
    invited: int
    confirmed: int


@dataclass(frozen=True)
class SessionSeats:
    """A session guests choose and its seats: the room's capacity applies to each session."""

    session: AgendaItem
    seats: SeatCounts


@dataclass(frozen=True)
class Dashboard:
    guests: GuestCounts
    seats: SeatCounts
    receivers: Receivers
    needs: Needs
    answers_by_day: list[AnswerDay]
    categories: list[CategoryCounts]
    # The seats held for categories and named guests, each with how many are taken.
    holds: list[Hold]
    # Messages to guests that cannot be sent as things stand (outbox.unrenderable).
    unrenderable: list[OutboxMessage]
    # Accompanying persons still valid, and how many are inside (services/companions.py); those
    # who take seats are in the seats' counts as well.
    companions: CompanionCounts | None = None
    # Guests offered travel, and how many gave their details (services/travel/).
    travel: TravelCounts | None = None
    # Each session guests choose with its seats (empty: the event has none); seats_per_session.
    session_seats: list[SessionSeats] = field(default_factory=list)

    @property
    def busiest_day(self) -> int:
        return max((d.answers for d in self.answers_by_day), default=0)


def _count(condition: sa.ColumnExpressionArgument[bool]) -> sa.ColumnElement[int]:
    """COUNT of the rows where condition holds (portable: no FILTER clause)."""
    return sa.func.count(sa.case((condition, 1)))


def summary(event: Event) -> Dashboard:
    tally = _tally(event)
    holds = holds_of(event)
    seat_counts = _seat_counts(event, tally, holds)
    return Dashboard(
        guests=_guest_counts(tally, seat_counts),
        seats=seat_counts,
        receivers=_receivers(event, tally),
        needs=_needs(event, tally),
        answers_by_day=answers_by_day(event),
        categories=_category_counts(tally),
        holds=holds,
        unrenderable=outbox.unrenderable(event),
        companions=companions.event_counts(event.id),
        travel=travel_board.counts(event.id),
        session_seats=seats_per_session(event),
    )


def seats_per_session(event: Event) -> list[SessionSeats]:
    """The seats of each session guests choose, in programme order (a fixed number of
    statements whatever the number of guests: seats.sessions.counts_by_session)."""
    return [
        SessionSeats(session=item, seats=counts)
        for item, counts in session_seats.counts_by_session(event)
    ]


@dataclass(frozen=True)
class _Kind:
    """Guests alike in everything the dashboard counts, and how many of them there are."""

    category: Category
    revoked: bool
    sent: bool
    # None: never answered.
    attending: bool | None
    channel: Channel | None
    seat: SeatState | None
    # None: never checked in.
    inside: bool | None
    receiver_handed: bool
    receiver_returned: bool
    dietary: bool
    access: bool
    count: int

    @property
    def confirmed(self) -> bool:
        return self.seat == SeatState.CONFIRMED


def _tally(event: Event) -> list[_Kind]:
    """The event's guests grouped by everything the dashboard counts, a few hundred groups at
    most whatever the list's length, from which every count is summed.

    What each guest counts as is kept in a row of its own by the database (guest_tally: a bit
    per fact, and the answer's channel, rewritten by triggers in every change), so this is one
    read of the index on (event, category, channel, flags) in its own order: no join, no sort.
    """
    grouped = (TALLIES.c.category, TALLIES.c.channel, TALLIES.c.flags)
    rows = db.session.execute(
        sa.select(*grouped, sa.func.count())
        .where(TALLIES.c.event_id == event.id)
        .group_by(*grouped)
    ).all()
    return [
        _kind(Category(category), channel, flags, count) for category, channel, flags, count in rows
    ]


def _kind(category: Category, channel: str | None, flags: int, count: int) -> _Kind:
    return _Kind(
        category=category,
        revoked=bool(flags & tally.REVOKED),
        sent=bool(flags & tally.SENT),
        attending=True if flags & tally.ATTENDING else False if flags & tally.DECLINED else None,
        # A channel no longer known here counts as none chosen (Receivers.other).
        channel=_CHANNELS.get(channel or ""),
        seat=SeatState.CONFIRMED
        if flags & tally.CONFIRMED
        else SeatState.WAITLISTED
        if flags & tally.WAITLISTED
        else None,
        inside=True if flags & tally.INSIDE else False if flags & tally.LEFT else None,
        receiver_handed=bool(flags & tally.HANDED),
        receiver_returned=bool(flags & tally.RETURNED),
        dietary=bool(flags & tally.DIETARY),
        access=bool(flags & tally.ACCESS),
        count=count,
    )


_CHANNELS = {channel.value: channel for channel in Channel}


def _total(tally: list[_Kind], condition: Callable[[_Kind], bool]) -> int:
    return sum(kind.count for kind in tally if condition(kind))


def _seat_counts(event: Event, tally: list[_Kind], holds: list[Hold] | None = None) -> SeatCounts:
    holds = holds or []
    return SeatCounts(
        capacity=event.capacity,
        held=event.held_seats,
        confirmed=_total(tally, lambda k: k.seat == SeatState.CONFIRMED),
        waitlisted=_total(tally, lambda k: k.seat == SeatState.WAITLISTED),
        reserved=sum(h.count for h in holds),
        confirmed_in_holds=sum(h.used for h in holds),
    )


def guest_counts(event: Event, seat_counts: SeatCounts | None = None) -> GuestCounts:
    """The guest list by state. Confirmed and waitlisted are the seats' own counts (a revoked
    guest's seat is released with the invitation), and inside is the door's occupancy."""
    tally = _tally(event)
    return _guest_counts(tally, seat_counts or _seat_counts(event, tally))


def _guest_counts(tally: list[_Kind], seat_counts: SeatCounts) -> GuestCounts:
    def unanswered(kind: _Kind) -> bool:
        return not kind.revoked and kind.attending is None

    not_sent = _total(tally, lambda k: unanswered(k) and not k.sent)
    pending = _total(tally, lambda k: unanswered(k) and k.sent)
    declined = _total(tally, lambda k: not k.revoked and k.attending is False)
    confirmed, waitlisted = seat_counts.confirmed, seat_counts.waitlisted
    return GuestCounts(
        invited=not_sent + pending + confirmed + waitlisted + declined,
        not_sent=not_sent,
        pending=pending,
        confirmed=confirmed,
        waitlisted=waitlisted,
        declined=declined,
        revoked=_total(tally, lambda k: k.revoked),
        inside=_total(tally, lambda k: k.inside is True),
    )


def receivers(event: Event, confirmed: int | None = None) -> Receivers:
    """Per interpretation channel offered: receivers needed, handed out, not returned yet; and
    the confirmed guests who need none (the floor) or chose no channel offered, so that the
    rows add up to the confirmed guests."""
    return _receivers(event, _tally(event))


def _receivers(event: Event, tally: list[_Kind]) -> Receivers:
    answered = [kind for kind in tally if kind.attending is not None]
    offered = [channel for channel in event.offered_channels if channel != Channel.FLOOR]
    channels = []
    for channel in offered:
        on_it = [kind for kind in answered if kind.channel == channel]
        channels.append(
            ChannelReceivers(
                channel=channel,
                needed=_total(on_it, lambda k: k.confirmed),
                handed_out=_total(on_it, lambda k: k.receiver_handed),
                out_now=_total(on_it, lambda k: k.receiver_handed and not k.receiver_returned),
            )
        )
    floor = _total(answered, lambda k: k.confirmed and k.channel == Channel.FLOOR)
    confirmed = _total(tally, lambda k: k.confirmed)
    # The rest: no channel chosen, or one the event no longer offers.
    other = confirmed - floor - sum(row.needed for row in channels)
    return Receivers(channels=channels, floor=floor, other=other)


def _confirmed_answers() -> sa.Select[*tuple[Any, ...]]:
    return (
        sa.select()
        .select_from(Guest)
        .join(Rsvp, Rsvp.guest_id == Guest.id)
        .join(Seat, Seat.guest_id == Guest.id)
        .where(Seat.state == SeatState.CONFIRMED)
    )


def needs(event: Event, limit: int = NEEDS_LIMIT) -> Needs:
    """Confirmed guests' dietary and access needs: how many, and what they wrote."""
    return _needs(event, _tally(event), limit)


def _needs(event: Event, tally: list[_Kind], limit: int = NEEDS_LIMIT) -> Needs:
    has_dietary, has_access = Rsvp.dietary != "", Rsvp.access_needs != ""
    listed = db.session.execute(
        _confirmed_answers()
        .add_columns(Guest.id, Guest.name_en, Guest.name_zh, Rsvp.dietary, Rsvp.access_needs)
        .where(Guest.event_id == event.id, sa.or_(has_dietary, has_access))
        # The guest list's name order, read from its index (search_index.NAME_ORDER_INDEX)
        # until enough are found, instead of sorting every guest with a need.
        .order_by(sa.literal_column(search_index.NAME_ORDER_OF_GUESTS), Guest.name_zh, Guest.id)
        .limit(limit)
    ).all()
    confirmed = [kind for kind in tally if kind.confirmed and kind.attending is not None]
    return Needs(
        dietary=_total(confirmed, lambda k: k.dietary),
        access=_total(confirmed, lambda k: k.access),
        listed=list(listed),
        total=_total(confirmed, lambda k: k.dietary or k.access),
    )


def answers_by_day(event: Event) -> list[AnswerDay]:
    """First answers per day in the event's time zone, and how many of them attend now.

    The database groups by UTC hour (guest_tally keeps it in each guest's tally row) and the
    days are made here, in the event's zone: SQLite knows no time zones. (A zone whose offset is not
    whole hours would place answers of the half hour around midnight on the neighbouring day.)
    """
    # The answer's UTC hour and flags as the database keeps them in each guest's tally row
    # (guest_tally), read from their index in order.
    hour, flags = TALLIES.c.answered_hour, TALLIES.c.flags
    rows = db.session.execute(
        sa.select(
            hour, sa.func.count().label("answers"), _count(flags.bitwise_and(tally.ATTENDING) != 0)
        )
        .where(
            TALLIES.c.event_id == event.id,
            sa.text(tally.ANSWERED),
            flags.bitwise_and(tally.REVOKED) == 0,
        )
        .group_by(hour)
    ).all()
    zone = ZoneInfo(event.timezone)
    days: dict[date, list[int]] = {}
    for hour_text, answers, attending in rows:
        moment = datetime.strptime(hour_text or "", "%Y-%m-%d %H").replace(tzinfo=UTC)
        totals = days.setdefault(moment.astimezone(zone).date(), [0, 0])
        totals[0] += answers
        totals[1] += attending
    if days and (max(days) - min(days)).days <= LONGEST_FILLED_SPAN:
        day = min(days)
        while day < max(days):
            day += timedelta(days=1)
            days.setdefault(day, [0, 0])
    return [AnswerDay(day, *days[day]) for day in sorted(days)]


def category_counts(event: Event) -> list[CategoryCounts]:
    """Live invitations and confirmed seats per guest category, in the list's order."""
    return _category_counts(_tally(event))


def _category_counts(tally: list[_Kind]) -> list[CategoryCounts]:
    invited: dict[Category, int] = {}
    confirmed: dict[Category, int] = {}
    for kind in tally:
        if not kind.revoked:
            invited[kind.category] = invited.get(kind.category, 0) + kind.count
            if kind.confirmed:
                confirmed[kind.category] = confirmed.get(kind.category, 0) + kind.count
    return [
        CategoryCounts(category, invited[category], confirmed.get(category, 0))
        for category in Category
        if category in invited
    ]
