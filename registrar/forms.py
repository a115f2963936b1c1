"""Flask-WTF forms. Every message is set here so that it goes through our catalogue."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from .models import Channel
from .services.rsvp import MAX_LENGTHS, RsvpAnswer, offered_channels

CHANNEL_LABELS = {
    Channel.EN: _l("English"),
    Channel.ZH: _l("Chinese (中文)"),
    Channel.FLOOR: _l("Floor language, no receiver needed"),
}


# Short forms for lists and badges.
CHANNEL_SHORT = {Channel.EN: "EN", Channel.ZH: "中", Channel.FLOOR: _l("Floor")}


def _max(field: str) -> Length:
    return Length(max=MAX_LENGTHS[field], message=_l("At most %(max)d characters, please."))


class RsvpForm(FlaskForm):
    attending = RadioField(
        _l("Will you attend?"),
        choices=[("yes", _l("Yes, I will attend")), ("no", _l("No, I cannot attend"))],
        validators=[InputRequired(message=_l("Please answer yes or no."))],
    )
    channel = RadioField(_l("Interpretation channel you will listen on"), validate_choice=False)
    name_en = StringField(_l("Name in English"), validators=[_max("name_en")])
    name_zh = StringField(_l("Name in Chinese"), validators=[_max("name_zh")])
    organization = StringField(_l("Organization"), validators=[_max("organization")])
    dietary = StringField(_l("Dietary needs"), validators=[_max("dietary")])
    access_needs = StringField(_l("Access needs"), validators=[_max("access_needs")])
    note = TextAreaField(_l("Note to the organizers"), validators=[_max("note")])

    def __init__(self, event, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel.choices = [(c.value, CHANNEL_LABELS[c]) for c in offered_channels(event)]

    def validate_attending(self, field) -> None:
        if field.data not in ("yes", "no"):
            raise ValidationError(_l("Please answer yes or no."))

    def validate_channel(self, field) -> None:
        if self.attending.data != "yes":
            return
        if not field.data:
            raise ValidationError(_l("Please choose the channel you will listen on."))
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Please choose one of the channels listed."))

    def to_answer(self) -> RsvpAnswer:
        attending = self.attending.data == "yes"
        return RsvpAnswer(
            attending=attending,
            channel=Channel(self.channel.data) if attending else None,
            dietary=self.dietary.data or "",
            access_needs=self.access_needs.data or "",
            note=self.note.data or "",
            name_en=self.name_en.data or "",
            name_zh=self.name_zh.data or "",
            organization=self.organization.data or "",
        )


class LoginForm(FlaskForm):
    email = StringField(
        _l("E-mail"),
        validators=[InputRequired(message=_l("Please enter your e-mail.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Please enter your password.")), Length(max=200)],
    )


class CapacityForm(FlaskForm):
    capacity = IntegerField(
        _l("Room capacity"),
        validators=[
            InputRequired(message=_l("Please enter the room capacity.")),
            NumberRange(min=0, max=100000, message=_l("Enter a number from 0 to 100000.")),
        ],
    )
    held_seats = IntegerField(
        _l("Seats held back"),
        validators=[
            InputRequired(message=_l("Please enter the seats held back (0 for none).")),
            NumberRange(min=0, max=100000, message=_l("Enter a number from 0 to 100000.")),
        ],
    )


class GuestActionForm(FlaskForm):
    """A button that changes one guest's invitation; it carries only the CSRF token."""


class DoorLinkForm(FlaskForm):
    label = StringField(
        _l("Door or volunteer (shown on the scanner)"),
        validators=[Length(max=100, message=_l("At most %(max)d characters, please."))],
    )
    hours = IntegerField(
        _l("Valid for (hours)"),
        default=12,
        validators=[
            InputRequired(message=_l("Please enter how many hours the link works.")),
            NumberRange(min=1, max=336, message=_l("Enter a number from 1 to 336.")),
        ],
    )


class GuestSelectionForm(FlaskForm):
    """Whom an e-mail goes to: every guest listed, or only the guests ticked."""

    guest_ids = SelectMultipleField(coerce=int, validate_choice=False)
    everyone = SubmitField()
    selected = SubmitField()

    def validate_guest_ids(self, field) -> None:
        if self.selected.data and not field.data:
            raise ValidationError(_l("Please tick at least one guest."))

    def chosen(self) -> list[int] | None:
        """The ticked guests, or None for everyone listed."""
        return list(self.guest_ids.data) if self.selected.data else None


class ReminderForm(GuestSelectionForm):
    send_at = DateTimeLocalField(
        _l("Send at (Taipei time; leave empty to send now)"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        validators=[Optional()],
    )
