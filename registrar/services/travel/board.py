"""What organizers see and set of travelling guests: the arrivals and departures by day and
time with their pickups, the hotel rooms per hotel, who has not given details, the pickup
assignments and the event's hotels."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ...errors import DomainError, InvalidAnswer, NotFound
from ...extensions import db
from ...models import Airport, Event, Guest, GuestTravel, HotelChoice, Rsvp, utcnow
from ...text import has_control_characters
from .. import audit
from ..locking import lock_event
from .details import hotels_of

DRIVER_LENGTH = 100
PHONE_LENGTH = 40
HOTELS_LENGTH = 2000
MAX_HOTELS = 30


class Leg(enum.StrEnum):
    ARRIVAL = "arrival"
    DEPARTURE = "departure"


@dataclass(frozen=True)
class Movement:
    """One guest's arrival or departure as the board lists it."""

    guest: Guest
    travel: GuestTravel
    leg: Leg
    day: date
    at: time
    flight: str
    airport: Airport
    airport_name: str
    pickup: bool
    driver: str
    driver_phone: str

    @property
    def airport_code(self) -> str:
        return self.airport_name if self.airport == Airport.OTHER else self.airport.value


@dataclass(frozen=True)
class Stay:
    guest: Guest
    check_in: date
    check_out: date

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days


@dataclass(frozen=True)
class Hotel:
    name: str
    booked: bool  # one of the event's hotels, not a guest's own
    stays: list[Stay]

    @property
    def nights(self) -> int:
        return sum(stay.nights for stay in self.stays)


@dataclass(frozen=True)
class TravelCounts:
    offered: int
    given: int
    # Offered travel, gave none, and declined the invitation: not waited for.
    declined: int = 0

    @property
    def not_given(self) -> int:
        return self.offered - self.given - self.declined


def offered_query(event_id: int) -> sa.Select[Guest]:
    """The guests of the event offered travel (services.travel.offered_to, as a query)."""
    event = db.session.get_one(Event, event_id)
    categories = [c.value for c in event.categories_offered_travel]
    # With no category offered it, the guests offered it one by one alone: a condition the
    # partial index ix_guests_travel_offered answers without reading the event's guests.
    offered = (
        sa.or_(Guest.travel_offered, Guest.category.in_(categories))
        if categories
        else Guest.travel_offered
    )
    return sa.select(Guest).where(
        Guest.event_id == event_id,
        offered,
        Guest.principal_id.is_(None),
        Guest.revoked_at.is_(None),
        ~Guest.is_erased,
    )


def counts(event_id: int) -> TravelCounts:
    """How many guests are offered travel, gave their details, or declined without giving
    them: one pass over the guests offered it (for an event that offers it to no category, the
    few offered it one by one, found by their index), none when nobody is offered it."""
    offered = offered_query(event_id).subquery()
    given = GuestTravel.guest_id.is_not(None)
    total, given_count, declined = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(GuestTravel.guest_id),
            sa.func.count(sa.case((sa.and_(Rsvp.attending.is_(False), ~given), 1))),
        )
        .select_from(offered)
        .outerjoin(GuestTravel, GuestTravel.guest_id == offered.c.id)
        .outerjoin(Rsvp, Rsvp.guest_id == offered.c.id)
    ).one()
    return TravelCounts(offered=total, given=given_count, declined=declined)


def not_given(event_id: int) -> list[Guest]:
    """The guests offered travel who have not given their details, by name; not those who
    declined the invitation (they are not coming, so no details are waited for)."""
    given = sa.select(GuestTravel.guest_id).where(GuestTravel.event_id == event_id)
    declined = sa.select(Rsvp.guest_id).where(Rsvp.attending.is_(False))
    return list(
        db.session.scalars(
            offered_query(event_id)
            .where(Guest.id.not_in(given), Guest.id.not_in(declined))
            .order_by(Guest.name_en, Guest.name_zh, Guest.id)
        )
    )


def travels(event_id: int) -> list[GuestTravel]:
    """Every travel given for the event whose guest's data is still there."""
    return list(
        db.session.scalars(
            sa.select(GuestTravel)
            .join(Guest, Guest.id == GuestTravel.guest_id)
            .where(GuestTravel.event_id == event_id, ~Guest.is_erased)
            .options(joinedload(GuestTravel.guest))
            .order_by(GuestTravel.id)
        )
    )


def movement(travel: GuestTravel, leg: Leg) -> Movement:
    return Movement(
        guest=travel.guest,
        travel=travel,
        leg=leg,
        day=getattr(travel, f"{leg}_date"),
        at=getattr(travel, f"{leg}_time"),
        flight=getattr(travel, f"{leg}_flight"),
        airport=getattr(travel, f"{leg}_airport"),
        airport_name=getattr(travel, f"{leg}_airport_name"),
        pickup=getattr(travel, f"{leg}_pickup"),
        driver=getattr(travel, f"{leg}_driver"),
        driver_phone=getattr(travel, f"{leg}_driver_phone"),
    )


def board(event_id: int, leg: Leg, *, pickups_only: bool = False) -> list[Movement]:
    """The arrivals (or departures) by day and time, then by name."""
    found = [movement(travel, leg) for travel in travels(event_id)]
    if pickups_only:
        found = [m for m in found if m.pickup]
    return sorted(found, key=lambda m: (m.day, m.at, m.guest.name_en, m.guest.id))


def by_day(movements: list[Movement]) -> list[tuple[date, list[Movement]]]:
    days: dict[date, list[Movement]] = {}
    for m in movements:
        days.setdefault(m.day, []).append(m)
    return list(days.items())


def hotels(event_id: int) -> list[Hotel]:
    """The rooms per hotel: the event's booked hotels in their listed order (empty ones too),
    then the guests' own, each with its guests by check-in."""
    event = db.session.get_one(Event, event_id)
    listed = hotels_of(event)
    stays: dict[tuple[bool, str], list[Stay]] = {(True, name): [] for name in listed}
    for travel in travels(event_id):
        key = (travel.hotel_choice == HotelChoice.BOOKED, travel.hotel_name)
        stays.setdefault(key, []).append(Stay(travel.guest, travel.check_in, travel.check_out))
    order = {name: n for n, name in enumerate(listed)}
    keys = sorted(stays, key=lambda k: (not k[0], order.get(k[1], 0), k[1].casefold()))
    return [
        Hotel(
            name=name,
            booked=booked,
            stays=sorted(stays[(booked, name)], key=lambda s: (s.check_in, s.guest.name_en)),
        )
        for booked, name in keys
    ]


# -- what organizers set ---------------------------------------------------------------------


class PickupStale(DomainError):
    status = 409
    default_message = _l(
        "The guest changed their travel, or someone else assigned this pickup, since the page "
        "was shown. Nothing was saved; here it is as it is now."
    )


def _one_line(value: str, limit: int, what: object) -> str:
    value = (value or "").strip()
    if len(value) > limit or has_control_characters(value):
        raise InvalidAnswer(
            _l("%(what)s: at most %(max)d characters on one line, please."), what=what, max=limit
        )
    return value


def assign_pickup(
    event_id: int,
    guest_id: int,
    leg: Leg | str,
    driver: str,
    phone: str,
    version: int | None,
    actor: str,
) -> GuestTravel:
    """An organizer names the driver or car (and a phone) of a guest's pickup, at the version
    their page showed (None: as it is now). Empty names take the assignment back."""
    try:
        leg = Leg(leg)
    except ValueError as exc:
        raise InvalidAnswer(_l("Choose the arrival or the departure.")) from exc
    driver = _one_line(driver, DRIVER_LENGTH, _l("Driver or car"))
    phone = _one_line(phone, PHONE_LENGTH, _l("Phone"))
    lock_event(event_id)
    travel = db.session.scalar(
        sa.select(GuestTravel).where(
            GuestTravel.guest_id == guest_id, GuestTravel.event_id == event_id
        )
    )
    if travel is None or travel.guest.is_erased:
        raise NotFound(_l("This guest has given no travel details."))
    if version is not None and version != travel.version:
        raise PickupStale()
    if not getattr(travel, f"{leg}_pickup") and driver:
        raise InvalidAnswer(_l("The guest needs no pickup for this flight."))
    if (getattr(travel, f"{leg}_driver"), getattr(travel, f"{leg}_driver_phone")) == (
        driver,
        phone,
    ):
        return travel
    setattr(travel, f"{leg}_driver", driver)
    setattr(travel, f"{leg}_driver_phone", phone)
    travel.version += 1
    travel.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "travel.pickup_assigned",
        actor=actor,
        event_id=event_id,
        guest_id=guest_id,
        leg=leg.value,
    )
    return travel


def set_hotels(event_id: int, text: str, actor: str) -> list[str]:
    """The hotels the organizers booked, one name a line. A hotel a guest chose stays on their
    travel even when it leaves the list (the rooms page still shows it)."""
    if len(text or "") > HOTELS_LENGTH:
        raise InvalidAnswer(_l("At most %(max)d characters, please."), max=HOTELS_LENGTH)
    names: list[str] = []
    for line in (text or "").splitlines():
        name = line.strip()
        if not name or name in names:
            continue
        if len(name) > 200 or has_control_characters(name):
            raise InvalidAnswer(_l("A hotel's name is at most 200 characters, please."))
        names.append(name)
    if len(names) > MAX_HOTELS:
        raise InvalidAnswer(_l("At most %(max)d hotels, please."), max=MAX_HOTELS)
    event = lock_event(event_id)
    stored = "\n".join(names)
    if stored != event.travel_hotels:
        event.travel_hotels = stored
        db.session.flush()
        audit.record("travel.hotels_changed", actor=actor, event_id=event_id, hotels=len(names))
    return names
