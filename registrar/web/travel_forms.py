"""The travel forms: the guest's own (arrival, departure, pickups, hotel) and the organizers'
(a pickup's driver, the event's hotels). The rules are services.travel's; its errors come back
next to the fields here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

# SelectChoice is new in WTForms 3.3; the types-WTForms stubs describe 3.2.
from wtforms import (  # type: ignore[attr-defined]
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired

from ..labels import AIRPORT_LABELS, HOTEL_CHOICE_LABELS
from ..models import Airport, GuestTravel, HotelChoice
from ..numbers import parse_whole
from ..services.travel.details import TravelDetails

_REQUIRED = _l("Please fill this in.")


class TravelForm(FlaskForm):
    arrival_date = DateField(_l("Arrival date"), validators=[InputRequired(_REQUIRED)])
    arrival_time = TimeField(_l("Arrival time (local)"), validators=[InputRequired(_REQUIRED)])
    arrival_flight = StringField(_l("Arrival flight number"))
    arrival_airport = RadioField(_l("Arriving at"), validate_choice=False)
    arrival_airport_name = StringField(_l("Other airport (arrival)"))
    arrival_pickup = BooleanField(_l("Please pick me up at the airport"), default=False)
    departure_date = DateField(_l("Departure date"), validators=[InputRequired(_REQUIRED)])
    departure_time = TimeField(_l("Departure time (local)"), validators=[InputRequired(_REQUIRED)])
    departure_flight = StringField(_l("Departure flight number"))
    departure_airport = RadioField(_l("Leaving from"), validate_choice=False)
    departure_airport_name = StringField(_l("Other airport (departure)"))
    departure_pickup = BooleanField(_l("Please drive me to the airport"), default=False)
    hotel_choice = RadioField(_l("Where will you stay?"), validate_choice=False)
    hotel_booked = SelectField(_l("The hotel booked for you"), validate_choice=False)
    hotel_own = StringField(_l("Your own hotel"))
    check_in = DateField(_l("Check-in"), validators=[InputRequired(_REQUIRED)])
    check_out = DateField(_l("Check-out"), validators=[InputRequired(_REQUIRED)])

    def __init__(self, hotels: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        airports = [SelectChoice(a.value, AIRPORT_LABELS[a]) for a in Airport]
        self.arrival_airport.choices = airports
        self.departure_airport.choices = airports
        choices = [HotelChoice.BOOKED, HotelChoice.OWN] if hotels else [HotelChoice.OWN]
        self.hotel_choice.choices = [SelectChoice(c.value, HOTEL_CHOICE_LABELS[c]) for c in choices]
        self.hotel_booked.choices = [SelectChoice(name, name) for name in hotels]

    @classmethod
    def values_of(cls, travel: GuestTravel | None) -> object | None:
        """The stored travel as the form's starting values."""
        if travel is None:
            return None
        values = {
            name: getattr(travel, name)
            for name in TravelDetails.__dataclass_fields__
            if name not in ("hotel_choice", "hotel_name")
        }
        values["arrival_airport"] = travel.arrival_airport.value
        values["departure_airport"] = travel.departure_airport.value
        values["hotel_choice"] = travel.hotel_choice.value
        booked = travel.hotel_choice == HotelChoice.BOOKED
        values["hotel_booked"] = travel.hotel_name if booked else ""
        values["hotel_own"] = "" if booked else travel.hotel_name
        return type("TravelValues", (), values)()

    def to_details(self) -> TravelDetails:
        choice = self.hotel_choice.data or ""
        booked = choice == HotelChoice.BOOKED.value
        return TravelDetails(
            arrival_date=self.arrival_date.data,
            arrival_time=self.arrival_time.data,
            arrival_flight=self.arrival_flight.data or "",
            arrival_airport=self.arrival_airport.data or "",
            arrival_airport_name=self.arrival_airport_name.data or "",
            arrival_pickup=bool(self.arrival_pickup.data),
            departure_date=self.departure_date.data,
            departure_time=self.departure_time.data,
            departure_flight=self.departure_flight.data or "",
            departure_airport=self.departure_airport.data or "",
            departure_airport_name=self.departure_airport_name.data or "",
            departure_pickup=bool(self.departure_pickup.data),
            hotel_choice=choice,
            hotel_name=(self.hotel_booked.data if booked else self.hotel_own.data) or "",
            check_in=self.check_in.data,
            check_out=self.check_out.data,
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        """The service's errors, each next to the field it names."""
        for name, message in errors.items():
            if name == "hotel_name":
                booked = self.hotel_choice.data == HotelChoice.BOOKED.value
                name = "hotel_booked" if booked else "hotel_own"
            field = self[name]
            field.errors = [*field.errors, message]


class PickupForm(FlaskForm):
    """An organizer's assignment of a pickup: the driver or car, and a phone."""

    guest = HiddenField()
    leg = HiddenField()
    version = HiddenField()
    driver = StringField(_l("Driver or car"))
    phone = StringField(_l("Driver's phone"))

    def guest_id(self) -> int | None:
        return parse_whole(self.guest.data or "", low=1)

    def version_number(self) -> int | None:
        return parse_whole(self.version.data or "", low=1)


class HotelsForm(FlaskForm):
    hotels = TextAreaField(_l("Hotels booked for travelling guests, one a line"))
