"""A travelling guest's own details: arrival, departure, airport pickups and hotel, given and
changed through their link until the event starts, each rule checked before anything is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ...errors import DomainError, InvalidAnswer, InvitationInactive
from ...extensions import db
from ...models import Airport, Event, EventState, GuestTravel, HotelChoice, utcnow
from ...text import has_control_characters
from .. import audit
from ..locking import lock_guest_event
from . import offered_to

# An airline designator (IATA: two letters or digits, not both digits; ICAO: three letters),
# then the flight's 1 to 4 digits and an optional operational suffix: "BR 27", "CI0061",
# "EVA27", "3K 721", "JL 99A".
FLIGHT = re.compile(r"^(?:(?!\d\d)[A-Z\d]{2}|[A-Z]{3}) ?\d{1,4}[A-Z]?$")
# Travel more than this before the event's first day or after its last is a mistyped date.
DAYS_AROUND = 30
NAME_LENGTH = 100
HOTEL_LENGTH = 200


@dataclass(frozen=True)
class TravelDetails:
    """What the guest gives. Dates and times are as on the ticket (the airport's clock)."""

    arrival_date: date | None
    arrival_time: time | None
    arrival_flight: str
    arrival_airport: str
    arrival_airport_name: str
    arrival_pickup: bool
    departure_date: date | None
    departure_time: time | None
    departure_flight: str
    departure_airport: str
    departure_airport_name: str
    departure_pickup: bool
    hotel_choice: str
    hotel_name: str
    check_in: date | None
    check_out: date | None

    @classmethod
    def of(cls, travel: GuestTravel) -> TravelDetails:
        return cls(**{f.name: getattr(travel, f.name) for f in fields(cls)})


class TravelInvalid(InvalidAnswer):
    """The details break rules; `errors` names the field of each, for the form."""

    default_message = _l("Your travel details were not saved: please correct the fields marked.")

    def __init__(self, errors: dict[str, str]):
        super().__init__()
        self.errors = errors


class TravelNotOffered(DomainError):
    status = 403
    default_message = _l("Travel arrangements are not offered to this guest.")


class TravelClosed(DomainError):
    status = 409
    default_message = _l(
        "The event has started, so travel details can no longer be changed. Please write to the "
        "organizers."
    )


def hotels_of(event: Event) -> list[str]:
    """The hotels the organizers booked, as listed on the Travel page, in their order."""
    return [line.strip() for line in event.travel_hotels.splitlines() if line.strip()]


def travel_of(guest_id: int) -> GuestTravel | None:
    return db.session.scalar(sa.select(GuestTravel).where(GuestTravel.guest_id == guest_id))


def may_change(event: Event, now: datetime | None = None) -> bool:
    """Whether guests may still give or change their travel: until the event starts."""
    if event.state in (EventState.CANCELLED, EventState.ARCHIVED):
        return False
    return (now or utcnow()) < event.starts_at


def normal_flight(text: str) -> str:
    """The flight number as the board shows it ("br27" -> "BR 27"); "" when it is not one."""
    compact = re.sub(r"[\s-]+", "", text or "").upper()
    if not FLIGHT.match(compact) or len(compact) > 9:
        return ""
    number = re.search(r"\d{1,4}[A-Z]?$", compact)
    assert number is not None  # the pattern ends so
    return f"{compact[: number.start()]} {number.group()}"


def checked(event: Event, details: TravelDetails) -> TravelDetails:
    """The details cleaned (flight numbers normalized, names stripped), or TravelInvalid naming
    every field that breaks a rule."""
    errors: dict[str, str] = {}

    def refuse(name: str, message: object, **params: object) -> None:
        errors.setdefault(name, str(message) % params if params else str(message))

    zone = ZoneInfo(event.timezone)
    first, last = event.starts_at.astimezone(zone).date(), event.ends_at.astimezone(zone).date()
    earliest, latest = first - timedelta(days=DAYS_AROUND), last + timedelta(days=DAYS_AROUND)

    def day(name: str, value: date | None) -> None:
        if not isinstance(value, date):
            refuse(name, _l("Please enter a date."))
        elif not earliest <= value <= latest:
            refuse(
                name,
                _l("Please enter a date between %(first)s and %(last)s."),
                first=earliest.isoformat(),
                last=latest.isoformat(),
            )

    values: dict[str, object] = {}
    for leg in ("arrival", "departure"):
        day(f"{leg}_date", getattr(details, f"{leg}_date"))
        if not isinstance(getattr(details, f"{leg}_time"), time):
            refuse(f"{leg}_time", _l("Please enter the time, e.g. 14:35."))
        flight = normal_flight(getattr(details, f"{leg}_flight"))
        if not flight:
            refuse(
                f"{leg}_flight",
                _l("Please enter a flight number: the airline's code, then 1 to 4 digits (BR 27)."),
            )
        values[f"{leg}_flight"] = flight
        airport = getattr(details, f"{leg}_airport")
        name = (getattr(details, f"{leg}_airport_name") or "").strip()
        if airport not in {a.value for a in Airport}:
            refuse(f"{leg}_airport", _l("Please choose an airport from the list."))
        elif airport == Airport.OTHER:
            if not name:
                refuse(f"{leg}_airport_name", _l("Please name the airport."))
        else:
            name = ""
        if len(name) > NAME_LENGTH or has_control_characters(name):
            refuse(
                f"{leg}_airport_name",
                _l("At most %(max)d characters on one line, please."),
                max=NAME_LENGTH,
            )
        values[f"{leg}_airport_name"] = name
        values[f"{leg}_pickup"] = bool(getattr(details, f"{leg}_pickup"))
    if not errors.keys() & {"arrival_date", "arrival_time", "departure_date", "departure_time"}:
        arrives = datetime.combine(details.arrival_date, details.arrival_time)  # type: ignore[arg-type]
        leaves = datetime.combine(details.departure_date, details.departure_time)  # type: ignore[arg-type]
        if leaves <= arrives:
            refuse("departure_date", _l("The departure must come after the arrival."))
    hotel = (details.hotel_name or "").strip()
    if details.hotel_choice == HotelChoice.BOOKED:
        if hotel not in hotels_of(event):
            refuse("hotel_name", _l("Please choose one of the hotels listed."))
    elif details.hotel_choice == HotelChoice.OWN:
        if not hotel:
            refuse("hotel_name", _l("Please name your hotel."))
        elif len(hotel) > HOTEL_LENGTH or has_control_characters(hotel):
            refuse(
                "hotel_name",
                _l("At most %(max)d characters on one line, please."),
                max=HOTEL_LENGTH,
            )
    else:
        refuse("hotel_choice", _l("Please say where you will stay."))
    values["hotel_name"] = hotel
    day("check_in", details.check_in)
    day("check_out", details.check_out)
    if not errors.keys() & {"check_in", "check_out"}:
        if details.check_out <= details.check_in:  # type: ignore[operator]
            refuse("check_out", _l("The check-out must come after the check-in."))
    if errors:
        raise TravelInvalid(errors)
    return replace(details, **values)  # type: ignore[arg-type]


def give(guest_id: int, link_version: int, details: TravelDetails, actor: str) -> GuestTravel:
    """The guest gives or changes their travel through their link, until the event starts.

    Organizers' pickup assignments stay as they are, but for a pickup no longer asked for; the
    version rises, so a Travel page shown before is stale.
    """
    event, guest = lock_guest_event(guest_id)
    if guest.is_revoked or guest.token_version != link_version:
        raise InvitationInactive(event=event)
    if not offered_to(guest):
        raise TravelNotOffered()
    if not may_change(event):
        raise TravelClosed()
    details = checked(event, details)
    travel = travel_of(guest.id)
    values = {f.name: getattr(details, f.name) for f in fields(details)}
    if travel is None:
        travel = GuestTravel(event_id=event.id, guest_id=guest.id, given_at=utcnow(), **values)
        db.session.add(travel)
        action = "travel.given"
    else:
        if all(getattr(travel, name) == value for name, value in values.items()):
            return travel  # a double submit
        for name, value in values.items():
            setattr(travel, name, value)
        for leg in ("arrival", "departure"):
            if not values[f"{leg}_pickup"]:
                # A pickup no longer asked for keeps no driver waiting at the airport.
                setattr(travel, f"{leg}_driver", "")
                setattr(travel, f"{leg}_driver_phone", "")
        travel.version += 1
        action = "travel.changed"
    travel.updated_at = utcnow()
    db.session.flush()
    audit.record(action, actor=actor, event_id=event.id, guest_id=guest.id)
    return travel
