"""The API's wire contract: the bodies it takes and the answers it gives, as pydantic models
that validate each request and write the schemas of the OpenAPI document."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from datetime import date as date_type
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias, TypeVar, get_args

from flask_babel import lazy_gettext as _l
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)
from pydantic.config import JsonValue
from pydantic.json_schema import (
    GenerateJsonSchema,
    JsonSchemaMode,
    JsonSchemaValue,
    models_json_schema,
)
from pydantic_core import ErrorDetails, PydanticCustomError, core_schema, from_json

from ...errors import DomainError, InvalidAnswer
from ...models import (
    AgendaItem,
    AgendaKind,
    Category,
    Channel,
    CompanionRole,
    Direction,
    DoorNoAnswer,
    Event,
    EventQuestion,
    Guest,
    GuestTravel,
    HotelChoice,
    Language,
    LetInReason,
    PersonRole,
    QuestionKind,
    Verdict,
    column_length,
)
from ...numbers import MAX_ID, parse_id, parse_whole
from ...services import (
    checkin,
    companions,
    event_details,
    event_pages,
    guests,
    imports,
    notices,
    precedence,
    programme,
    questions,
    rsvp,
)
from ...services.programme import told
from ...services.travel import board as travel_board

# A NUL is refused in every text field a scan keeps: no database column of ours can hold one.
NO_NUL = r"^[^\u0000]*$"


def _text(max_length: int, *, strip: bool = False) -> StringConstraints:
    return StringConstraints(strip_whitespace=strip, max_length=max_length, pattern=NO_NUL)


def _moment(value: str) -> datetime:
    """An RFC 3339 time (ISO 8601 with a zone), in UTC as it is stored."""
    try:
        # RFC 3339 allows a lower-case "t" and "z"; Python reads only upper case.
        moment = datetime.fromisoformat(value.upper())
        if moment.tzinfo is None:
            raise ValueError("no zone")
        # 0001-01-01T00:00+01:00 is a valid time of no calendar: it overflows in UTC.
        return moment.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise PydanticCustomError("moment", "not a time with a zone") from exc


Nonce: TypeAlias = Annotated[str, _text(checkin.MAX_NONCE)]
Gate: TypeAlias = Annotated[str, _text(checkin.MAX_GATE, strip=True)]
ReceiverNumber: TypeAlias = Annotated[str, _text(checkin.MAX_RECEIVER, strip=True)]

# The values of the enums as closed lists, written out where they are used (no $ref). Spelt
# out so that a type checker knows them; tests/test_openapi.py holds them to the enums (in
# their order) and to the error codes.
VerdictName: TypeAlias = Literal[
    "ok",
    "already_checked_in",
    "waitlisted",
    "declined",
    "revoked",
    "wrong_event",
    "room_full",
    "no_answer",
    "invalid",
    "other_session",
]
DirectionName: TypeAlias = Literal["in", "out"]
CategoryName: TypeAlias = Literal["speaker", "moderator", "vip", "delegate", "press", "staff"]
ChannelName: TypeAlias = Literal["en", "zh", "ja", "ko", "es", "fr", "floor"]
SeatStateName: TypeAlias = Literal["confirmed", "waitlisted"]
DoorNoAnswerName: TypeAlias = Literal["desk", "let_in"]
LetInReasonName: TypeAlias = Literal[
    "protocol_office", "organizer_approved", "identity_checked", "other"
]
LanguageName: TypeAlias = Literal["en", "zh_Hant"]
EventStateName: TypeAlias = Literal["draft", "open", "closed", "cancelled", "archived"]
GuestStateName: TypeAlias = Literal[
    "not_sent",
    "sent",
    "pending",
    "confirmed",
    "waitlisted",
    "declined",
    "revoked",
    "sent_deputy",
    "checked_in",
    "inside",
    "erased",
]
# Sorted.
ErrorCode: TypeAlias = Literal[
    "bad_request",
    "busy",
    "conflict",
    "csrf_failed",
    "database_unavailable",
    "forbidden",
    "gone",
    "idempotency_key_reused",
    "method_not_allowed",
    "not_found",
    "notify_required",
    "too_large",
    "too_many_requests",
    "unauthorized",
]


_DATE_TIME = WithJsonSchema({"type": "string", "format": "date-time"})
# The longest time taken: RFC 3339 with nanoseconds and a zone is 35 characters.
MAX_MOMENT = 64
# A time as scanners send it; as the API answers with it (ISO 8601, "+00:00" for UTC).
if TYPE_CHECKING:
    # Text on the wire; what validation (_moment) leaves in the field is a datetime.
    MomentIn: TypeAlias = datetime
else:
    MomentIn = Annotated[
        str,
        StringConstraints(max_length=MAX_MOMENT),
        AfterValidator(_moment),
        WithJsonSchema({"type": "string", "format": "date-time", "maxLength": MAX_MOMENT}),
    ]
Moment = Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str), _DATE_TIME]
# What a scanner may send as the code it read: more than any QR code holds (7,089 digits).
MAX_CODE = 8192


# -- what the API takes ----------------------------------------------------------------------


class _Body(BaseModel):
    # Strict: "true" is no boolean, 42 no text. A field that is not ours is refused by name
    # (the document says `additionalProperties: false`), never ignored: a misspelt field would
    # otherwise be a change silently not made.
    model_config = ConfigDict(strict=True, extra="forbid")


class CheckInRequest(_Body):
    """A guest found by name (a lost badge): the same rules as a scan."""

    nonce: Nonce | None = Field(
        None,
        description="The scanner's id for this reading. A retry with the same nonce gets the "
        "first answer again (with `replayed` true) and records nothing. Empty means none.",
    )
    gate: Gate | None = Field(
        "",
        description="The door's name, shown later as where a guest came in. Surrounding spaces "
        "are trimmed before the length is checked.",
    )
    direction: DirectionName | None = Field(
        Direction.IN.value,
        description="Entry or exit. An exit is always `ok` for a guest we know.",
    )
    scanned_at: MomentIn | None = Field(
        None,
        description="When the badge was read, with a time zone; for scans queued while "
        "offline. Missing means now; a time more than a few minutes ahead is taken as now.",
    )
    offline: bool = Field(
        False,
        description="The scan was queued while the scanner was offline: when two doors read "
        "one badge, the earlier reading wins.",
    )
    override: bool = Field(
        False,
        description="Let the guest in although the room is full. Organizers only (403).",
    )

    def scan_request(self, code: str) -> checkin.ScanRequest:
        """What the door service is asked: `code` is the badge read, or the guest's own."""
        return checkin.ScanRequest(
            code=code,
            nonce=self.nonce or None,
            # As Python trims, which takes a few more control characters than the check above.
            gate=(self.gate or "").strip(),
            direction=Direction(self.direction or Direction.IN),
            scanned_at=self.scanned_at,
            offline=self.offline,
            override=self.override,
        )


class ScanRequest(CheckInRequest):
    """One reading of a badge."""

    code: Annotated[str, StringConstraints(max_length=MAX_CODE)] | None = Field(
        None,
        description="What the scanner read. Anything that is not a badge code of ours is "
        "answered with the verdict `invalid`, and kept (its first 100 characters).",
    )


class AdmitRequest(_Body):
    """Let in a guest who never answered (verdict `no_answer`), where the event allows it."""

    nonce: Nonce | None = Field(
        None,
        description="The scanner's id for this request. A retry with the same nonce gets the "
        "first answer again (with `replayed` true) and records nothing. Empty means none.",
    )
    gate: Gate | None = Field(
        "",
        description="The door's name. Surrounding spaces are trimmed before the length is checked.",
    )
    channel: ChannelName | None = Field(
        None,
        description="The interpretation channel the guest will listen on, one the event "
        "offers; missing means the floor language (no receiver).",
    )

    def scan_request(self) -> checkin.ScanRequest:
        """The entry the guest is checked in with (the code is the guest's own badge)."""
        return checkin.ScanRequest(
            code="", nonce=self.nonce or None, gate=(self.gate or "").strip()
        )

    def chosen_channel(self) -> Channel | None:
        return Channel(self.channel) if self.channel else None


class LetInRequest(_Body):
    """A door lead lets in a guest the door refused (any verdict but `invalid` and
    `wrong_event`), for a reason."""

    nonce: Nonce | None = Field(
        None,
        description="The scanner's id for this request. A retry with the same nonce gets the "
        "first answer again (with `replayed` true) and records nothing. Empty means none.",
    )
    gate: Gate | None = Field(
        "",
        description="The door's name. Surrounding spaces are trimmed before the length is checked.",
    )
    reason: LetInReasonName = Field(description="Why the guest is let in; kept in the audit log.")
    reason_text: Annotated[str, _text(checkin.MAX_REASON, strip=True)] = Field(
        "", description="The lead's own words; needed with the reason `other`."
    )
    channel: ChannelName | None = Field(
        None,
        description="For a guest whose answer names no channel (no answer, a no): the channel "
        "recorded for them; missing means the channel they chose before, else the floor.",
    )
    over_capacity: bool = Field(
        False, description="Let in even though the room has reached its capacity."
    )

    def let_in(self) -> checkin.LetIn:
        return checkin.LetIn(
            reason=LetInReason(self.reason),
            reason_text=self.reason_text,
            nonce=self.nonce or None,
            gate=(self.gate or "").strip(),
            channel=Channel(self.channel) if self.channel else None,
            over_capacity=self.over_capacity,
        )


class WalkInRequest(_Body):
    """A person registered at the door, where the event takes walk-ins."""

    nonce: Nonce | None = Field(
        None,
        description="The scanner's id for this request. A retry with the same nonce gets the "
        "first answer again (with `replayed` true) and registers nobody. Empty means none.",
    )
    gate: Gate | None = Field(
        "",
        description="The door's name. Surrounding spaces are trimmed before the length is checked.",
    )
    name_en: Annotated[str, _text(200, strip=True)] = Field(
        "", description="The name in Latin script; this or `name_zh` is needed."
    )
    name_zh: Annotated[str, _text(200, strip=True)] = Field(
        "", description="The name in Chinese script."
    )
    organization: Annotated[str, _text(300, strip=True)] = ""
    category: CategoryName = "delegate"
    email: Annotated[str, _text(254, strip=True)] = Field(
        "", description="Optional; given, the confirmation with the badge is sent to it."
    )
    channel: ChannelName = Field("floor", description="The channel the person listens on.")
    language: LanguageName = Field("en", description="The language of any e-mail.")

    def walk_in(self) -> checkin.WalkIn:
        return checkin.WalkIn(
            name_en=self.name_en,
            name_zh=self.name_zh,
            organization=self.organization,
            category=Category(self.category),
            email=self.email,
            channel=Channel(self.channel),
            language=Language(self.language),
            nonce=self.nonce or None,
            gate=(self.gate or "").strip(),
        )


Precedence: TypeAlias = Annotated[
    int,
    Field(
        strict=True,
        ge=precedence.LOWEST,
        le=precedence.HIGHEST,
        description="The protocol rank: 1 comes first on the VIP lists; unranked guests after.",
    ),
]


class GuestRequest(_Body):
    """A guest put on the list through the API, with the console's rules (services/guests)."""

    email: Annotated[str, _text(254, strip=True)] = Field(
        description="Unique on the event's list; the invitation goes to it."
    )
    name_en: Annotated[str, _text(200, strip=True)] = Field(
        "", description="The name in Latin script; this or `name_zh` is needed."
    )
    name_zh: Annotated[str, _text(200, strip=True)] = ""
    organization: Annotated[str, _text(300, strip=True)] = ""
    title: Annotated[str, _text(300, strip=True)] = ""
    category: CategoryName = "delegate"
    language: LanguageName = Field("en", description="The language of the guest's e-mails.")
    precedence: Precedence | None = None
    travel_offered: bool = Field(
        False, description="Travel offered whatever the guest's category (flights, hotel, pickup)."
    )

    def details(self) -> guests.GuestDetails:
        return guests.GuestDetails(
            email=self.email,
            name_en=self.name_en,
            name_zh=self.name_zh,
            organization=self.organization,
            title=self.title,
            category=Category(self.category),
            language=Language(self.language),
            precedence=self.precedence,
            travel_offered=self.travel_offered,
        )


class GuestChangeRequest(_Body):
    """Changes to a guest's details: the fields sent, the others as they are."""

    email: Annotated[str, _text(254, strip=True)] | None = None
    name_en: Annotated[str, _text(200, strip=True)] | None = None
    name_zh: Annotated[str, _text(200, strip=True)] | None = None
    organization: Annotated[str, _text(300, strip=True)] | None = None
    title: Annotated[str, _text(300, strip=True)] | None = None
    category: CategoryName | None = None
    language: LanguageName | None = None
    precedence: Precedence | None = Field(
        None, description="Left out: kept as it is; null: no rank any more."
    )
    travel_offered: bool | None = None

    def details(self, guest: Guest) -> guests.GuestDetails:
        def value(name: str) -> str:
            given: str | None = getattr(self, name)
            kept: str = getattr(guest, name)
            return kept if given is None else given

        return guests.GuestDetails(
            email=value("email"),
            name_en=value("name_en"),
            name_zh=value("name_zh"),
            organization=value("organization"),
            title=value("title"),
            category=Category(self.category) if self.category else guest.category,
            language=Language(self.language) if self.language else guest.language,
            precedence=(
                self.precedence if "precedence" in self.model_fields_set else guest.precedence
            ),
            travel_offered=(
                guest.travel_offered if self.travel_offered is None else self.travel_offered
            ),
        )


class BulkGuest(_Body):
    """One guest of a bulk list: the columns of the CSV import, by their names, with its rules
    (services/imports): matched by e-mail, a field left out or empty keeps the stored value."""

    model_config = ConfigDict(strict=True, extra="forbid")

    email: Annotated[str, _text(254)] = Field("", description="Needed: the guest's key.")
    name_en: Annotated[str, _text(imports.COLUMN_LENGTHS["name_en"])] = Field(
        "", description="This or `name_zh` is needed for a new guest."
    )
    name_zh: Annotated[str, _text(imports.COLUMN_LENGTHS["name_zh"])] = ""
    organization: Annotated[str, _text(imports.COLUMN_LENGTHS["organization"])] = ""
    title: Annotated[str, _text(imports.COLUMN_LENGTHS["title"])] = ""
    category: Annotated[str, _text(100)] = Field(
        "",
        description="speaker, moderator, vip, delegate, press or staff, or a word the import "
        "understands for one (與談人, media, …); delegate for a new guest when empty.",
    )
    language: Annotated[str, _text(100)] = Field(
        "",
        description="en or zh_Hant (English, 中文, …); for a new guest when empty: zh_Hant if "
        "the guest has only a Chinese name, else en.",
    )
    precedence: Precedence | None = Field(
        None, description="Left out or null: a new guest has none, a stored one is kept."
    )

    def record(self) -> dict[str, str]:
        record = {name: getattr(self, name) for name in imports.FIELDS}
        record["precedence"] = "" if self.precedence is None else str(self.precedence)
        return record


class AnswerRequest(_Body):
    """The guest's answer, given for them by an organizer (told by phone, say)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    attending: bool
    channel: ChannelName | None = Field(
        None,
        description="Needed when attending: a channel the event offers, or `floor` (no "
        "interpretation). Ignored when not attending.",
    )
    dietary: Annotated[str, _text(rsvp.MAX_LENGTHS["dietary"])] = ""
    access_needs: Annotated[str, _text(rsvp.MAX_LENGTHS["access_needs"])] = ""
    note: Annotated[str, _text(rsvp.MAX_LENGTHS["note"])] = ""
    sessions: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        None,
        max_length=100,
        description="In an event whose guests choose sessions: the ids of the sessions the "
        "guest will attend (at least one when attending; each one the event offers). Left out "
        "or null: the sessions chosen before, or every session for a first answer. Ignored when "
        "not attending.",
    )

    def reply(self) -> rsvp.RsvpAnswer:
        return rsvp.RsvpAnswer(
            attending=self.attending,
            channel=Channel(self.channel) if self.channel else None,
            dietary=self.dietary,
            access_needs=self.access_needs,
            note=self.note,
            sessions=None if self.sessions is None else frozenset(self.sessions),
        )


class ReceiverRequest(_Body):
    receiver: ReceiverNumber | None = Field(
        None,
        description="The number of the interpretation receiver handed to a checked-in guest; "
        "empty clears it. Surrounding spaces are trimmed before the length is checked.",
    )
    returned: bool = Field(
        False, description="True: the guest gave the receiver back (`receiver` is ignored)."
    )


Body = TypeVar("Body", bound=_Body)


def parse(model: type[Body], data: bytes | None) -> Body:
    """The request's body as `model`, or InvalidAnswer saying what is wrong with it, in the
    language of the request. None: the body is not JSON at all."""
    if data is None:
        raise InvalidAnswer(_l("Send a JSON object."))
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        raise _refusal(exc.errors(include_url=False)[0]) from None


_CHOICES = {
    "direction": [d.value for d in Direction],
    "channel": [c.value for c in Channel],
    "reason": [r.value for r in LetInReason],
    "category": [c.value for c in Category],
    "language": [lang.value for lang in Language],
    "channels": [c.value for c in Channel],
    "door_no_answer": [p.value for p in DoorNoAnswer],
    "kind": [k.value for k in AgendaKind],
    "role": [r.value for r in PersonRole],
}


def _field_name(where: tuple[int | str, ...]) -> str:
    """A field as a message names it: `email`, or `items[3].email` inside a list."""
    name = ""
    for part in where:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else part)
    return name


# The ranges pydantic checks, as the message words them: (error type, its bound in `ctx`).
_RANGES = {
    "greater_than": ("gt", _l("'%(field)s' must be more than %(n)s.")),
    "greater_than_equal": ("ge", _l("'%(field)s' must be at least %(n)s.")),
    "less_than": ("lt", _l("'%(field)s' must be less than %(n)s.")),
    "less_than_equal": ("le", _l("'%(field)s' must be at most %(n)s.")),
    "too_long": ("max_length", _l("'%(field)s' has at most %(n)s items.")),
    "too_short": ("min_length", _l("'%(field)s' needs at least %(n)s items.")),
    "string_too_long": ("max_length", _l("'%(field)s' has at most %(n)s characters.")),
    "string_too_short": ("min_length", _l("'%(field)s' needs at least %(n)s characters.")),
}
# Wrong types, by what was wanted.
_TYPES = {
    "string_type": _l("'%(field)s' must be a string."),
    "bool_type": _l("'%(field)s' must be true or false."),
    "int_type": _l("'%(field)s' must be a whole number."),
    "list_type": _l("'%(field)s' must be a list."),
    "model_type": _l("'%(field)s' must be a JSON object."),
    "dict_type": _l("'%(field)s' must be a JSON object."),
}


def _refusal(error: ErrorDetails) -> InvalidAnswer:
    kind, where = error["type"], error["loc"]
    if not where:
        if kind == "json_invalid":
            # Unpaired surrogates (\ud800) are valid JSON to some, but no text of ours.
            return InvalidAnswer(_l("The body is not JSON text, or holds half a character."))
        return InvalidAnswer(_l("Send a JSON object."))
    field = _field_name(where)
    # What names a choice's list: the innermost field (a person's `role`, a list's `channels`).
    choice = next((str(part) for part in reversed(where) if isinstance(part, str)), "")
    if kind == "extra_forbidden":
        return InvalidAnswer(_l("Unknown field '%(field)s'."), field=field)
    if kind == "missing":
        return InvalidAnswer(_l("'%(field)s' is needed."), field=field)
    if kind in _TYPES:
        return InvalidAnswer(_TYPES[kind], field=field)
    if kind in _RANGES:
        bound, message = _RANGES[kind]
        return InvalidAnswer(message, field=field, n=error.get("ctx", {}).get(bound, "?"))
    if kind == "string_pattern_mismatch" and error.get("ctx", {}).get("pattern") != NO_NUL:
        return InvalidAnswer(
            _l("'%(field)s' must be a time of day as HH:MM, e.g. 13:30."), field=field
        )
    if kind == "string_pattern_mismatch":
        return InvalidAnswer(_l("'%(field)s' contains a NUL character."), field=field)
    if kind == "literal_error" and choice in _CHOICES:
        choices = ", ".join(f"'{value}'" for value in _CHOICES[choice])
        return InvalidAnswer(
            _l("'%(field)s' must be one of %(choices)s."), field=field, choices=choices
        )
    if kind == "moment":
        return InvalidAnswer(_l("'%(field)s' must be an ISO 8601 time with a zone."), field=field)
    if kind == "moment_range":
        return InvalidAnswer(
            _l("'%(field)s' must be a time in the years %(first)s to %(last)s."),
            field=field,
            first=EVENT_YEARS[0],
            last=EVENT_YEARS[1],
        )
    return InvalidAnswer(_l("'%(field)s' has a value that is not allowed."), field=field)


# -- what the API answers --------------------------------------------------------------------


class _Answer(BaseModel):
    # Validated on the way out from the services' dataclasses (by attribute): what is sent
    # always matches the document, for a few dozen microseconds next to a scan's milliseconds.
    model_config = ConfigDict(extra="forbid")


class Occupancy(_Answer):
    inside: int = Field(ge=0)
    capacity: int = Field(ge=0)


class SessionOccupancy(_Answer):
    id: int = Field(description="The session (an agenda item guests choose).")
    title_en: str
    title_zh: str
    starts_at: Moment
    ends_at: Moment
    current: bool = Field(
        description="Under way now, or starting within half an hour: the session scans count for."
    )
    confirmed: int = Field(ge=0, description="Guests holding a confirmed seat in it.")
    counted: int = Field(
        ge=0,
        description="Guests counted for it: let in while it was under way (or in the half hour "
        "before it), and, once it has begun, guests confirmed for it who came in before and are "
        "still inside.",
    )
    receivers_en: int = Field(
        ge=0, description="English receivers it needs: its confirmed guests listening in English."
    )
    receivers_zh: int = Field(
        ge=0, description="中文 receivers it needs: its confirmed guests listening in Chinese."
    )
    receivers_handed_out: int = Field(
        ge=0,
        description="Receivers handed out to its confirmed guests (one per guest, counted in "
        "each session the guest is confirmed for).",
    )
    receivers_returned: int = Field(ge=0, description="Of those, the receivers given back.")


class RoomOccupancy(Occupancy):
    sessions: list[SessionOccupancy] = Field(
        description="For an event whose guests choose sessions, each such session in programme "
        "order; empty for any other event (the room's count is `inside`, whatever the session)."
    )


class ScanConfirmedSession(_Answer):
    id: int
    title_en: str
    title_zh: str
    starts_at: Moment
    time: str = Field(description="When it starts, in the event's local time (HH:MM).")


class ScanOtherSession(_Answer):
    sessions: list[ScanConfirmedSession] = Field(
        description="The sessions the guest is confirmed for."
    )
    advice: str = Field(
        description="What the door tells its staff, in the request's language: the sessions the "
        "guest is confirmed for, and when."
    )


class ScanGuest(_Answer):
    id: int
    name_en: str
    name_zh: str
    organization: str
    category: CategoryName
    channel: ChannelName | None = Field(
        description="The interpretation channel to hand a receiver for."
    )
    receiver: str = Field(description="The receiver handed out, if any.")
    receiver_returned: bool
    vip: bool = Field(
        description="A guest the protocol desk meets (category `vip`): the scanner says so "
        "in large type."
    )
    seat_label: str = Field(
        "",
        description='The reserved seat of the seating plan given to the guest, e.g. "A7"; '
        "empty when none.",
    )
    companion_role: Literal["aide", "interpreter", "security", "other"] | None = Field(
        default=None,
        description="For an accompanying person: their role; null for a guest.",
    )
    principal_name_en: str = Field(
        default="", description="For an accompanying person: the guest they come with."
    )
    principal_name_zh: str = Field(
        default="", description="For an accompanying person: the guest they come with."
    )


class FirstScan(_Answer):
    at: Moment
    gate: str


class ScanDeputy(_Answer):
    name_en: str
    name_zh: str
    advice: str = Field(
        description="What the door tells its staff, in the request's language: the guest sent "
        "this deputy, the badge is no longer valid."
    )


class NoAnswer(_Answer):
    policy: DoorNoAnswerName = Field(
        description="What the event lets the door do with a guest who never answered: "
        "`desk` sends them to the desk; `let_in` lets them in when a seat is free "
        "(POST .../admit-unanswered)."
    )
    seat_free: bool = Field(description="A seat is free for guests and the room has space now.")


# A code that names nobody of this event shows nobody; only an `already_checked_in` shows where
# the guest first came in.
_SCAN_RESULT_RULES: list[JsonValue] = [
    {
        "if": {"properties": {"verdict": {"enum": [Verdict.INVALID, Verdict.WRONG_EVENT]}}},
        "then": {"properties": {"guest": {"type": "null"}}},
        "else": {"properties": {"guest": {"type": "object"}}},
    },
    {
        "if": {"properties": {"verdict": {"const": Verdict.ALREADY_CHECKED_IN}}},
        "then": {"properties": {"first_scan": {"type": "object"}}},
        "else": {"properties": {"first_scan": {"type": "null"}}},
    },
    {
        "if": {"properties": {"verdict": {"const": Verdict.NO_ANSWER}}},
        "then": {"properties": {"no_answer": {"type": "object"}}},
        "else": {"properties": {"no_answer": {"type": "null"}}},
    },
]


class ScanResult(_Answer):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"allOf": _SCAN_RESULT_RULES})

    verdict: VerdictName
    direction: DirectionName
    nonce: str | None
    gate: str
    scanned_at: Moment
    offline: bool
    duplicate: bool = Field(
        description="An offline reading of a guest another door let in earlier."
    )
    override: bool = Field(description="Let in past a full room.")
    guest: ScanGuest | None
    first_scan: FirstScan | None
    occupancy: Occupancy
    no_answer: NoAnswer | None = Field(
        description="Only with the verdict `no_answer` (invited, never answered; never shown "
        "as declined): what the door may do with the guest."
    )
    replayed: bool = Field(description="The first answer to this nonce, given again.")
    deputy: ScanDeputy | None = Field(
        None,
        description="Only with the verdict `revoked`, for a guest who sent a deputy in their "
        "place: the deputy, who has a badge of their own.",
    )
    other_session: ScanOtherSession | None = Field(
        None,
        description="Only with the verdict `other_session` (an event whose guests choose "
        "sessions; the guest is confirmed, but not for the session under way): the sessions "
        "the guest is confirmed for. A door lead may let them in when the session under way "
        "has a free seat.",
    )


class Receiver(_Answer):
    guest_id: int
    receiver: str
    returned: bool


class GuestSummary(_Answer):
    id: int
    name_en: str
    name_zh: str
    organization: str
    category: CategoryName
    channel: ChannelName | None
    seat: SeatStateName | None
    answered: bool = Field(
        description="False: invited, never answered (no seat, and not declined either)."
    )
    revoked: bool
    inside: bool
    walk_in: bool = Field(description="Registered at the door, not invited.")


class GuestList(_Answer):
    guests: list[GuestSummary] = Field(max_length=checkin.SEARCH_LIMIT)


DoorListState: TypeAlias = Literal["confirmed", "waitlisted", "declined", "revoked", "no_answer"]


class DoorListGuest(_Answer):
    id: int
    name_en: str
    name_zh: str
    organization: str
    category: CategoryName
    badge_version: int = Field(
        description="The version a badge code (B1:<event>:<guest>:<version>:<MAC>) must carry: "
        "a code with an older one is a replaced badge, refused as `revoked`."
    )
    state: DoorListState = Field(
        description="What the door says of a valid badge: `confirmed`, or the verdict that "
        "refuses it (`no_answer`: invited, never answered)."
    )
    channel: ChannelName | None
    seat_label: str = Field(
        "", description='The reserved seat of a confirmed guest, e.g. "A7"; empty when none.'
    )
    deputy_en: str = Field(
        "",
        description="For a guest who sent a deputy (state `revoked`): the deputy's name, whom "
        "the door names; the deputy has a badge of their own.",
    )
    deputy_zh: str = ""


class DoorListAnswer(_Answer):
    event_id: int
    ends_at: Moment = Field(
        description="The event's end: the list is not to be kept or used after it."
    )
    version: str = Field(description="Changes whenever the list does; also the ETag.")
    guests: list[DoorListGuest] = Field(
        description="Every guest, by English name; empty once the event has ended."
    )


class WalkInResult(_Answer):
    guest_id: int
    badge_code: str = Field(description="What the walk-in's QR code holds.")
    badge_png: str = Field(description="The path of the badge's QR code (PNG) for the screen.")
    badge_pdf: str = Field(description="The path of the badge to print (PDF).")
    scan: ScanResult = Field(description="The walk-in's check-in: the verdict `ok`.")


class EventSummary(_Answer):
    id: int
    slug: str = Field(description="The event's short address, as `flask token create --event`.")
    title_en: str
    title_zh: str
    state: EventStateName
    timezone: str = Field(description="The IANA zone its times are shown in, e.g. Asia/Taipei.")
    venue_en: str
    venue_zh: str
    room_en: str
    room_zh: str
    doors_open_at: Moment
    starts_at: Moment
    ends_at: Moment
    rsvp_deadline: Moment
    capacity: int = Field(ge=0)
    held_seats: int = Field(ge=0, description="Seats the organizers hold back from guests.")
    version: int = Field(
        ge=1,
        validation_alias=AliasChoices("version", "edit_version"),
        description="Raised by every change of the details: send it as `version` with a "
        "change (PATCH) so that one made meanwhile is not overwritten.",
    )


class EventPage(_Answer):
    items: list[EventSummary] = Field(max_length=event_pages.MAX_PAGE)
    next: str | None = Field(
        description="The `cursor` of the next page; null on the last one. The order (by id) "
        "is stable: an event made meanwhile comes on a later page."
    )


@dataclass(frozen=True)
class PageQuery:
    limit: int
    # The id the page starts after (0: the first page).
    after: int


def page_query(args: Mapping[str, str]) -> PageQuery:
    """`limit` (1 to 100, 50 by default) and `cursor` (a page's `next`) of a list's query;
    any other parameter is refused by name."""
    for name in args:
        if name not in ("limit", "cursor"):
            raise InvalidAnswer(_l("Unknown query parameter '%(field)s'."), field=name)
    limit = parse_whole(args.get("limit", "50"), low=1, high=event_pages.MAX_PAGE)
    if limit is None:
        raise InvalidAnswer(
            _l("'limit' is a whole number from 1 to %(max)d."), max=event_pages.MAX_PAGE
        )
    after = 0
    if "cursor" in args:
        cursor = parse_id(args["cursor"])
        if cursor is None:
            raise InvalidAnswer(_l("'cursor' is not one this API gave; start without it."))
        after = cursor
    return PageQuery(limit=limit, after=after)


class GuestSession(_Answer):
    """A session the guest chose, in an event whose guests choose sessions."""

    session_id: int = Field(description="The programme item's id (…/programme).")
    title_en: str
    title_zh: str
    starts: datetime
    ends: datetime
    state: Literal["confirmed", "waitlisted"]
    position: int | None = Field(
        description="The place in this session's waitlist (1: next to get a seat); null when "
        "confirmed."
    )


class GuestItem(_Answer):
    id: int
    email: str = Field(description="Empty once the guest's personal data was erased.")
    name_en: str
    name_zh: str
    organization: str
    title: str
    category: CategoryName
    language: LanguageName
    precedence: int | None = Field(description="The protocol rank (1 first); null: none.")
    travel_offered: bool = Field(
        description="Travel offered to this guest whatever the category; `travel` says whether "
        "it is offered at all (this or the event's `travel_categories`)."
    )
    travel: bool = Field(description="Whether the guest is offered travel.")
    state: GuestStateName = Field(
        description="Where the guest stands, as the console's list says: not_sent, pending "
        "(sent, no answer), confirmed, waitlisted, declined, revoked or erased."
    )
    checked_in: bool
    walk_in: bool = Field(description="Registered at the door, not invited.")
    answers: dict[str, str] = Field(
        description="Answers to the event's own questions (…/questions), by question id: the "
        "text, a choice's key, several keys separated by spaces, yes or no, a whole number, "
        "or a date as YYYY-MM-DD. A question not answered is left out."
    )
    sessions: list[GuestSession] = Field(
        description="The sessions the guest chose, in programme order, each with the guest's "
        "place in it; empty when the event's guests choose none, or the guest chose none."
    )


class GuestPage(_Answer):
    items: list[GuestItem] = Field(max_length=event_pages.MAX_PAGE)
    total: int = Field(ge=0, description="Guests matching the filters.")
    next: str | None = Field(
        description="The `page` to ask for next; null on the last one. The order is the "
        "`sort` asked for, then the guest's id: stable from page to page."
    )


GUEST_LIST_PARAMETERS = ("q", "state", "category", "channel", "sort", "page", "session", "limit")


def guest_criteria(args: Mapping[str, str]) -> tuple[guests.Criteria, int]:
    """The console's filters from a guest list's query, and the guests on a page (`limit`, 1 to
    100, 50 by default); anything else, or a value not understood, is refused by name."""
    for name in args:
        if name not in GUEST_LIST_PARAMETERS:
            raise InvalidAnswer(_l("Unknown query parameter '%(field)s'."), field=name)
    limit = parse_whole(args.get("limit", str(guests.PER_PAGE)), low=1, high=event_pages.MAX_PAGE)
    if limit is None:
        raise InvalidAnswer(
            _l("'limit' is a whole number from 1 to %(max)d."), max=event_pages.MAX_PAGE
        )
    args = {name: value for name, value in args.items() if name != "limit"}
    for name in GUEST_LIST_PARAMETERS[1:-1]:
        # The console forgives spaces around a choice; a program is told.
        if name in args and args[name] != args[name].strip():
            raise InvalidAnswer(
                _l("The value of '%(field)s' is not one the list takes."), field=name
            )
    criteria, ignored = guests.parse_criteria(args)
    if ignored:
        name, _value = ignored[0]
        raise InvalidAnswer(_l("The value of '%(field)s' is not one the list takes."), field=name)
    return criteria, limit


class GuestLink(_Answer):
    guest_id: int
    link: str = Field(description="The guest's new invitation link; every earlier one is dead.")


class BulkRow(_Answer):
    index: int = Field(ge=0, description="The guest's place in the list sent, from 0.")
    id: int = Field(description="The guest's id.")
    outcome: Literal["new", "update", "unchanged"]


class BulkResult(_Answer):
    added: int = Field(ge=0)
    updated: int = Field(ge=0)
    unchanged: int = Field(ge=0)
    items: list[BulkRow] = Field(description="Every guest sent, in the order sent.")


class GuestAnswer(_Answer):
    guest_id: int
    answered: bool = Field(description="False: no answer yet (the fields below are empty).")
    attending: bool | None
    channel: ChannelName | None
    dietary: str
    access_needs: str
    note: str
    answered_at: Moment | None = Field(description="When the first answer was given.")
    updated_at: Moment | None = Field(description="When the answer last changed.")
    seat: SeatStateName | None = Field(description="The seat the answer holds, if any.")
    waitlist_position: int | None = Field(description="1 is the next to get a seat.")


class ErrorDetail(_Answer):
    code: ErrorCode = Field(description="Stable, for programs.")
    message: str = Field(description="For people, in the page language of the request.")


class Error(_Answer):
    error: ErrorDetail


class RowError(_Answer):
    index: int = Field(ge=0, description="The guest's place in the list sent, from 0.")
    field: str | None = Field(description="The field concerned, when there is one.")
    message: str


class BulkErrorDetail(_Answer):
    code: ErrorCode = Field(description="Stable, for programs.")
    message: str = Field(description="For people, in the page language of the request.")
    rows: list[RowError] = Field(
        default_factory=list,
        description="What is wrong with each guest refused: one entry per problem.",
    )


class BulkError(_Answer):
    error: BulkErrorDetail


MAX_BULK = imports.MAX_ROWS


class TooManyGuests(DomainError):
    status = 413
    code = "too_large"
    default_message = _l("At most %(max)s guests can be sent at once: split the list.")


class RowsRefused(InvalidAnswer):
    """Guests of a bulk list refused, each with its reasons: nothing was saved."""

    def __init__(self, rows: list[RowError], message: str, **params: object) -> None:
        self.rows = rows
        super().__init__(message, **params)


ROWS_REFUSED = _l("Guests with errors: %(n)s. Nothing was imported; correct them and send again.")


def bulk_records(data: bytes | None) -> list[dict[str, str]]:
    """The guests of a bulk list as the import's records, or the refusal: TooManyGuests, or
    RowsRefused naming each guest whose fields have a wrong type or length."""
    if data is None:
        raise InvalidAnswer(_l("Send a JSON array of guests."))
    try:
        sent = from_json(data)
    except ValueError:
        raise InvalidAnswer(_l("The body is not JSON text, or holds half a character.")) from None
    if not isinstance(sent, list) or not sent:
        raise InvalidAnswer(_l("Send a JSON array of guests (at least one)."))
    if len(sent) > MAX_BULK:
        raise TooManyGuests(max=format(MAX_BULK, ","))
    records: list[dict[str, str]] = []
    refused: list[RowError] = []
    for index, item in enumerate(sent):
        try:
            records.append(BulkGuest.model_validate(item).record())
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                where = error["loc"]
                refused.append(
                    RowError(
                        index=index,
                        field=str(where[0]) if where else None,
                        message=str(_refusal(error)),
                    )
                )
    if refused:
        raise RowsRefused(refused, ROWS_REFUSED, n=len({row.index for row in refused}))
    return records


# -- seats and waitlist ----------------------------------------------------------------------

# As the console's capacity and waitlist forms take them.
MAX_SEATS = 100_000


class HoldItem(_Answer):
    category: CategoryName | None = Field(description="The category the seats are held for.")
    guest_id: int | None = Field(description="The guest one seat is held for by name.")
    count: int = Field(ge=0, description="Seats held.")
    taken: int = Field(ge=0, description="Of them, taken by a confirmed guest.")


class SeatCounts(_Answer):
    capacity: int = Field(ge=0, description="The room's seats.")
    held: int = Field(ge=0, description="Seats the organizers hold back from guests.")
    confirmed: int = Field(ge=0, description="Guests holding a confirmed seat.")
    waitlisted: int = Field(ge=0, description="Guests on the waitlist.")
    free: int = Field(
        ge=0,
        description="Open seats a guest may take now: capacity less held seats, less the "
        "holds' seats, less the confirmed guests on open seats; never below 0.",
    )
    reserved: int = Field(
        ge=0, description="Seats held for categories and named guests (not in `held`)."
    )
    reserved_taken: int = Field(ge=0, description="Of them, taken by a confirmed guest.")
    holds: list[HoldItem] = Field(
        max_length=MAX_SEATS,
        description="Each hold: a category's seats, or one seat for a guest by name. Only its "
        "guest or a guest of its category takes it; other guests never do.",
    )


class SeatsChanged(SeatCounts):
    promoted: list[int] = Field(
        description="The ids of the guests who got a freed seat from the waitlist, in order."
    )


class WaitlistEntry(_Answer):
    guest_id: int
    position: int = Field(ge=1, description="1: the next guest to get a seat.")
    name_en: str
    name_zh: str
    organization: str
    category: CategoryName
    since: Moment = Field(description="When the guest joined the waitlist.")


class SessionPlaceItem(_Answer):
    """A guest's place in one session guests choose."""

    session_id: int
    state: Literal["confirmed", "waitlisted"]
    position: int | None = Field(
        ge=1, description="The place in the session's waitlist (1: next); null when confirmed."
    )


class SessionWaitlistEntry(WaitlistEntry):
    other_sessions: list[SessionPlaceItem] = Field(
        description="The guest's places in the other sessions they chose, in programme order."
    )


class SessionWaitlist(_Answer):
    """One session guests choose, with its own waitlist in queue order."""

    session_id: int = Field(description="The programme item's id.")
    title_en: str
    title_zh: str
    starts_at: Moment
    ends_at: Moment
    confirmed: int = Field(ge=0)
    free: int = Field(ge=0, description="Open seats free in this session.")
    items: list[SessionWaitlistEntry]


class WaitlistPage(_Answer):
    items: list[WaitlistEntry] = Field(max_length=event_pages.MAX_PAGE)
    next: str | None = Field(
        description="The `cursor` of the next page; null on the last one. In queue order."
    )
    sessions: list[SessionWaitlist] | None = Field(
        None,
        description="In an event whose guests choose sessions, each session's own waitlist, "
        "whole, on the first page (null on the others, and in an event without such "
        "sessions). `items` then lists the guests who wait in every session they chose.",
    )


_HeldCount = Annotated[int, Field(ge=0, le=MAX_SEATS)]


class CategoryHolds(_Body):
    """Seats held for each category named (0: none); a category left out stays as it is."""

    model_config = ConfigDict(strict=True, extra="forbid")

    speaker: _HeldCount | None = None
    moderator: _HeldCount | None = None
    vip: _HeldCount | None = None
    delegate: _HeldCount | None = None
    press: _HeldCount | None = None
    staff: _HeldCount | None = None

    def counts(self) -> dict[Category, int]:
        return {Category(k): v for k, v in self.model_dump(exclude_none=True).items()}


class CapacityRequest(_Body):
    """The room's capacity and the seats held back: the fields sent, the other as it is."""

    model_config = ConfigDict(strict=True, extra="forbid")

    capacity: Annotated[int, Field(ge=0, le=MAX_SEATS)] | None = None
    held_seats: Annotated[int, Field(ge=0, le=MAX_SEATS)] | None = Field(
        None, description="Seats held back from guests; at most the capacity."
    )
    category_holds: CategoryHolds | None = Field(
        None,
        description="Seats held for these categories (0: none); categories left out stay as "
        "they are. Never fewer than their guests have taken.",
    )
    guest_holds: (
        Annotated[list[Annotated[int, Field(ge=1, le=MAX_ID)]], Field(max_length=MAX_SEATS)] | None
    ) = Field(
        None,
        description="The ids of every guest with a seat held by name (the whole list: a "
        "guest left out has none any more).",
    )


class WaitlistMoveRequest(_Body):
    """Put a waitlisted guest at another place in the queue (1 = next to get a seat)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    position: Annotated[int, Field(ge=1, le=MAX_SEATS)] = Field(
        description="The new place; at most the waitlist's length (400 otherwise)."
    )
    from_position: Annotated[int, Field(ge=1, le=MAX_SEATS)] | None = Field(
        None,
        description="Where the caller saw the guest; when the guest is elsewhere now, nothing "
        "moves (409). Missing: wherever the guest is.",
    )


class WaitlistMoved(_Answer):
    guest_id: int
    position: int = Field(ge=1, description="The guest's place on the waitlist now.")


# -- messages --------------------------------------------------------------------------------

MessageKindName: TypeAlias = Literal[
    "invitation",
    "confirmation",
    "waitlisted",
    "promoted",
    "declined",
    "reminder_unanswered",
    "reminder_confirmed",
    "details_changed",
    "event_cancelled",
    "deputy_approved",
    "request_declined",
    "travel_reminder",
]
MessageStateName: TypeAlias = Literal["queued", "sending", "sent", "failed", "cancelled"]
# The guests one request may name.
MAX_SELECTED = 1000


class MessagesRequest(_Body):
    """Queue invitations or reminders, as the console's e-mail page does."""

    model_config = ConfigDict(strict=True, extra="forbid")

    kind: Literal["invitation", "reminder_unanswered", "reminder_confirmed"] = Field(
        description="`invitation`: to the guests named, or without `guest_ids` to every guest "
        "not invited yet; `reminder_unanswered`: to the invited guests who have not answered "
        "(those named, or all); `reminder_confirmed`: venue, doors and badge to every guest "
        "with a confirmed seat."
    )
    guest_ids: (
        Annotated[
            list[Annotated[int, Field(ge=1, le=MAX_ID)]],
            Field(max_length=MAX_SELECTED),
        ]
        | None
    ) = Field(
        None,
        description=f"At most {MAX_SELECTED} guests of the event (404 when one is not); not "
        "with `reminder_confirmed`. A guest who has the message waiting already, or (an "
        "invitation) has answered, is left out.",
    )
    send_at: MomentIn | None = Field(
        None,
        description="For reminders: when to send, with a time zone; missing or past means "
        "with the next run of the mail sender. Not with `invitation`.",
    )


class MessagesQueued(_Answer):
    queued: int = Field(ge=0, description="Messages queued now.")
    message_ids: list[int] = Field(description="Their ids, as the message list shows them.")


class MessageItem(_Answer):
    id: int
    guest_id: int
    kind: MessageKindName
    state: MessageStateName = Field(
        description="queued (waiting for the mail sender, or its time), sending, sent, failed "
        "(every retry spent), cancelled (no longer fitting: see `reason`)."
    )
    language: LanguageName
    to_address: str
    attempts: int = Field(ge=0, description="Delivery attempts begun.")
    created_at: Moment
    next_attempt_at: Moment = Field(description="When the sender tries it (next).")
    sent_at: Moment | None
    last_error: str = Field(description="The last failed attempt's error; empty if none.")
    reason: str = Field(description="Why it was cancelled, as a code; empty if it was not.")


class MessagePage(_Answer):
    items: list[MessageItem] = Field(max_length=event_pages.MAX_PAGE)
    next: str | None = Field(
        description="The `cursor` of the next page; null on the last one. By id, the oldest "
        "first: a message queued meanwhile comes on a later page."
    )


MESSAGE_LIST_PARAMETERS = ("limit", "cursor", "kind", "state", "guest_id")


@dataclass(frozen=True)
class MessageQuery:
    page: PageQuery
    kind: str | None
    state: str | None
    guest_id: int | None


def message_query(args: Mapping[str, str]) -> MessageQuery:
    """A message list's page, and its filters; anything else, or a value not understood, is
    refused by name."""
    for name in args:
        if name not in MESSAGE_LIST_PARAMETERS:
            raise InvalidAnswer(_l("Unknown query parameter '%(field)s'."), field=name)
    page = page_query({k: v for k, v in args.items() if k in ("limit", "cursor")})
    kind, state = args.get("kind") or None, args.get("state") or None
    if kind is not None and kind not in get_args(MessageKindName):
        raise InvalidAnswer(_l("The value of '%(field)s' is not one the list takes."), field="kind")
    if state is not None and state not in get_args(MessageStateName):
        raise InvalidAnswer(
            _l("The value of '%(field)s' is not one the list takes."), field="state"
        )
    guest_id = None
    if "guest_id" in args:
        guest_id = parse_id(args["guest_id"])
        if guest_id is None:
            raise InvalidAnswer(
                _l("The value of '%(field)s' is not one the list takes."), field="guest_id"
            )
    return MessageQuery(page=page, kind=kind, state=state, guest_id=guest_id)


# -- check-ins and scans -----------------------------------------------------------------------


class ScanItem(_Answer):
    id: int
    guest_id: int | None = Field(description="Null for a code that names no guest of ours.")
    verdict: VerdictName
    direction: DirectionName
    gate: str
    scanned_at: Moment = Field(description="When the scanner read the badge.")
    recorded_at: Moment = Field(description="When the server recorded it (later when offline).")
    offline: bool
    manual: bool = Field(description="A guest found by name, or let in by a door lead.")
    override: bool
    duplicate: bool


class ScanPage(_Answer):
    items: list[ScanItem] = Field(max_length=event_pages.MAX_PAGE)
    next: str | None = Field(
        description="The `cursor` of the next page; null on the last one. By id: a scan "
        "recorded meanwhile comes on a later page."
    )


class CheckInItem(_Answer):
    guest_id: int
    name_en: str
    name_zh: str
    first_scan_at: Moment
    first_gate: str
    inside: bool
    changed_at: Moment = Field(description="The last entry or exit, or receiver change.")
    receiver: str
    receiver_returned: bool


class CheckInPage(_Answer):
    items: list[CheckInItem] = Field(max_length=event_pages.MAX_PAGE)
    next: str | None = Field(
        description="The `cursor` of the next page; null on the last one. In the order the "
        "guests first came in (by id)."
    )


@dataclass(frozen=True)
class DoorRecordQuery:
    page: PageQuery
    verdict: str | None
    gate: str | None
    since: datetime | None


def door_record_query(args: Mapping[str, str], *, verdicts: bool) -> DoorRecordQuery:
    """A page of scans (with `verdict`) or of check-ins, with `gate` and `since`; anything
    else, or a value not understood, is refused by name."""
    allowed = ("limit", "cursor", "gate", "since", *(("verdict",) if verdicts else ()))
    for name in args:
        if name not in allowed:
            raise InvalidAnswer(_l("Unknown query parameter '%(field)s'."), field=name)
    page = page_query({k: v for k, v in args.items() if k in ("limit", "cursor")})
    verdict = args.get("verdict") or None
    if verdict is not None and verdict not in get_args(VerdictName):
        raise InvalidAnswer(
            _l("The value of '%(field)s' is not one the list takes."), field="verdict"
        )
    gate = args.get("gate") or None
    if gate is not None and (len(gate) > checkin.MAX_GATE or "\x00" in gate):
        raise InvalidAnswer(_l("The value of '%(field)s' is not one the list takes."), field="gate")
    since = None
    if args.get("since"):
        try:
            if len(args["since"]) > MAX_MOMENT:
                raise PydanticCustomError("moment", "too long")
            since = _moment(args["since"])
        except PydanticCustomError:
            raise InvalidAnswer(
                _l("'%(field)s' must be an ISO 8601 time with a zone."), field="since"
            ) from None
    return DoorRecordQuery(page=page, verdict=verdict, gate=gate, since=since)


# -- events and the programme, as organizers write them ----------------------------------------

# The years an event's times may fall in: any later, and moving them to another day or zone
# would leave the calendar.
EVENT_YEARS = (1970, 9000)
AgendaKindName: TypeAlias = Literal["session", "break"]
PersonRoleName: TypeAlias = Literal["speaker", "moderator"]


def _event_moment(value: datetime) -> datetime:
    if not EVENT_YEARS[0] <= value.year <= EVENT_YEARS[1]:
        raise PydanticCustomError("moment_range", "a time outside the years allowed")
    return value


if TYPE_CHECKING:
    EventMoment: TypeAlias = datetime
else:
    EventMoment = Annotated[
        str,
        StringConstraints(max_length=MAX_MOMENT),
        AfterValidator(_moment),
        AfterValidator(_event_moment),
        WithJsonSchema({"type": "string", "format": "date-time", "maxLength": MAX_MOMENT}),
    ]


def _line(name: str) -> StringConstraints:
    """A text of one of the event's columns, at most as long as the column."""
    return _text(column_length(Event, name), strip=True)


Slug: TypeAlias = Annotated[str, _line("slug")]
ShortName: TypeAlias = Annotated[str, _line("short_name")]
Title: TypeAlias = Annotated[str, _line("title_en")]
Venue: TypeAlias = Annotated[str, _line("venue_en")]
Room: TypeAlias = Annotated[str, _line("room_en")]
Zone: TypeAlias = Annotated[str, _line("timezone")]
Description: TypeAlias = Annotated[str, _text(event_details.DESCRIPTION_LENGTH, strip=True)]
Intro: TypeAlias = Annotated[str, _text(event_details.INTRO_LENGTH, strip=True)]
Address: TypeAlias = Annotated[str, _line("address_en")]
MapUrl: TypeAlias = Annotated[str, _line("map_url")]
Organizers: TypeAlias = Annotated[str, _line("organizers_en")]
ContactName: TypeAlias = Annotated[str, _line("contact_name")]
EmailText: TypeAlias = Annotated[str, _line("contact_email")]
Phone: TypeAlias = Annotated[str, _line("contact_phone")]
SenderName: TypeAlias = Annotated[str, _line("mail_sender_name")]
Seats: TypeAlias = Annotated[int, Field(ge=0, le=event_details.MAX_CAPACITY)]
Channels: TypeAlias = Annotated[list[ChannelName], Field(max_length=len(Channel))]
Categories: TypeAlias = Annotated[list[CategoryName], Field(max_length=len(Category))]
CompanionLimits: TypeAlias = Annotated[str, Field(max_length=200)]
LetterText: TypeAlias = Annotated[str, _line("letter_organizer_en")]
LetterName: TypeAlias = Annotated[str, _line("letter_signatory")]
# The fields of the event editor (services/event_details.EventDetails), by the same names.
EVENT_FIELDS = tuple(f.name for f in dataclass_fields(event_details.EventDetails))


def _event_values(body: BaseModel, names: tuple[str, ...]) -> dict[str, object]:
    """The editor's fields a body gives (None: not given), as EventDetails holds them."""
    values: dict[str, object] = {}
    for name in names:
        value = getattr(body, name)
        if value is None:
            continue
        if name == "channels":
            value = tuple(Channel(code) for code in value)
        elif name == "door_no_answer":
            value = DoorNoAnswer(value)
        elif name in ("no_deputies", "travel_categories"):
            value = tuple(Category(code) for code in value)
        values[name] = value
    return values


class EventRequest(_Body):
    """A new event, with the event editor's fields and rules (services/event_details.py)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    slug: Slug = Field(
        description="The short address: 1 to 64 lower-case letters, digits and hyphens, not "
        "another event's."
    )
    title_en: Title = Field("", description="This or `title_zh` is needed.")
    title_zh: Title = ""
    venue_en: Venue = Field("", description="This or `venue_zh` is needed.")
    venue_zh: Venue = ""
    room_en: Room = ""
    room_zh: Room = ""
    timezone: Zone = Field(description="An IANA zone, e.g. Asia/Taipei: the event's clocks.")
    doors_open_at: EventMoment = Field(description="At or before the start.")
    starts_at: EventMoment
    ends_at: EventMoment = Field(description="After the start.")
    rsvp_deadline: EventMoment = Field(description="At or before the start.")
    capacity: Seats
    held_seats: Seats = Field(0, description="Seats held back from guests; at most the capacity.")
    channels: Channels = Field(
        ["en", "zh"],
        description="The interpretation offered; the floor language is always offered besides.",
    )
    short_name: ShortName = ""
    description_en: Description = ""
    description_zh: Description = ""
    address_en: Address = ""
    address_zh: Address = ""
    map_url: MapUrl = Field("", description="An http(s) address.")
    organizers_en: Organizers = ""
    organizers_zh: Organizers = ""
    contact_name: ContactName = ""
    contact_email: EmailText = ""
    contact_phone: Phone = ""
    mail_sender_name: SenderName = ""
    mail_reply_to: EmailText = ""
    intro_en: Intro = Field("", description="The event's own paragraph atop the invitation.")
    intro_zh: Intro = ""
    door_no_answer: DoorNoAnswerName = Field(
        "desk", description="What the door does with an invited guest who never answered."
    )
    door_walk_ins: bool = Field(False, description="Whether the door may register walk-ins.")
    small_corrections: bool = Field(
        False,
        description="Whether a guest's small correction of their name applies without an "
        "organizer's approval until badges are printed.",
    )
    no_deputies: Categories = Field(
        [], description="The categories whose guests may not propose a deputy."
    )
    companion_limits: CompanionLimits = Field(
        "",
        description="How many accompanying persons a guest of each category may bring, as "
        '`"vip=2 speaker=1"`; categories not named bring none.',
    )
    companions_take_seats: bool = Field(
        False, description="Whether accompanying persons take seats in the room."
    )
    travel_categories: Categories = Field(
        [],
        description="The categories whose guests are offered travel (flights, hotel, airport "
        "pickup); a guest may be offered it on their own too (`travel_offered`).",
    )
    letter_organizer_en: LetterText = Field(
        "", description="The letterhead of the visa invitation letters: who invites."
    )
    letter_organizer_zh: LetterText = ""
    letter_address_en: LetterText = ""
    letter_address_zh: LetterText = ""
    letter_signatory: LetterName = Field("", description="Who signs the letters.")
    letter_signatory_title_en: LetterName = ""
    letter_signatory_title_zh: LetterName = ""

    def details(self) -> event_details.EventDetails:
        return event_details.EventDetails(**_event_values(self, EVENT_FIELDS))  # type: ignore[arg-type]


class EventChangeRequest(_Body):
    """Changes to an event: the fields sent, the others as they are; null is the same as not
    sent. With the editor's rules and its change notices."""

    model_config = ConfigDict(strict=True, extra="forbid")

    slug: Slug | None = None
    title_en: Title | None = None
    title_zh: Title | None = None
    venue_en: Venue | None = None
    venue_zh: Venue | None = None
    room_en: Room | None = None
    room_zh: Room | None = None
    timezone: Zone | None = None
    doors_open_at: EventMoment | None = None
    starts_at: EventMoment | None = None
    ends_at: EventMoment | None = None
    rsvp_deadline: EventMoment | None = None
    capacity: Seats | None = None
    held_seats: Seats | None = None
    channels: Channels | None = None
    short_name: ShortName | None = None
    description_en: Description | None = None
    description_zh: Description | None = None
    address_en: Address | None = None
    address_zh: Address | None = None
    map_url: MapUrl | None = None
    organizers_en: Organizers | None = None
    organizers_zh: Organizers | None = None
    contact_name: ContactName | None = None
    contact_email: EmailText | None = None
    contact_phone: Phone | None = None
    mail_sender_name: SenderName | None = None
    mail_reply_to: EmailText | None = None
    intro_en: Intro | None = None
    intro_zh: Intro | None = None
    door_no_answer: DoorNoAnswerName | None = None
    door_walk_ins: bool | None = None
    small_corrections: bool | None = None
    no_deputies: Categories | None = None
    companion_limits: CompanionLimits | None = None
    companions_take_seats: bool | None = None
    travel_categories: Categories | None = None
    letter_organizer_en: LetterText | None = None
    letter_organizer_zh: LetterText | None = None
    letter_address_en: LetterText | None = None
    letter_address_zh: LetterText | None = None
    letter_signatory: LetterName | None = None
    letter_signatory_title_en: LetterName | None = None
    letter_signatory_title_zh: LetterName | None = None
    notify: bool | None = Field(
        None,
        description="Needed when guests were invited and the change concerns what they were "
        "told (times, venue, room, address): true saves and queues a notice to each of them, "
        "false saves without telling them (audited). Without it such a change is refused with "
        "409 `notify_required`, naming the fields and how many guests would be told.",
    )
    version: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        None,
        description="The event's `version` the change was made from: when someone changed the "
        "event since, nothing is saved (409). Without it, the change applies to the event as "
        "it is.",
    )
    move_programme: bool = Field(
        False,
        description="Move every programme item by as much as the start moves (else an item "
        "that would fall outside the new hours refuses the change).",
    )

    def details(self, event: Event) -> event_details.EventDetails:
        current = event_details.EventDetails.of(event)
        return replace(current, **_event_values(self, EVENT_FIELDS))  # type: ignore[arg-type]


class EventCopyRequest(_Body):
    model_config = ConfigDict(strict=True, extra="forbid")

    slug: Slug = Field(description="The new event's short address.")
    date: Annotated[
        date_type, WithJsonSchema({"type": "string", "format": "date", "maxLength": 10})
    ] = Field(description="The new event's day (on its clocks): every time moves by as many days.")


class EventCancelRequest(_Body):
    model_config = ConfigDict(strict=True, extra="forbid")

    reason_en: Annotated[str, _text(notices.REASON_LENGTH, strip=True)] = Field(
        "", description="Told to the guests, with the cancellation; optional."
    )
    reason_zh: Annotated[str, _text(notices.REASON_LENGTH, strip=True)] = ""


class EventItem(EventSummary):
    """An event with every field of the editor, as an organizer writes it."""

    short_name: str
    description_en: str
    description_zh: str
    address_en: str
    address_zh: str
    map_url: str
    organizers_en: str
    organizers_zh: str
    contact_name: str
    contact_email: str
    contact_phone: str
    mail_sender_name: str
    mail_reply_to: str
    intro_en: str
    intro_zh: str
    channels: list[ChannelName]
    door_no_answer: DoorNoAnswerName
    door_walk_ins: bool
    small_corrections: bool
    no_deputies: list[CategoryName]
    companion_limits: str
    companions_take_seats: bool
    travel_categories: list[CategoryName]
    letter_organizer_en: str
    letter_organizer_zh: str
    letter_address_en: str
    letter_address_zh: str
    letter_signatory: str
    letter_signatory_title_en: str
    letter_signatory_title_zh: str

    @classmethod
    def of(cls, event: Event) -> EventItem:
        values: dict[str, object] = {}
        for name in cls.model_fields:
            if name not in ("version", "channels", "no_deputies", "travel_categories"):
                value = getattr(event, name)
                if isinstance(value, enum.Enum):
                    value = value.value
                elif isinstance(value, datetime):
                    # In UTC, as stored (a copy just made holds its times on the event's clocks).
                    value = value.astimezone(UTC)
                values[name] = value
        values["version"] = event.edit_version
        values["channels"] = [c.value for c in event.offered_channels]
        values["no_deputies"] = [c.value for c in event.categories_without_deputies]
        values["travel_categories"] = [c.value for c in event.categories_offered_travel]
        return cls.model_validate(values)


# A time of day on the event's clocks, as the programme editor takes it.
ClockTime: TypeAlias = Annotated[
    str, StringConstraints(max_length=5, pattern=r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$")
]
ItemTitle: TypeAlias = Annotated[str, _text(programme.ITEM_LENGTHS["title_en"], strip=True)]
# The most people one item may have through the API.
MAX_PEOPLE = 30
# The most items a programme's move names a place among (a day's programme has far fewer).
MAX_ITEMS = 200


def _person_text(name: str) -> StringConstraints:
    return _text(programme.PERSON_LENGTHS[name], strip=True)


class PersonRequest(_Body):
    """A speaker or a moderator of a programme item."""

    model_config = ConfigDict(strict=True, extra="forbid")

    role: PersonRoleName
    name_en: Annotated[str, _person_text("name_en")] = Field(
        "", description="This or `name_zh` is needed."
    )
    name_zh: Annotated[str, _person_text("name_zh")] = ""
    title_en: Annotated[str, _person_text("title_en")] = ""
    title_zh: Annotated[str, _person_text("title_zh")] = ""
    affiliation_en: Annotated[str, _person_text("affiliation_en")] = ""
    affiliation_zh: Annotated[str, _person_text("affiliation_zh")] = ""
    guest_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        None,
        description="The guest of this event the person is (of any category): shown on the "
        "arrival desk and offered for place cards; null or left out: none.",
    )

    def details(self) -> programme.PersonDetails:
        return programme.PersonDetails(
            role=PersonRole(self.role),
            guest_id=self.guest_id,
            name_en=self.name_en,
            name_zh=self.name_zh,
            title_en=self.title_en,
            title_zh=self.title_zh,
            affiliation_en=self.affiliation_en,
            affiliation_zh=self.affiliation_zh,
        )


People: TypeAlias = Annotated[list[PersonRequest], Field(max_length=MAX_PEOPLE)]


class ProgrammeItemRequest(_Body):
    """A session or a break, with the programme editor's rules (services/programme)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    kind: AgendaKindName = "session"
    starts: ClockTime = Field(
        description="HH:MM on the event's clocks, within its hours; no two items overlap."
    )
    ends: ClockTime = Field(description="HH:MM, after `starts`, by the event's end.")
    title_en: ItemTitle = Field("", description="This or `title_zh` is needed.")
    title_zh: ItemTitle = ""
    people: People = Field(
        [], description=f"Its speakers and moderators, in order (at most {MAX_PEOPLE})."
    )
    choosable: bool = Field(
        False,
        description="A session guests choose whether to attend (seats, waitlist, door and "
        "receivers counted per session). Only a session; refused (400) once guests hold seats "
        "for the whole event and no session is choosable yet.",
    )

    def details(self) -> programme.ItemDetails:
        return programme.ItemDetails(
            kind=AgendaKind(self.kind),
            starts=self.starts,
            ends=self.ends,
            title_en=self.title_en,
            title_zh=self.title_zh,
            choosable=self.choosable,
        )

    def people_details(self) -> list[programme.PersonDetails]:
        return [person.details() for person in self.people]


class ProgrammeItemChangeRequest(_Body):
    """Changes to an item: the fields sent, the others as they are; `people`, when sent,
    replaces the item's people as a whole."""

    model_config = ConfigDict(strict=True, extra="forbid")

    kind: AgendaKindName | None = None
    starts: ClockTime | None = None
    ends: ClockTime | None = None
    title_en: ItemTitle | None = None
    title_zh: ItemTitle | None = None
    people: People | None = None
    choosable: bool | None = Field(
        None,
        description="false: guests no longer choose it (refused, 400, once a guest chose it).",
    )

    def details(self, event: Event, item: AgendaItem) -> programme.ItemDetails:
        return programme.ItemDetails(
            kind=AgendaKind(self.kind) if self.kind else item.kind,
            starts=self.starts or programme.clock(event, item.starts_at),
            ends=self.ends or programme.clock(event, item.ends_at),
            title_en=item.title_en if self.title_en is None else self.title_en,
            title_zh=item.title_zh if self.title_zh is None else self.title_zh,
            choosable=item.choosable if self.choosable is None else self.choosable,
        )

    def people_details(self) -> list[programme.PersonDetails] | None:
        return None if self.people is None else [p.details() for p in self.people]


class ProgrammeMoveRequest(_Body):
    """Run an item at another place in the programme (1 = first)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    position: Annotated[int, Field(ge=1, le=MAX_ITEMS)] = Field(
        description="The new place; at most the number of items (400 otherwise)."
    )
    from_position: Annotated[int, Field(ge=1, le=MAX_ITEMS)] | None = Field(
        None,
        description="Where the caller saw the item; when it is elsewhere now, nothing moves "
        "(409). Missing: wherever the item is.",
    )


class ProgrammePerson(_Answer):
    id: int
    position: int = Field(ge=1)
    role: PersonRoleName
    name_en: str
    name_zh: str
    title_en: str
    title_zh: str
    affiliation_en: str
    affiliation_zh: str
    guest_id: int | None = Field(description="The guest of the event the person is, if any.")


class ProgrammeItem(_Answer):
    id: int
    position: int = Field(ge=1, description="Its place in the running order (by time).")
    kind: AgendaKindName
    starts: str = Field(description="HH:MM on the event's clocks.")
    ends: str
    starts_at: Moment
    ends_at: Moment
    title_en: str
    title_zh: str
    people: list[ProgrammePerson]
    choosable: bool = Field(description="A session guests choose whether to attend.")

    @classmethod
    def of(cls, event: Event, item: AgendaItem) -> ProgrammeItem:
        return cls.model_validate(
            {
                "id": item.id,
                "position": item.position,
                "kind": item.kind.value,
                "starts": programme.clock(event, item.starts_at),
                "ends": programme.clock(event, item.ends_at),
                # In UTC, as stored (an item just made holds the zone it was typed in).
                "starts_at": item.starts_at.astimezone(UTC),
                "ends_at": item.ends_at.astimezone(UTC),
                "title_en": item.title_en,
                "title_zh": item.title_zh,
                "choosable": item.choosable,
                "people": [
                    {
                        "id": p.id,
                        "position": p.position,
                        "role": p.role.value,
                        "name_en": p.name_en,
                        "name_zh": p.name_zh,
                        "title_en": p.title_en,
                        "title_zh": p.title_zh,
                        "affiliation_en": p.affiliation_en,
                        "affiliation_zh": p.affiliation_zh,
                        "guest_id": p.guest_id,
                    }
                    for p in sorted(item.people, key=lambda p: (p.position, p.id))
                ],
            }
        )


class ProgrammePage(_Answer):
    items: list[ProgrammeItem]
    next: None = Field(description="Always null: the whole programme is one page.")


class ProgrammeItemAsTold(_Answer):
    title_en: str
    title_zh: str
    starts_at: Moment
    ends_at: Moment


class ProgrammeChange(_Answer):
    item_id: int
    before: ProgrammeItemAsTold | None = Field(
        description="The item as the invited guests know it; null: it was added since."
    )
    after: ProgrammeItemAsTold | None = Field(
        description="The item now; null: it was taken off the programme since."
    )


class ProgrammeChanges(_Answer):
    """The programme's changes the invited guests were not told of, and who would be."""

    changes: list[ProgrammeChange]
    seen: str = Field(description="Send it back with the decision (POST): it names these changes.")
    invited: int = Field(ge=0, description="Guests who would be told (invited, not declined).")
    confirmed: int = Field(ge=0)
    waitlisted: int = Field(ge=0)

    @classmethod
    def of(cls, pending: told.PendingChanges) -> ProgrammeChanges:
        def side(value: dict[str, str] | None) -> dict[str, object] | None:
            if value is None:
                return None
            return {
                "title_en": value["title_en"],
                "title_zh": value["title_zh"],
                "starts_at": datetime.fromisoformat(value["starts_at"]).astimezone(UTC),
                "ends_at": datetime.fromisoformat(value["ends_at"]).astimezone(UTC),
            }

        return cls.model_validate(
            {
                "changes": [
                    {
                        "item_id": int(name.removeprefix(told.PREFIX)),
                        "before": side(before),
                        "after": side(after),
                    }
                    for name, (before, after) in pending.changes.items()
                ],
                "seen": pending.fingerprint,
                "invited": pending.audience.invited,
                "confirmed": pending.audience.confirmed,
                "waitlisted": pending.audience.waitlisted,
            }
        )


class ProgrammeNoticeRequest(_Body):
    """Tell the invited guests of the programme's changes, or keep them untold."""

    seen: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="`seen` from GET …/programme/changes: when the programme changed again "
        "since, nothing is decided (409)."
    )
    notify: bool = Field(
        description="true: one notice to each guest it concerns, in their language; false: "
        "the programme as it is becomes the one guests know, nobody is told (audited)."
    )


class ProgrammeNoticeDone(_Answer):
    items: int = Field(ge=1, description="How many items' changes were decided on.")
    queued: int = Field(ge=0, description="Notices queued (0 when `notify` was false).")


# -- guests' requests (name corrections, deputies) --------------------------------------------

RequestKindName: TypeAlias = Literal["name_change", "deputy", "companion"]
RequestStateName: TypeAlias = Literal["pending", "approved", "declined", "superseded"]


class RequestItem(_Answer):
    id: int
    guest_id: int
    kind: RequestKindName = Field(
        description="`name_change`: a correction of the guest's names or organization; "
        "`deputy`: someone to come in the guest's place; `companion`: someone to come with "
        "the guest (their role in `companion_role`)."
    )
    state: RequestStateName = Field(
        description="pending (awaiting a decision), approved, declined, or superseded (replaced "
        "by a newer request, or ended with the invitation, before anyone decided it)."
    )
    version: int = Field(
        ge=1, description="Send it with a decision: a request changed since is not decided."
    )
    name_en: str = Field(description="Asked for; for a name change, empty: not changed.")
    name_zh: str
    organization: str
    title: str = Field(description="A deputy's.")
    email: str = Field(description="A deputy's: their invitation goes to it.")
    language: LanguageName = Field(description="A deputy's language.")
    previous: dict[str, str] = Field(description="The guest's spelling when it was asked.")
    requested_by: str
    created_at: Moment
    decided_by: str = Field(description="Empty while pending.")
    decided_at: Moment | None
    deputy_id: int | None = Field(description="The deputy's guest id, once approved.")
    companion_role: Literal["aide", "interpreter", "security", "other"] | None = Field(
        default=None, description="An accompanying person's role; null for other requests."
    )


class RequestPage(_Answer):
    items: list[RequestItem] = Field(max_length=event_pages.MAX_PAGE)
    next: str | None = Field(
        description="The `cursor` of the next page; null on the last one. By id, the oldest "
        "first: a request made meanwhile comes on a later page."
    )


REQUEST_LIST_PARAMETERS = ("limit", "cursor", "state")


@dataclass(frozen=True)
class RequestQuery:
    page: PageQuery
    # None: every request; False: pending ones; True: decided ones.
    decided: bool | None


def request_query(args: Mapping[str, str]) -> RequestQuery:
    """A request list's page and its filter (`state`: pending, decided, or empty for all)."""
    for name in args:
        if name not in REQUEST_LIST_PARAMETERS:
            raise InvalidAnswer(_l("Unknown query parameter '%(field)s'."), field=name)
    page = page_query({k: v for k, v in args.items() if k in ("limit", "cursor")})
    state = args.get("state") or ""
    if state not in ("", "pending", "decided"):
        raise InvalidAnswer(
            _l("The value of '%(field)s' is not one the list takes."), field="state"
        )
    return RequestQuery(page=page, decided={"": None, "pending": False, "decided": True}[state])


class RequestDecision(_Body):
    """Approve a request, at the version the caller read."""

    version: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        None,
        description="The request's `version` the caller read; when it changed since, nothing "
        "is decided (409). Missing: the request as it is now.",
    )


class RequestDeclineRequest(RequestDecision):
    """Decline a request, at the version the caller read, with a reason for the guest."""

    reason: Annotated[str, _text(500, strip=True)] = Field(
        "", description="One line, told to the guest in the e-mail; empty: none given."
    )


class DeputyRequest(_Body):
    """The deputy an organizer names for a guest, approved as it is made."""

    name_en: Annotated[str, _text(200, strip=True)] = Field(
        "", description="The name in Latin script; this or `name_zh` is needed."
    )
    name_zh: Annotated[str, _text(200, strip=True)] = ""
    title: Annotated[str, _text(300, strip=True)] = ""
    organization: Annotated[str, _text(300, strip=True)] = ""
    email: Annotated[str, _text(254, strip=True)] = Field(
        description="The deputy's own invitation goes to it; not a guest of the event yet."
    )
    language: LanguageName = Field("en", description="The deputy's e-mails and pages.")


# -- the document's schemas ------------------------------------------------------------------


class _OpenApiSchemas(GenerateJsonSchema):
    """JSON Schema as the hand-written document had it: no titles on fields, and a nullable
    value of one simple type written as a list of types, its constraints beside it."""

    def field_title_should_be_set(self, schema: object) -> bool:
        return False

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        inner = self.generate_inner(schema["schema"])
        if not isinstance(inner.get("type"), str):
            return {"anyOf": [inner, {"type": "null"}]}
        nullable = {**inner, "type": [inner["type"], "null"]}
        if "enum" in inner:
            nullable["enum"] = [*inner["enum"], None]
        return nullable


CompanionRoleName: TypeAlias = Literal["aide", "interpreter", "security", "other"]


class CompanionRequest(_Body):
    """An accompanying person of a guest (services/companions.py): a role and a name in at
    least one script."""

    role: CompanionRoleName = Field(description="aide, interpreter, security or other.")
    name_en: Annotated[str, _text(200, strip=True)] = Field(
        "", description="The name in Latin script; this or `name_zh` is needed."
    )
    name_zh: Annotated[str, _text(200, strip=True)] = ""

    def details(self) -> companions.CompanionDetails:
        return companions.CompanionDetails(
            role=CompanionRole(self.role), name_en=self.name_en, name_zh=self.name_zh
        )


class CompanionChangeRequest(_Body):
    """A change of an accompanying person: the fields sent; the others stay."""

    role: CompanionRoleName | None = None
    name_en: Annotated[str, _text(200, strip=True)] | None = None
    name_zh: Annotated[str, _text(200, strip=True)] | None = None

    def details(self, companion: Guest) -> companions.CompanionDetails:
        role = companion.companion_role or CompanionRole.OTHER
        return companions.CompanionDetails(
            role=CompanionRole(self.role) if self.role is not None else role,
            name_en=companion.name_en if self.name_en is None else self.name_en,
            name_zh=companion.name_zh if self.name_zh is None else self.name_zh,
        )


class Companion(_Answer):
    id: int = Field(description="Their guest id: their badge and door scans are under it.")
    principal_id: int
    role: CompanionRoleName
    name_en: str
    name_zh: str
    removed: bool = Field(
        description="Removed, or their guest no longer comes: no seat, and the badge is dead."
    )
    seat: SeatStateName | None = Field(
        description="Their seat where the event seats accompanying persons; null otherwise."
    )
    inside: bool

    @classmethod
    def of(cls, guest: Guest) -> Companion:
        return cls(
            id=guest.id,
            principal_id=guest.principal_id or 0,
            role=(guest.companion_role or CompanionRole.OTHER).value,
            name_en=guest.name_en,
            name_zh=guest.name_zh,
            removed=guest.is_revoked,
            seat=guest.seat.state.value if guest.seat else None,
            inside=bool(guest.check_in and guest.check_in.inside),
        )


class CompanionList(_Answer):
    items: list[Companion]
    limit: int = Field(description="How many the guest may bring (the event's limit).")
    take_seats: bool


class TravelLegItem(_Answer):
    """A guest's arrival or departure, on the airport's clock (as on the ticket)."""

    date: str = Field(description="YYYY-MM-DD.")
    time: str = Field(description="HH:MM.")
    flight: str = Field(description='E.g. "BR 27".')
    airport: str = Field(description="`KHH`, `TPE` or `other`.")
    airport_name: str = Field(description="The airport's name, for `other`; else empty.")
    pickup: bool = Field(
        description="Arrival: to be picked up at the airport; departure: to be driven to it."
    )
    driver: str = Field(description="The driver or car an organizer assigned; empty: none yet.")
    driver_phone: str


class GuestTravelItem(_Answer):
    """A travelling guest's flights, pickups and hotel (no passport or visa data)."""

    guest_id: int
    name_en: str
    name_zh: str
    category: CategoryName
    arrival: TravelLegItem
    departure: TravelLegItem
    hotel: str
    hotel_booked: bool = Field(description="One of the hotels the organizers booked.")
    check_in: str
    check_out: str
    nights: int
    version: int = Field(description="Send it back with a PATCH: a change made since is refused.")
    given_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, travel: GuestTravel) -> GuestTravelItem:
        def leg(name: str) -> TravelLegItem:
            return TravelLegItem(
                date=getattr(travel, f"{name}_date").isoformat(),
                time=getattr(travel, f"{name}_time").strftime("%H:%M"),
                flight=getattr(travel, f"{name}_flight"),
                airport=getattr(travel, f"{name}_airport").value,
                airport_name=getattr(travel, f"{name}_airport_name"),
                pickup=getattr(travel, f"{name}_pickup"),
                driver=getattr(travel, f"{name}_driver"),
                driver_phone=getattr(travel, f"{name}_driver_phone"),
            )

        guest = travel.guest
        return cls(
            guest_id=guest.id,
            name_en=guest.name_en,
            name_zh=guest.name_zh,
            category=guest.category.value,
            arrival=leg("arrival"),
            departure=leg("departure"),
            hotel=travel.hotel_name,
            hotel_booked=travel.hotel_choice == HotelChoice.BOOKED,
            check_in=travel.check_in.isoformat(),
            check_out=travel.check_out.isoformat(),
            nights=(travel.check_out - travel.check_in).days,
            version=travel.version,
            given_at=travel.given_at.astimezone(UTC),
            updated_at=travel.updated_at.astimezone(UTC),
        )


class TravelBoard(_Answer):
    """The event's travelling guests, by arrival (day and time)."""

    offered: int = Field(description="Guests offered travel.")
    given: int = Field(description="Of them, those who gave their details.")
    items: list[GuestTravelItem]


class PickupRequest(_Body):
    """The driver or car of a guest's pickup (arrival) or ride to the airport (departure)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    leg: Literal["arrival", "departure"]
    driver: Annotated[str, _text(travel_board.DRIVER_LENGTH, strip=True)] = Field(
        description="The driver's name or the car; empty takes the assignment back."
    )
    driver_phone: Annotated[str, _text(travel_board.PHONE_LENGTH, strip=True)] = ""
    version: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        None,
        description="The travel's `version` the change was made from: when the guest or "
        "someone else changed it since, nothing is saved (409).",
    )


# -- the event's own questions on the RSVP form (services/questions/) --------------------------

QuestionKindName: TypeAlias = Literal[
    "short_text", "long_text", "one_choice", "several_choices", "yes_no", "number", "date"
]
QuestionLabel: TypeAlias = Annotated[str, _text(questions.LENGTHS["label_en"], strip=True)]
QuestionHelp: TypeAlias = Annotated[str, _text(questions.LENGTHS["help_en"], strip=True)]
QuestionBound: TypeAlias = Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000)]
# The most questions an event's move names a place among.
MAX_QUESTIONS = 200


class QuestionChoiceRequest(_Body):
    """A choice of a one-choice or several-choices question."""

    model_config = ConfigDict(strict=True, extra="forbid")

    key: Annotated[str, _text(40, strip=True)] = Field(
        description="What answers store: small letters, digits, - and _, starting with a "
        "letter or a digit; unique within the question. Kept once guests answered."
    )
    en: Annotated[str, _text(questions.CHOICE_TEXT_LENGTH, strip=True)] = Field(
        "", description="This or `zh` is needed."
    )
    zh: Annotated[str, _text(questions.CHOICE_TEXT_LENGTH, strip=True)] = ""

    def choice(self) -> questions.Choice:
        return questions.Choice(self.key, self.en, self.zh)


QuestionChoices: TypeAlias = Annotated[
    list[QuestionChoiceRequest], Field(max_length=questions.MOST_CHOICES)
]
QuestionCategories: TypeAlias = Annotated[list[CategoryName], Field(max_length=6)]


class QuestionRequest(_Body):
    """A question of the event's own, with the questions editor's rules."""

    model_config = ConfigDict(strict=True, extra="forbid")

    kind: QuestionKindName
    label_en: QuestionLabel = Field("", description="This or `label_zh` is needed.")
    label_zh: QuestionLabel = ""
    help_en: QuestionHelp = ""
    help_zh: QuestionHelp = ""
    choices: QuestionChoices = Field(
        [], description="For one_choice and several_choices: 2 to 50, in order."
    )
    required: bool = Field(False, description="Guests who attend must answer it.")
    categories: QuestionCategories = Field(
        [], description="The categories of guests asked; empty: every guest."
    )
    number_min: QuestionBound | None = Field(None, description="For a number: the least.")
    number_max: QuestionBound | None = Field(None, description="For a number: the greatest.")
    in_guest_list: bool = Field(False, description="A column of the console's guest list.")

    def details(self) -> questions.QuestionDetails:
        return questions.QuestionDetails(
            kind=QuestionKind(self.kind),
            label_en=self.label_en,
            label_zh=self.label_zh,
            help_en=self.help_en,
            help_zh=self.help_zh,
            choices=tuple(choice.choice() for choice in self.choices),
            required=self.required,
            categories=tuple(Category(code) for code in self.categories),
            number_min=self.number_min,
            number_max=self.number_max,
            in_guest_list=self.in_guest_list,
        )


class QuestionChangeRequest(_Body):
    """Changes to a question: the fields sent, the others as they are. Once guests answered,
    what would make their answers wrong is refused (400, naming what)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    kind: QuestionKindName | None = None
    label_en: QuestionLabel | None = None
    label_zh: QuestionLabel | None = None
    help_en: QuestionHelp | None = None
    help_zh: QuestionHelp | None = None
    choices: QuestionChoices | None = None
    required: bool | None = None
    categories: QuestionCategories | None = None
    number_min: QuestionBound | None = None
    number_max: QuestionBound | None = None
    in_guest_list: bool | None = None

    def details(self, question: EventQuestion) -> questions.QuestionDetails:
        sent = self.model_fields_set

        def value(name: str, stored: object) -> object:
            return getattr(self, name) if name in sent else stored

        choices = (
            tuple(choice.choice() for choice in self.choices or [])
            if "choices" in sent
            else tuple(
                questions.Choice(c["key"], c.get("en", ""), c.get("zh", ""))
                for c in question.choices
            )
        )
        categories = (
            tuple(Category(code) for code in self.categories or [])
            if "categories" in sent
            else tuple(question.category_list)
        )
        return questions.QuestionDetails(
            kind=QuestionKind(self.kind) if self.kind else question.kind,
            label_en=str(value("label_en", question.label_en) or ""),
            label_zh=str(value("label_zh", question.label_zh) or ""),
            help_en=str(value("help_en", question.help_en) or ""),
            help_zh=str(value("help_zh", question.help_zh) or ""),
            choices=choices,
            required=bool(value("required", question.required)),
            categories=categories,
            number_min=self.number_min if "number_min" in sent else question.number_min,
            number_max=self.number_max if "number_max" in sent else question.number_max,
            in_guest_list=bool(value("in_guest_list", question.in_guest_list)),
        )


class QuestionMoveRequest(_Body):
    """Put a question at another place on the form (1 = first)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    position: Annotated[int, Field(ge=1, le=MAX_QUESTIONS)] = Field(
        description="The new place; at most the number of questions (400 otherwise)."
    )
    from_position: Annotated[int, Field(ge=1, le=MAX_QUESTIONS)] | None = Field(
        None,
        description="Where the caller saw the question; when it is elsewhere now, nothing "
        "moves (409). Missing: wherever the question is.",
    )


class QuestionChoiceItem(_Answer):
    key: str
    en: str
    zh: str


class QuestionItem(_Answer):
    id: int
    position: int = Field(ge=1, description="Its place on the RSVP form.")
    kind: QuestionKindName
    label_en: str
    label_zh: str
    help_en: str
    help_zh: str
    choices: list[QuestionChoiceItem]
    required: bool
    categories: list[CategoryName] = Field(description="Empty: every guest is asked.")
    number_min: int | None
    number_max: int | None
    in_guest_list: bool
    answers: int = Field(ge=0, description="How many guests answered it.")

    @classmethod
    def of(cls, question: EventQuestion, answers: int) -> QuestionItem:
        return cls.model_validate(
            {
                "id": question.id,
                "position": question.position,
                "kind": question.kind.value,
                "label_en": question.label_en,
                "label_zh": question.label_zh,
                "help_en": question.help_en,
                "help_zh": question.help_zh,
                "choices": [
                    {"key": c["key"], "en": c.get("en", ""), "zh": c.get("zh", "")}
                    for c in question.choices
                ],
                "required": question.required,
                "categories": question.categories.split(),
                "number_min": question.number_min,
                "number_max": question.number_max,
                "in_guest_list": question.in_guest_list,
                "answers": answers,
            }
        )


class QuestionPage(_Answer):
    items: list[QuestionItem]
    next: None = Field(description="Always null: every question is on one page.")


REQUESTS = (
    QuestionRequest,
    QuestionChangeRequest,
    QuestionMoveRequest,
    ScanRequest,
    CheckInRequest,
    AdmitRequest,
    LetInRequest,
    WalkInRequest,
    ReceiverRequest,
    GuestRequest,
    GuestChangeRequest,
    BulkGuest,
    AnswerRequest,
    CapacityRequest,
    WaitlistMoveRequest,
    MessagesRequest,
    EventRequest,
    EventChangeRequest,
    EventCopyRequest,
    EventCancelRequest,
    ProgrammeItemRequest,
    ProgrammeItemChangeRequest,
    ProgrammeMoveRequest,
    ProgrammeNoticeRequest,
    RequestDecision,
    RequestDeclineRequest,
    DeputyRequest,
    CompanionRequest,
    CompanionChangeRequest,
    PickupRequest,
)
ANSWERS = (
    ScanResult,
    WalkInResult,
    Receiver,
    Occupancy,
    GuestList,
    DoorListAnswer,
    EventSummary,
    EventPage,
    GuestItem,
    GuestPage,
    GuestLink,
    Error,
    BulkResult,
    GuestAnswer,
    BulkError,
    SeatCounts,
    SeatsChanged,
    WaitlistPage,
    WaitlistMoved,
    MessagesQueued,
    MessagePage,
    ScanPage,
    CheckInPage,
    EventItem,
    ProgrammeItem,
    ProgrammePage,
    ProgrammeChanges,
    ProgrammeNoticeDone,
    RequestItem,
    RequestPage,
    Companion,
    CompanionList,
    GuestTravelItem,
    TravelBoard,
    QuestionItem,
    QuestionPage,
    RoomOccupancy,
)


def json_schemas(ref_template: str) -> dict[str, JsonSchemaValue]:
    """Every model's JSON Schema by name, the models they hold included."""
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (model, "validation") for model in REQUESTS
    ]
    models += [(model, "serialization") for model in ANSWERS]
    _, top = models_json_schema(
        models,
        ref_template=ref_template,
        schema_generator=_OpenApiSchemas,
    )
    defs: dict[str, JsonSchemaValue] = top["$defs"]
    return defs
