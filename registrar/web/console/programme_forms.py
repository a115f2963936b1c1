"""The programme editor's forms. They check what a form can (lengths, one line, a time's
shape); services/programme/ checks every rule again, and the ones about the event."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

# SelectChoice is new in WTForms 3.3; the types-WTForms stubs describe 3.2.
from wtforms import (  # type: ignore[attr-defined]
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Regexp,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from ...forms import WholeNumberField
from ...labels import AGENDA_KIND_LABELS, PERSON_ROLE_LABELS
from ...models import AgendaKind, PersonRole
from ...services.programme import ITEM_LENGTHS, PERSON_LENGTHS, ItemDetails, PersonDetails
from ...text import ONE_LINE_MESSAGE, has_control_characters

_TIME_MESSAGE = _l('Enter a time of day as "HH:MM", e.g. 13:30.')


def _one_line(form, field) -> None:
    if field.data and has_control_characters(field.data.strip()):
        raise ValidationError(ONE_LINE_MESSAGE)


def _max(limit: int) -> Length:
    return Length(max=limit, message=_l("At most %(max)d characters, please."))


def _time_of_day(label) -> StringField:
    return StringField(
        label,
        validators=[
            InputRequired(message=_TIME_MESSAGE),
            Regexp(r"^\s*([01]?[0-9]|2[0-3]):[0-5][0-9](:00)?\s*$", message=_TIME_MESSAGE),
        ],
    )


def _closed_choice(field, labels: dict) -> None:
    field.choices = [SelectChoice(member.value, label) for member, label in labels.items()]


class ItemForm(FlaskForm):
    kind = RadioField(_l("Kind"), default=AgendaKind.SESSION.value, validate_choice=False)
    title_en = StringField(
        _l("Title in English"), validators=[_max(ITEM_LENGTHS["title_en"]), _one_line]
    )
    title_zh = StringField(
        _l("Title in Chinese"), validators=[_max(ITEM_LENGTHS["title_zh"]), _one_line]
    )
    starts = _time_of_day(_l("Starts at"))
    ends = _time_of_day(_l("Ends at"))
    choosable = BooleanField(_l("Guests choose whether to attend this session"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _closed_choice(self.kind, AGENDA_KIND_LABELS)

    def validate_kind(self, field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Please choose session or break."))

    def to_details(self) -> ItemDetails:
        return ItemDetails(
            kind=AgendaKind(self.kind.data),
            starts=self.starts.data or "",
            ends=self.ends.data or "",
            title_en=self.title_en.data or "",
            title_zh=self.title_zh.data or "",
            choosable=bool(self.choosable.data),
        )


def _person_text(label, name: str) -> StringField:
    return StringField(label, validators=[_max(PERSON_LENGTHS[name]), _one_line])


class PersonForm(FlaskForm):
    role = RadioField(_l("Role"), default=PersonRole.SPEAKER.value, validate_choice=False)
    name_en = _person_text(_l("Name in English"), "name_en")
    name_zh = _person_text(_l("Name in Chinese"), "name_zh")
    title_en = _person_text(_l("Job title in English (e.g. Mayor)"), "title_en")
    title_zh = _person_text(_l("Job title in Chinese"), "title_zh")
    affiliation_en = _person_text(_l("Affiliation in English"), "affiliation_en")
    affiliation_zh = _person_text(_l("Affiliation in Chinese"), "affiliation_zh")
    # The guest this person is, as the view lists the event's guests ("": none).
    guest = SelectField(_l("A guest of this event"), default="", validate_choice=False)

    def __init__(self, *args, guests: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        _closed_choice(self.role, PERSON_ROLE_LABELS)
        self.guest.choices = [SelectChoice("", _l("— not a guest —"))] + [
            SelectChoice(value, label) for value, label in guests or []
        ]

    def validate_guest(self, field) -> None:
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose the guest from this event's list."))

    def validate_role(self, field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Please choose speaker or moderator."))

    def to_details(self) -> PersonDetails:
        texts: dict[str, str] = {name: getattr(self, name).data or "" for name in PERSON_LENGTHS}
        return PersonDetails(
            role=PersonRole(self.role.data),
            guest_id=int(self.guest.data) if self.guest.data else None,
            **texts,
        )


_STALE = _l("This form is out of date; please reload the page.")


class MoveForm(FlaskForm):
    """Move an item or a person: from the place the page showed to another one."""

    position = WholeNumberField(
        _l("Move to position"),
        validators=[
            InputRequired(message=_l("Please enter a position.")),
            NumberRange(min=1, max=10000, message=_l("Enter a position from 1 up.")),
        ],
    )
    current = WholeNumberField(
        widget=HiddenInput(),
        validators=[InputRequired(message=_STALE), NumberRange(min=1, message=_STALE)],
    )

    def moves(self) -> tuple[int, int]:
        """(from, to): the place the page showed and the one wanted, once validated."""
        shown, wanted = self.current.data, self.position.data
        if shown is None or wanted is None:
            raise ValueError("validate the form before reading its moves")
        return shown, wanted


class ActionForm(FlaskForm):
    """A button that deletes; it carries only the CSRF token."""


class ProgrammeNoticeForm(FlaskForm):
    """Tell the guests of the programme's changes, or keep them untold: names the changes the
    page showed (services/programme/told.py), so a change made meanwhile is looked at first."""

    seen = HiddenField(validators=[DataRequired(), Length(max=64)])
