"""The arrivals file: every travelling guest's flights, pickups and hotel, as a CSV in the
exports' own form (services/exports.py: UTF-8 with a BOM, formulas defused). Travel only:
nothing of a visa letter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...labels import AIRPORT_LABELS, CATEGORY_LABELS
from ...models import Airport, Event, GuestTravel, HotelChoice
from ..exports import NO, YES, Table, Value, to_csv
from ..imports import FIELD_LABELS
from .board import travels


def _airport(travel: GuestTravel, leg: str) -> str:
    airport = getattr(travel, f"{leg}_airport")
    name = getattr(travel, f"{leg}_airport_name")
    return name if airport == Airport.OTHER else str(AIRPORT_LABELS[airport])


def arrivals_table(event: Event) -> Table:
    found = sorted(travels(event.id), key=lambda t: (t.arrival_date, t.arrival_time, t.id))
    header = [
        _l("ID"),
        FIELD_LABELS["name_en"],
        FIELD_LABELS["name_zh"],
        FIELD_LABELS["organization"],
        FIELD_LABELS["category"],
        _l("Arrival date"),
        _l("Arrival time"),
        _l("Arrival flight"),
        _l("Arriving at"),
        _l("Airport pickup"),
        _l("Pickup driver or car"),
        _l("Pickup driver's phone"),
        _l("Departure date"),
        _l("Departure time"),
        _l("Departure flight"),
        _l("Leaving from"),
        _l("Ride to the airport"),
        _l("Departure driver or car"),
        _l("Departure driver's phone"),
        _l("Hotel"),
        _l("Booked by the organizers"),
        _l("Check-in"),
        _l("Check-out"),
        _l("Nights"),
    ]
    rows: list[list[Value]] = []
    for travel in found:
        guest = travel.guest
        row: list[Value] = [
            guest.id,
            guest.name_en,
            guest.name_zh,
            guest.organization,
            str(CATEGORY_LABELS[guest.category]),
        ]
        for leg in ("arrival", "departure"):
            row += [
                getattr(travel, f"{leg}_date").isoformat(),
                getattr(travel, f"{leg}_time").strftime("%H:%M"),
                getattr(travel, f"{leg}_flight"),
                _airport(travel, leg),
                str(YES if getattr(travel, f"{leg}_pickup") else NO),
                getattr(travel, f"{leg}_driver"),
                getattr(travel, f"{leg}_driver_phone"),
            ]
        row += [
            travel.hotel_name,
            str(YES if travel.hotel_choice == HotelChoice.BOOKED else NO),
            travel.check_in.isoformat(),
            travel.check_out.isoformat(),
            (travel.check_out - travel.check_in).days,
        ]
        rows.append(row)
    return Table(header=[str(h) for h in header], rows=rows)


def arrivals_csv(event: Event) -> bytes:
    return to_csv(arrivals_table(event))


def filename(event: Event) -> str:
    return f"{event.slug}-arrivals.csv"
