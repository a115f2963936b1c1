"""Flask-WTF forms. Every message is set here so that it goes through our catalogue."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

# SelectChoice is new in WTForms 3.3; the types-WTForms stubs describe 3.2.
from wtforms import (  # type: ignore[attr-defined]
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from .errors import InvalidAnswer
from .i18n import bilingual
from .labels import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    COMPANION_ROLE_LABELS,
    LANGUAGE_LABELS,
    ROLE_LABELS,
    WEBHOOK_KIND_LABELS,
)
from .models import Category, Channel, CompanionRole, Language, Role
from .numbers import parse_id, parse_whole
from .services import precedence, protocol
from .services.companions import CompanionDetails
from .services.guests import FIELD_LENGTHS, GuestDetails
from .services.requests.deputies import MAX_LENGTHS as DEPUTY_LENGTHS
from .services.requests.deputies import DeputyDetails
from .services.rsvp import MAX_LENGTHS, RsvpAnswer, offered_channels
from .services.seats import sessions as seat_sessions
from .services.travel.passports import PassportDetails
from .text import ONE_LINE_MESSAGE, has_control_characters


def _one_line(form, field) -> None:
    """A name, organization or title: one line (the services refuse the rest too)."""
    if field.data and has_control_characters(field.data.strip()):
        raise ValidationError(ONE_LINE_MESSAGE)


def _max(field: str) -> Length:
    return Length(max=MAX_LENGTHS[field], message=_l("At most %(max)d characters, please."))


def _session_label(item, zone: ZoneInfo) -> str:
    """A session as the form offers it: its title in the page's language and its times."""
    starts = item.starts_at.astimezone(zone).strftime("%H:%M")
    ends = item.ends_at.astimezone(zone).strftime("%H:%M")
    # Chinese takes full-width brackets.
    return _(
        "%(title)s (%(starts)s–%(ends)s)", title=bilingual(item, "title"), starts=starts, ends=ends
    )


class RsvpForm(FlaskForm):
    attending = RadioField(
        _l("Will you attend?"),
        choices=[
            SelectChoice("yes", _l("Yes, I will attend")),
            SelectChoice("no", _l("No, I cannot attend")),
        ],
        validators=[InputRequired(message=_l("Please answer yes or no."))],
    )
    channel = RadioField(_l("Interpretation channel you will listen on"), validate_choice=False)
    # Asked only in an event whose guests choose sessions (services/seats/sessions.py).
    sessions = SelectMultipleField(
        _l("Sessions you will attend"),
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    name_en = StringField(_l("Name in English"), validators=[_max("name_en"), _one_line])
    name_zh = StringField(_l("Name in Chinese"), validators=[_max("name_zh"), _one_line])
    organization = StringField(_l("Organization"), validators=[_max("organization"), _one_line])
    dietary = StringField(_l("Dietary needs"), validators=[_max("dietary")])
    access_needs = StringField(_l("Access needs"), validators=[_max("access_needs")])
    note = TextAreaField(_l("Note to the organizers"), validators=[_max("note")])

    def __init__(self, event, *args, offered=None, **kwargs):
        """`offered`: the sessions guests choose from (seats.sessions.offered), when the
        caller has read them already."""
        super().__init__(*args, **kwargs)
        self.channel.choices = [
            SelectChoice(c.value, CHANNEL_LABELS[c]) for c in offered_channels(event)
        ]
        zone = ZoneInfo(event.timezone)
        self.session_items = seat_sessions.offered(event.id) if offered is None else offered
        self.sessions.choices = [
            SelectChoice(str(item.id), _session_label(item, zone)) for item in self.session_items
        ]

    def validate_attending(self, field) -> None:
        if field.data not in ("yes", "no"):
            raise ValidationError(_l("Please answer yes or no."))

    def validate_channel(self, field) -> None:
        if self.attending.data != "yes":
            return
        if not field.data:
            raise ValidationError(_l("Please choose the channel you will listen on."))
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Please choose one of the channels listed."))

    def validate_sessions(self, field) -> None:
        if self.attending.data != "yes" or not self.session_items:
            return
        if not field.data:
            raise ValidationError(_l("Please choose at least one session you will attend."))
        if not set(field.data) <= {choice.value for choice in field.choices}:
            raise ValidationError(
                _l("Please choose among the sessions listed (reload the page to see them).")
            )

    def to_answer(self) -> RsvpAnswer:
        attending = self.attending.data == "yes"
        chosen = frozenset(int(value) for value in self.sessions.data or ())
        return RsvpAnswer(
            attending=attending,
            sessions=chosen if attending and self.session_items else None,
            channel=Channel(self.channel.data) if attending else None,
            dietary=self.dietary.data or "",
            access_needs=self.access_needs.data or "",
            note=self.note.data or "",
            name_en=self.name_en.data or "",
            name_zh=self.name_zh.data or "",
            organization=self.organization.data or "",
        )


def _deputy_max(field: str) -> Length:
    return Length(max=DEPUTY_LENGTHS[field], message=_l("At most %(max)d characters, please."))


class DeputyForm(FlaskForm):
    """The person who comes in a guest's place, as the guest (or an organizer) names them."""

    name_en = StringField(
        _l("Deputy's name in English"), validators=[_deputy_max("name_en"), _one_line]
    )
    name_zh = StringField(
        _l("Deputy's name in Chinese"), validators=[_deputy_max("name_zh"), _one_line]
    )
    title = StringField(
        _l("Title (e.g. Deputy Mayor)"), validators=[_deputy_max("title"), _one_line]
    )
    organization = StringField(
        _l("Organization"), validators=[_deputy_max("organization"), _one_line]
    )
    email = StringField(
        _l("Deputy's e-mail (their own invitation goes to it)"),
        validators=[
            InputRequired(message=_l("Please enter an e-mail address.")),
            _deputy_max("email"),
        ],
    )
    language = SelectField(
        _l("Language of the deputy's e-mails and pages"),
        default=Language.EN.value,
        validate_choice=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [
            SelectChoice(lang.value, LANGUAGE_LABELS[lang]) for lang in Language
        ]

    def validate_name_zh(self, field) -> None:
        if not ((self.name_en.data or "").strip() or (field.data or "").strip()):
            raise ValidationError(_l("Please give the deputy's name in at least one script."))

    def validate_language(self, field) -> None:
        if field.data not in {lang.value for lang in Language}:
            raise ValidationError(_l("Please choose one of the languages listed."))

    def to_details(self) -> DeputyDetails:
        return DeputyDetails(
            name_en=self.name_en.data or "",
            name_zh=self.name_zh.data or "",
            title=self.title.data or "",
            organization=self.organization.data or "",
            email=self.email.data or "",
            language=Language(self.language.data),
        )


class CompanionForm(FlaskForm):
    """An accompanying person of a guest: a role and a name in at least one script."""

    role = SelectField(_l("Role"), default=CompanionRole.AIDE.value, validate_choice=False)
    name_en = StringField(
        _l("Name in English"),
        validators=[Length(max=200, message=_l("At most %(max)d characters, please.")), _one_line],
    )
    name_zh = StringField(
        _l("Name in Chinese"),
        validators=[Length(max=200, message=_l("At most %(max)d characters, please.")), _one_line],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [
            SelectChoice(role.value, COMPANION_ROLE_LABELS[role]) for role in CompanionRole
        ]

    def validate_role(self, field) -> None:
        if field.data not in {role.value for role in CompanionRole}:
            raise ValidationError(_l("Please choose a role from the list."))

    def validate_name_zh(self, field) -> None:
        if not ((self.name_en.data or "").strip() or (field.data or "").strip()):
            raise ValidationError(_l("Please give the name in at least one script."))

    def to_details(self) -> CompanionDetails:
        return CompanionDetails(
            role=CompanionRole(self.role.data),
            name_en=self.name_en.data or "",
            name_zh=self.name_zh.data or "",
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


class WholeNumberField(IntegerField):
    """An integer read the one way (registrar.numbers): ASCII digits, at most a column's range.

    int() would read "٣" as 3 and take thirty digits that no column holds; here both are "not a
    valid integer", as letters are. A minus sign is read, so that the field's NumberRange names
    the range to a negative number.
    """

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        text = valuelist[0].strip()
        magnitude = parse_whole(text.removeprefix("-"))
        if magnitude is None:
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))
        self.data = -magnitude if text.startswith("-") else magnitude

    @property
    def number(self) -> int:
        """The number of a field that InputRequired guards, read from a form that validated."""
        assert self.data is not None, "an empty or unreadable number fails the form"
        return self.data


class CapacityForm(FlaskForm):
    capacity = WholeNumberField(
        _l("Room capacity"),
        validators=[
            InputRequired(message=_l("Please enter the room capacity.")),
            NumberRange(min=0, max=100000, message=_l("Enter a number from 0 to 100000.")),
        ],
    )
    held_seats = WholeNumberField(
        _l("Seats held back"),
        validators=[
            InputRequired(message=_l("Please enter the seats held back (0 for none).")),
            NumberRange(min=0, max=100000, message=_l("Enter a number from 0 to 100000.")),
        ],
    )


class GuestActionForm(FlaskForm):
    """A button that changes one guest's invitation; it carries only the CSRF token."""


class GuestConfirmForm(FlaskForm):
    """The button of a confirmation page: it carries the version of the guest's link (or
    badge) the page showed, so that a second press or an older page changes nothing."""

    confirm = WholeNumberField(
        widget=HiddenInput(),
        validators=[
            InputRequired(
                message=_l("Nothing was changed: confirm with the button on this page first.")
            ),
        ],
    )


class RequestDeclineForm(GuestConfirmForm):
    """Declining a guest's request: the version the page showed, and an optional reason the
    guest is told (its rules are the service's: one line, at most 500 characters)."""

    reason = StringField(_l("Reason, told to the guest (optional)"))


class DoorLinkForm(FlaskForm):
    label = StringField(
        _l("Door or volunteer (shown on the scanner)"),
        validators=[Length(max=100, message=_l("At most %(max)d characters, please."))],
    )
    # Empty: until the event ends, which is what a volunteer's evening at the door needs.
    hours = WholeNumberField(
        _l("Valid for (hours; empty: until the event ends)"),
        validators=[
            Optional(),
            NumberRange(min=1, max=336, message=_l("Enter a number from 1 to 336.")),
        ],
    )


def _guest_id(value: object) -> int:
    """A ticked guest's id; anything else (a number no id column holds) fails the form."""
    number = parse_id(value)
    if number is None:
        raise ValueError(value)
    return number


class GuestSelectionForm(FlaskForm):
    """Whom an e-mail goes to: every guest listed, or only the guests ticked."""

    guest_ids = SelectMultipleField(
        coerce=_guest_id,
        validate_choice=False,
        # New in WTForms 3.3, whose types-WTForms stubs do not know it yet.
        invalid_value_message=_l(  # type: ignore[call-arg]
            "That guest is not on the list; please reload the page."
        ),
    )
    everyone = SubmitField()
    selected = SubmitField()
    # Set by the confirmation page: only its button queues anything. `shown_at` is when it
    # was shown; what was queued since is not queued again (a second press).
    confirm = HiddenField()
    shown_at = HiddenField(validators=[Optional(), Length(max=40)])

    def validate_guest_ids(self, field) -> None:
        if self.selected.data and not field.data:
            raise ValidationError(_l("Please tick at least one guest."))

    def is_confirmed(self) -> bool:
        return self.confirm.data == "1"

    def shown_moment(self) -> datetime | None:
        """When the confirmation page was shown (aware, UTC), or None."""
        try:
            moment = datetime.fromisoformat(self.shown_at.data or "")
        except ValueError:
            return None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    def chosen(self) -> list[int] | None:
        """The ticked guests, or None for everyone listed."""
        return list(self.guest_ids.data or []) if self.selected.data else None


class PlaceCardsForm(FlaskForm):
    """Whose place cards to print: everyone of the categories ticked, the guests ticked one by
    one, and the programme's speakers and moderators who are not guests."""

    categories = SelectMultipleField(
        _l("Everyone of these categories (except those who declined)"),
        choices=[SelectChoice(c.value, CATEGORY_LABELS[c]) for c in protocol.CARD_CATEGORIES],
        default=[Category.SPEAKER.value, Category.MODERATOR.value],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    guest_ids = SelectMultipleField(
        _l("Chosen guests"),
        coerce=_guest_id,
        validate_choice=False,
        invalid_value_message=_l(  # type: ignore[call-arg]
            "That guest is not on the list; please reload the page."
        ),
    )
    programme = BooleanField(
        _l("The programme's speakers and moderators who are not on the guest list")
    )

    def validate_categories(self, field) -> None:
        offered = {c.value for c in protocol.CARD_CATEGORIES}
        if any(value not in offered for value in field.data or []):
            raise ValidationError(_l("Please choose one of the categories listed."))

    def chosen_categories(self) -> list[Category]:
        return [Category(value) for value in self.categories.data or []]


class ReminderForm(GuestSelectionForm):
    send_at = DateTimeLocalField(
        _l("Send at (the event's local time; leave empty to send now)"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        validators=[Optional()],
    )


class MailTestForm(FlaskForm):
    """A test of one kind of message, as a chosen guest would get it, to oneself."""

    guest = HiddenField(validators=[InputRequired()])
    kind = HiddenField(validators=[InputRequired()])
    language = RadioField(
        _l("Language"),
        choices=[SelectChoice(language.value, LANGUAGE_LABELS[language]) for language in Language],
        default=Language.EN.value,
    )

    def guest_id(self) -> int | None:
        return parse_id(self.guest.data)


class MailIntroForm(FlaskForm):
    """The event's own paragraph atop the invitation, in each language."""

    intro_en = TextAreaField(_l("Introduction in English"))
    intro_zh = TextAreaField(_l("Introduction in Chinese"))
    version = HiddenField()


class ImportUploadForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(message=_l("Please choose the CSV file to import."))],
    )


class ImportApplyForm(FlaskForm):
    """The import button: which upload, a digest of the preview the organizer saw, and whether
    the organizer chose to import the good rows only (1) rather than all rows or none."""

    upload = HiddenField(validators=[InputRequired(), Length(max=64)])
    fingerprint = HiddenField(validators=[InputRequired(), Regexp(r"^[0-9a-f]{64}$")])
    good_rows_only = HiddenField(validators=[Optional(), AnyOf(["1"])])


class WaitlistMoveForm(FlaskForm):
    """Move a waitlisted guest: from the place the page showed to another one."""

    position = WholeNumberField(
        _l("Move to position"),
        validators=[
            InputRequired(message=_l("Please enter a position on the waitlist.")),
            NumberRange(min=1, max=100000, message=_l("Enter a position from 1 up.")),
        ],
    )
    current = WholeNumberField(
        widget=HiddenInput(),
        validators=[
            InputRequired(message=_l("This form is out of date; please reload the page.")),
            NumberRange(min=1, message=_l("This form is out of date; please reload the page.")),
        ],
    )


# -- the console's guest list ------------------------------------------------------------------


def _guest_max(field: str) -> Length:
    return Length(max=FIELD_LENGTHS[field], message=_l("At most %(max)d characters, please."))


class GuestForm(FlaskForm):
    """A guest's details as the organizer types them; the guests service checks the rules."""

    name_en = StringField(_l("Name in English"), validators=[_guest_max("name_en"), _one_line])
    name_zh = StringField(_l("Name in Chinese"), validators=[_guest_max("name_zh"), _one_line])
    email = StringField(
        _l("E-mail"),
        validators=[
            InputRequired(message=_l("Please enter the guest's e-mail.")),
            _guest_max("email"),
        ],
    )
    organization = StringField(
        _l("Organization"), validators=[_guest_max("organization"), _one_line]
    )
    title = StringField(_l("Job title"), validators=[_guest_max("title"), _one_line])
    category = SelectField(_l("Category"), default=Category.DELEGATE.value, validate_choice=False)
    language = SelectField(
        _l("Language of the e-mails and pages"), default=Language.EN.value, validate_choice=False
    )
    precedence = StringField(_l("Precedence"))
    travel_offered = BooleanField(
        _l("Offer travel (flights, hotel, airport pickup) whatever the category"), default=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice(c.value, CATEGORY_LABELS[c]) for c in Category]
        self.language.choices = [
            SelectChoice(lang.value, LANGUAGE_LABELS[lang]) for lang in Language
        ]

    def validate_category(self, field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Please choose one of the categories listed."))

    def validate_language(self, field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Please choose one of the languages listed."))

    def validate_precedence(self, field) -> None:
        try:
            precedence.checked(field.data)
        except InvalidAnswer as exc:
            raise ValidationError(str(exc)) from exc

    def to_details(self) -> GuestDetails:
        return GuestDetails(
            email=self.email.data or "",
            name_en=self.name_en.data or "",
            name_zh=self.name_zh.data or "",
            organization=self.organization.data or "",
            title=self.title.data or "",
            category=Category(self.category.data),
            language=Language(self.language.data),
            precedence=precedence.checked(self.precedence.data),
            travel_offered=bool(self.travel_offered.data),
        )


class GuestAnswerForm(RsvpForm):
    """The guest's answer as an organizer takes it down; the names are edited elsewhere."""

    attending = RadioField(
        _l("Will the guest attend?"),
        choices=[
            SelectChoice("yes", _l("Yes, attending")),
            SelectChoice("no", _l("No, not attending")),
        ],
        validators=[InputRequired(message=_l("Please answer yes or no."))],
    )
    channel = RadioField(
        _l("Interpretation channel the guest will listen on"), validate_choice=False
    )
    sessions = SelectMultipleField(
        _l("Sessions the guest will attend"),
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    # WTForms leaves out a field that a subclass sets to None.
    name_en = name_zh = organization = None  # type: ignore[assignment]
    note = TextAreaField(_l("Note"), validators=[_max("note")])

    def validate_sessions(self, field) -> None:
        if self.attending.data != "yes" or not self.session_items:
            return
        if not field.data:
            raise ValidationError(_l("Please choose at least one session the guest will attend."))
        if not set(field.data) <= {choice.value for choice in field.choices}:
            raise ValidationError(
                _l("Please choose among the sessions listed (reload the page to see them).")
            )

    def to_answer(self) -> RsvpAnswer:
        attending = self.attending.data == "yes"
        chosen = frozenset(int(value) for value in self.sessions.data or ())
        return RsvpAnswer(
            attending=attending,
            sessions=chosen if attending and self.session_items else None,
            channel=Channel(self.channel.data) if attending else None,
            dietary=self.dietary.data or "",
            access_needs=self.access_needs.data or "",
            note=self.note.data or "",
        )


# -- staff and teams -------------------------------------------------------------------------

_ROLE_CHOICES = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class TeamInviteForm(FlaskForm):
    email = StringField(
        _l("E-mail"),
        validators=[InputRequired(message=_l("Please enter an e-mail address.")), Length(max=254)],
    )
    name = StringField(
        _l("Name"),
        validators=[
            Length(max=200, message=_l("At most %(max)d characters, please.")),
            _one_line,
        ],
    )
    role = RadioField(
        _l("Role for this event"),
        choices=_ROLE_CHOICES,
        default=Role.DOOR.value,
        validators=[InputRequired(message=_l("Please choose a role."))],
    )


class TeamRoleForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=_ROLE_CHOICES,
        validators=[InputRequired(message=_l("Please choose a role."))],
    )


class ForgotPasswordForm(FlaskForm):
    email = StringField(
        _l("E-mail"),
        validators=[InputRequired(message=_l("Please enter your e-mail.")), Length(max=254)],
    )


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(message=_l("Please enter a password.")), Length(max=200)],
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[InputRequired(message=_l("Please enter the password again."))],
    )

    def validate_confirm(self, field) -> None:
        if field.data != self.password.data:
            raise ValidationError(_l("The two passwords are not the same."))


class WebhookForm(FlaskForm):
    """A webhook's URL and the kinds of changes it is told of (services/webhooks.py checks both
    again: the allowed hosts are its rule)."""

    url = StringField(
        _l("URL that receives the deliveries (https://…)"),
        validators=[
            InputRequired(message=_l("Enter the URL the deliveries go to.")),
            Length(max=500, message=_l("At most %(max)d characters, please.")),
        ],
    )
    kinds = SelectMultipleField(
        _l("Tell it of"),
        choices=[SelectChoice(kind.value, label) for kind, label in WEBHOOK_KIND_LABELS.items()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[InputRequired(message=_l("Choose at least one kind of change."))],
    )


class CategoryHoldsForm(FlaskForm):
    """The seats held for each category of guests (0: none); a field `hold_<category>` each."""

    def counts(self) -> dict[Category, int]:
        return {c: self[f"hold_{c.value}"].number for c in Category}


for _category in Category:
    setattr(
        CategoryHoldsForm,
        f"hold_{_category.value}",
        WholeNumberField(
            CATEGORY_LABELS[_category],
            validators=[
                InputRequired(message=_l("Please enter the seats held (0 for none).")),
                NumberRange(min=0, max=100000, message=_l("Enter a number from 0 to 100000.")),
            ],
        ),
    )


class GuestHoldForm(FlaskForm):
    """Hold a seat for one guest of the list, by name."""

    guest = WholeNumberField(
        _l("Guest"),
        validators=[InputRequired(message=_l("Please choose a guest from the list."))],
    )


class _DayField(DateField):
    """A date as year-month-day, refused in the reader's language."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(str(_l("Please give the date as year-month-day."))) from exc


class PassportForm(FlaskForm):
    """The passport details a guest gives to ask for a visa invitation letter (all required;
    services/travel/passports.py checks the rest)."""

    name = StringField(
        _l("Name as in the passport"),
        validators=[InputRequired(message=_l("Please give your name as in the passport."))],
    )
    nationality = StringField(
        _l("Nationality"),
        validators=[InputRequired(message=_l("Please give your nationality."))],
    )
    number = StringField(
        _l("Passport number"),
        validators=[InputRequired(message=_l("Please give the passport number."))],
    )
    birth_date = _DayField(
        _l("Date of birth"),
        validators=[InputRequired(message=_l("Please give your date of birth."))],
    )

    def to_details(self) -> PassportDetails:
        return PassportDetails(
            name=self.name.data or "",
            nationality=self.nationality.data or "",
            number=self.number.data or "",
            birth_date=self.birth_date.data,
        )


class WithdrawLetterForm(FlaskForm):
    """Only the CSRF token: the guest withdraws their request for a letter."""


class IssueLetterForm(FlaskForm):
    """The console's button that issues a guest's visa letter: it carries how many letters the
    page showed, so that a second press issues nothing more."""

    seen = WholeNumberField(
        widget=HiddenInput(),
        validators=[
            InputRequired(
                message=_l("Nothing was issued: use the button on the guest's letter page.")
            )
        ],
    )
