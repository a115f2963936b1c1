"""The dashboard's numbers: guests by state, seats, receivers, needs, and answers over time.

Each number is counted in the database (GROUP BY and conditional counts), with a fixed number
of queries however many guests there are. The states are the ones the guest pages and the
overview show (rsvp.state_of): a revoked guest counts as revoked only; the others are not sent
yet, sent without an answer, attending with a confirmed seat, waitlisted, or declined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Category,
    Channel,
    CheckIn,
    Event,
    Guest,
    OutboxMessage,
    Rsvp,
    Seat,
    SeatState,
)
from . import checkin, outbox, seats
from .seats import SeatCounts

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
class Dashboard:
    guests: GuestCounts
    seats: SeatCounts
    receivers: Receivers
    needs: Needs
    answers_by_day: list[AnswerDay]
    categories: list[CategoryCounts]
    # Messages to guests that cannot be sent as things stand (outbox.unrenderable).
    unrenderable: list[OutboxMessage]

    @property
    def busiest_day(self) -> int:
        return max((d.answers for d in self.answers_by_day), default=0)


def _count(condition: sa.ColumnExpressionArgument[bool]) -> sa.ColumnElement[int]:
    """COUNT of the rows where condition holds (portable: no FILTER clause)."""
    return sa.func.count(sa.case((condition, 1)))


def summary(event: Event) -> Dashboard:
    seat_counts = seats.seat_counts(event)
    return Dashboard(
        guests=guest_counts(event, seat_counts),
        seats=seat_counts,
        receivers=receivers(event, seat_counts.confirmed),
        needs=needs(event),
        answers_by_day=answers_by_day(event),
        categories=category_counts(event),
        unrenderable=outbox.unrenderable(event),
    )


def guest_counts(event: Event, seat_counts: SeatCounts | None = None) -> GuestCounts:
    """The guest list by state. Confirmed and waitlisted are the seats' own counts (a revoked
    guest's seat is released with the invitation), and inside is the door's occupancy."""
    seat_counts = seat_counts or seats.seat_counts(event)
    live = Guest.revoked_at.is_(None)
    unanswered = sa.and_(live, Rsvp.id.is_(None))
    row = db.session.execute(
        sa.select(
            _count(Guest.revoked_at.is_not(None)).label("revoked"),
            _count(sa.and_(unanswered, Guest.sent_at.is_(None))).label("not_sent"),
            _count(sa.and_(unanswered, Guest.sent_at.is_not(None))).label("pending"),
            _count(sa.and_(live, Rsvp.attending.is_(False))).label("declined"),
        )
        .select_from(Guest)
        .outerjoin(Rsvp, Rsvp.guest_id == Guest.id)
        .where(Guest.event_id == event.id)
    ).one()
    confirmed, waitlisted = seat_counts.confirmed, seat_counts.waitlisted
    return GuestCounts(
        invited=row.not_sent + row.pending + confirmed + waitlisted + row.declined,
        not_sent=row.not_sent,
        pending=row.pending,
        confirmed=confirmed,
        waitlisted=waitlisted,
        declined=row.declined,
        revoked=row.revoked,
        inside=checkin.occupancy(event).inside,
    )


def receivers(event: Event, confirmed: int | None = None) -> Receivers:
    """Per interpretation channel offered: receivers needed, handed out, not returned yet; and
    the confirmed guests who need none (the floor) or chose no channel offered, so that the
    rows add up to the confirmed guests."""
    handed = CheckIn.receiver != ""
    rows = db.session.execute(
        sa.select(
            Rsvp.channel,
            _count(Seat.state == SeatState.CONFIRMED).label("needed"),
            _count(handed).label("handed_out"),
            _count(sa.and_(handed, CheckIn.receiver_returned_at.is_(None))).label("out_now"),
        )
        .select_from(Guest)
        .join(Rsvp, Rsvp.guest_id == Guest.id)
        .outerjoin(Seat, Seat.guest_id == Guest.id)
        .outerjoin(CheckIn, CheckIn.guest_id == Guest.id)
        .where(Guest.event_id == event.id)
        .group_by(Rsvp.channel)
    ).all()
    by_channel = {Channel(row.channel) if row.channel else None: row for row in rows}
    offered = [channel for channel in event.offered_channels if channel != Channel.FLOOR]
    channels = []
    for channel in offered:
        row = by_channel.get(channel)
        channels.append(
            ChannelReceivers(
                channel=channel,
                needed=row.needed if row else 0,
                handed_out=row.handed_out if row else 0,
                out_now=row.out_now if row else 0,
            )
        )
    floor = by_channel[Channel.FLOOR].needed if Channel.FLOOR in by_channel else 0
    if confirmed is None:
        confirmed = seats.seat_counts(event).confirmed
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
    has_dietary, has_access = Rsvp.dietary != "", Rsvp.access_needs != ""
    counts = db.session.execute(
        _confirmed_answers()
        .add_columns(
            _count(has_dietary).label("dietary"),
            _count(has_access).label("access"),
            _count(sa.or_(has_dietary, has_access)).label("total"),
        )
        .where(Guest.event_id == event.id)
    ).one()
    listed = db.session.execute(
        _confirmed_answers()
        .add_columns(Guest.id, Guest.name_en, Guest.name_zh, Rsvp.dietary, Rsvp.access_needs)
        .where(Guest.event_id == event.id, sa.or_(has_dietary, has_access))
        .order_by(Guest.name_en, Guest.name_zh, Guest.id)
        .limit(limit)
    ).all()
    return Needs(
        dietary=counts.dietary, access=counts.access, listed=list(listed), total=counts.total
    )


def _utc_hour(column: sa.ColumnExpressionArgument[datetime]) -> sa.ColumnElement[str]:
    """The UTC hour of a stored time as 'YYYY-MM-DD HH' (the column holds naive UTC)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM-DD HH24")
    return sa.func.strftime("%Y-%m-%d %H", column)


def answers_by_day(event: Event) -> list[AnswerDay]:
    """First answers per day in the event's time zone, and how many of them attend now.

    The database groups by UTC hour and the days are made here, in the event's zone: SQLite
    knows no time zones. (A zone whose offset is not whole hours would place answers of the
    half hour around midnight on the neighbouring day.)
    """
    hour = _utc_hour(Rsvp.answered_at).label("hour")
    rows = db.session.execute(
        sa.select(hour, sa.func.count().label("answers"), _count(Rsvp.attending.is_(True)))
        .select_from(Guest)
        .join(Rsvp, Rsvp.guest_id == Guest.id)
        .where(Guest.event_id == event.id, Guest.revoked_at.is_(None))
        .group_by(hour)
    ).all()
    zone = ZoneInfo(event.timezone)
    days: dict[date, list[int]] = {}
    for hour_text, answers, attending in rows:
        moment = datetime.strptime(hour_text, "%Y-%m-%d %H").replace(tzinfo=UTC)
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
    rows = db.session.execute(
        sa.select(
            Guest.category,
            sa.func.count().label("invited"),
            _count(Seat.state == SeatState.CONFIRMED).label("confirmed"),
        )
        .outerjoin(Seat, Seat.guest_id == Guest.id)
        .where(Guest.event_id == event.id, Guest.revoked_at.is_(None))
        .group_by(Guest.category)
    ).all()
    by_category = {Category(row.category): row for row in rows}
    return [
        CategoryCounts(category, by_category[category].invited, by_category[category].confirmed)
        for category in Category
        if category in by_category
    ]
