"""The event editor's forms: what the organizer types, read into services.events' details.

Times are typed as a date and HH:MM on the event's clocks (its time zone) and shown the same
way; the rules (end after start, seats, addresses) are the service's, whose errors come back
next to the fields here (`show_errors`).
"""

from __future__ import annotations

from datetime import datetime

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
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ...forms import WholeNumberField
from ...labels import CATEGORY_LABELS, CHANNEL_LABELS, DOOR_NO_ANSWER_LABELS
from ...models import Category, Channel, DoorNoAnswer, Event, EventState
from ...services.event_details import EventDetails, local, local_moment, time_zones

_REQUIRED = _l("Please fill this in.")


class ChannelsField(SelectMultipleField):
    """The interpretation channels as check boxes (the floor language is always offered)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EventForm(FlaskForm):
    title_en = StringField(_l("Title in English"))
    title_zh = StringField(_l("Title in Chinese"))
    short_name = StringField(_l("Short name (the top bar of the guest pages)"))
    slug = StringField(
        _l("Short address (letters, digits, hyphens)"),
        validators=[InputRequired(message=_REQUIRED)],
    )
    description_en = TextAreaField(_l("Description in English"))
    description_zh = TextAreaField(_l("Description in Chinese"))
    venue_en = StringField(_l("Venue in English"))
    venue_zh = StringField(_l("Venue in Chinese"))
    room_en = StringField(_l("Room in English"))
    room_zh = StringField(_l("Room in Chinese"))
    address_en = StringField(_l("Street address in English"))
    address_zh = StringField(_l("Street address in Chinese"))
    map_url = StringField(_l("Map link"))
    organizers_en = StringField(_l("Organizers in English"))
    organizers_zh = StringField(_l("Organizers in Chinese"))
    contact_name = StringField(_l("Contact person"))
    contact_email = StringField(_l("Contact e-mail"))
    contact_phone = StringField(_l("Contact phone"))
    timezone = SelectField(_l("Time zone"), default="Asia/Taipei", validate_choice=False)
    day = DateField(_l("Date"), validators=[InputRequired(message=_REQUIRED)])
    doors_open = TimeField(_l("Doors open"), validators=[InputRequired(message=_REQUIRED)])
    starts = TimeField(_l("Starts"), validators=[InputRequired(message=_REQUIRED)])
    ends = TimeField(_l("Ends"), validators=[InputRequired(message=_REQUIRED)])
    end_day = DateField(_l("Ends on (leave empty: the same day)"), validators=[Optional()])
    deadline_day = DateField(_l("Reply deadline: date"), validators=[InputRequired(_REQUIRED)])
    deadline_time = TimeField(_l("Reply deadline: time"), validators=[InputRequired(_REQUIRED)])
    capacity = WholeNumberField(
        _l("Room capacity"), validators=[InputRequired(message=_l("Please enter a number."))]
    )
    held_seats = WholeNumberField(
        _l("Seats held back"),
        default=0,
        validators=[InputRequired(message=_l("Please enter a number (0 for none)."))],
    )
    channels = ChannelsField(_l("Interpretation channels offered"), validate_choice=False)
    door_no_answer = RadioField(
        _l("A guest who was invited but never answered, at the door"),
        default=DoorNoAnswer.DESK.value,
        validate_choice=False,
    )
    door_walk_ins = BooleanField(
        _l("Door staff may register walk-ins (people who were not invited) when a seat is free"),
        default=False,
    )
    small_corrections = BooleanField(
        _l(
            "Small corrections of a guest's name (case, spaces, punctuation, one letter) apply "
            "without approval until badges are printed"
        ),
        default=False,
    )
    no_deputies = ChannelsField(_l("Guests who may not send a deputy"), validate_choice=False)
    companion_limits = StringField(_l("Accompanying persons each guest may bring, by category"))
    companions_take_seats = BooleanField(
        _l("Accompanying persons take a seat in the room"), default=False
    )
    travel_categories = ChannelsField(
        _l("Guests offered travel (flights, hotel, airport pickup)"), validate_choice=False
    )
    letter_organizer_en = StringField(_l("Organizer in English"))
    letter_organizer_zh = StringField(_l("Organizer in Chinese"))
    letter_address_en = StringField(_l("Organizer's address in English"))
    letter_address_zh = StringField(_l("Organizer's address in Chinese"))
    letter_signatory = StringField(_l("Signed by"))
    letter_signatory_title_en = StringField(_l("Signatory's title in English"))
    letter_signatory_title_zh = StringField(_l("Signatory's title in Chinese"))
    mail_sender_name = StringField(_l("Sender name of the e-mails"))
    mail_reply_to = StringField(_l("Replies to the e-mails go to"))
    intro_en = TextAreaField(_l("Introduction of the invitation in English"))
    intro_zh = TextAreaField(_l("Introduction of the invitation in Chinese"))
    # Moving the forum moves its programme too, unless the organizer says otherwise.
    move_programme = BooleanField(
        _l("Move the programme by as much as the start moves"), default=True
    )
    # The edit version the form was made from (services.events.update compares it).
    version = HiddenField()
    # Set by the page that says which guests will be told of the change.
    confirm = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = [SelectChoice(zone, zone) for zone in time_zones()]
        self.channels.choices = [
            SelectChoice(c.value, CHANNEL_LABELS[c]) for c in Channel if c != Channel.FLOOR
        ]
        self.no_deputies.choices = [SelectChoice(c.value, CATEGORY_LABELS[c]) for c in Category]
        self.travel_categories.choices = [
            SelectChoice(c.value, CATEGORY_LABELS[c]) for c in Category
        ]
        self.door_no_answer.choices = [
            SelectChoice(policy.value, DOOR_NO_ANSWER_LABELS[policy]) for policy in DoorNoAnswer
        ]

    def validate_timezone(self, field) -> None:
        if field.data not in time_zones():
            raise ValidationError(_l("Choose a time zone from the list."))

    def validate_door_no_answer(self, field) -> None:
        if field.data not in {policy.value for policy in DoorNoAnswer}:
            raise ValidationError(_l("Choose what the door does from the list."))

    def validate_no_deputies(self, field) -> None:
        if any(code not in {c.value for c in Category} for code in field.data or []):
            raise ValidationError(_l("Please choose one of the categories listed."))

    def validate_travel_categories(self, field) -> None:
        self.validate_no_deputies(field)

    def validate_channels(self, field) -> None:
        offered = {choice.value for choice in field.choices}
        if any(code not in offered for code in field.data or []):
            raise ValidationError(_l("Choose the channels from the list."))

    def edit_version(self) -> int | None:
        text = (self.version.data or "").strip()
        return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None

    def to_details(self) -> EventDetails:
        zone = self.timezone.data

        def at(day, hhmm) -> datetime:
            return local_moment(day, hhmm, zone)

        text = {name: (self[name].data or "") for name in TEXT_FIELDS}
        return EventDetails(
            **text,
            timezone=zone,
            doors_open_at=at(self.day.data, self.doors_open.data),
            starts_at=at(self.day.data, self.starts.data),
            ends_at=at(self.end_day.data or self.day.data, self.ends.data),
            rsvp_deadline=at(self.deadline_day.data, self.deadline_time.data),
            # Both are required (InputRequired), so never None here.
            capacity=self.capacity.data or 0,
            held_seats=self.held_seats.data or 0,
            channels=tuple(Channel(code) for code in self.channels.data or []),
            # Checked by validate_door_no_answer; a form without it keeps the default.
            door_no_answer=DoorNoAnswer(self.door_no_answer.data or DoorNoAnswer.DESK),
            door_walk_ins=bool(self.door_walk_ins.data),
            small_corrections=bool(self.small_corrections.data),
            no_deputies=tuple(Category(code) for code in self.no_deputies.data or []),
            travel_categories=tuple(Category(code) for code in self.travel_categories.data or []),
            companions_take_seats=bool(self.companions_take_seats.data),
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        """The service's errors, each next to the field it names."""
        for name, message in errors.items():
            field = self[FORM_FIELD.get(name, name)]
            field.errors = [*field.errors, message]

    def label_of(self, name: str) -> str:
        """The label of a field of the details, as the form shows it."""
        field = self._fields.get(FORM_FIELD.get(name, name))
        return str(field.label.text) if field is not None else name


TEXT_FIELDS = (
    "slug",
    "title_en",
    "title_zh",
    "short_name",
    "description_en",
    "description_zh",
    "venue_en",
    "venue_zh",
    "room_en",
    "room_zh",
    "address_en",
    "address_zh",
    "map_url",
    "organizers_en",
    "organizers_zh",
    "contact_name",
    "contact_email",
    "contact_phone",
    "mail_sender_name",
    "mail_reply_to",
    "intro_en",
    "intro_zh",
    "companion_limits",
    "letter_organizer_en",
    "letter_organizer_zh",
    "letter_address_en",
    "letter_address_zh",
    "letter_signatory",
    "letter_signatory_title_en",
    "letter_signatory_title_zh",
)
# The details' fields the form enters otherwise (a time as a date and a time of day).
FORM_FIELD = {
    "doors_open_at": "doors_open",
    "starts_at": "starts",
    "ends_at": "ends",
    "rsvp_deadline": "deadline_time",
}
# The fields that make the event's times together: one changed by someone else, all are theirs.
TIME_FIELDS = frozenset(
    {"timezone", "day", "doors_open", "starts", "ends", "end_day", "deadline_day", "deadline_time"}
)


class _Values:
    def __init__(self, **values):
        self.__dict__.update(values)


def form_values(event: Event) -> _Values:
    """The event as the form's starting values, its times on its own clocks."""
    zone = event.timezone
    starts, ends = local(event.starts_at, zone), local(event.ends_at, zone)
    deadline = local(event.rsvp_deadline, zone)
    return _Values(
        **{name: getattr(event, name) for name in TEXT_FIELDS},
        timezone=zone,
        day=starts.date(),
        doors_open=local(event.doors_open_at, zone).time(),
        starts=starts.time(),
        ends=ends.time(),
        end_day=ends.date() if ends.date() != starts.date() else None,
        deadline_day=deadline.date(),
        deadline_time=deadline.time(),
        capacity=event.capacity,
        held_seats=event.held_seats,
        channels=[c.value for c in event.offered_channels if c != Channel.FLOOR],
        door_no_answer=event.door_no_answer.value,
        door_walk_ins=event.door_walk_ins,
        small_corrections=event.small_corrections,
        no_deputies=[c.value for c in event.categories_without_deputies],
        travel_categories=[c.value for c in event.categories_offered_travel],
        companions_take_seats=event.companions_take_seats,
        version=str(event.edit_version),
    )


class EventCopyForm(FlaskForm):
    new_slug = StringField(
        _l("Short address of the copy"), validators=[InputRequired(message=_REQUIRED)]
    )
    new_day = DateField(_l("Date of the copy"), validators=[InputRequired(message=_REQUIRED)])


class EventStateForm(FlaskForm):
    state = SelectField(validate_choice=False)
    confirm = HiddenField()

    def validate_state(self, field) -> None:
        if field.data not in {state.value for state in EventState}:
            raise ValidationError(_l("Choose what to do with the event from the buttons."))
