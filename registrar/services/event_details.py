"""What an organizer edits about an event, and the rules it must keep (services/events.py saves).

Every problem is named with the field it belongs to, so that a form shows it next to that field;
all of them are found at once, so that one save shows every mistake.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from functools import cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from ..errors import InvalidAnswer
from ..extensions import db
from ..models import AgendaItem, Category, Channel, DoorNoAnswer, Event, column_length
from ..text import has_control_characters
from .companions import format_limits, parse_limits


@dataclass(frozen=True)
class EventDetails:
    """Every field of the event's editor. Times are aware datetimes (see `local_moment`)."""

    slug: str
    title_en: str
    title_zh: str
    venue_en: str
    venue_zh: str
    room_en: str
    room_zh: str
    timezone: str
    doors_open_at: datetime
    starts_at: datetime
    ends_at: datetime
    rsvp_deadline: datetime
    capacity: int
    held_seats: int = 0
    # The interpretation offered; the floor language is always offered besides.
    channels: tuple[Channel, ...] = (Channel.EN, Channel.ZH)
    short_name: str = ""
    description_en: str = ""
    description_zh: str = ""
    address_en: str = ""
    address_zh: str = ""
    map_url: str = ""
    organizers_en: str = ""
    organizers_zh: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    mail_sender_name: str = ""
    mail_reply_to: str = ""
    # The event's own paragraph atop the invitation: plain text, line breaks kept.
    intro_en: str = ""
    intro_zh: str = ""
    # What the door does with an invited guest who never answered.
    door_no_answer: DoorNoAnswer = DoorNoAnswer.DESK
    # Whether door staff may register walk-ins.
    door_walk_ins: bool = False
    # Whether a guest's small correction of their name applies without approval until badges
    # are printed (services/requests/name_changes.py).
    small_corrections: bool = False
    # The categories whose guests may not propose a deputy through their link.
    no_deputies: tuple[Category, ...] = ()
    # How many accompanying persons a guest of each category may bring, as "vip=2 speaker=1"
    # (services/companions.py), and whether they take seats in the room.
    companion_limits: str = ""
    companions_take_seats: bool = False
    # The categories whose guests are offered travel (services/travel/).
    travel_categories: tuple[Category, ...] = ()
    # The letterhead of the visa invitation letters (services/travel/letters.py).
    letter_organizer_en: str = ""
    letter_organizer_zh: str = ""
    letter_address_en: str = ""
    letter_address_zh: str = ""
    letter_signatory: str = ""
    letter_signatory_title_en: str = ""
    letter_signatory_title_zh: str = ""

    @classmethod
    def of(cls, event: Event) -> EventDetails:
        lists = ("channels", "no_deputies", "travel_categories")
        values = {f.name: getattr(event, f.name) for f in fields(cls) if f.name not in lists}
        return cls(
            **values,
            channels=tuple(c for c in event.offered_channels),
            no_deputies=tuple(event.categories_without_deputies),
            travel_categories=tuple(event.categories_offered_travel),
        )

    def column_values(self) -> dict[str, object]:
        """The details as the Event's columns hold them."""
        values: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        offered = dict.fromkeys(c for c in self.channels if c != Channel.FLOOR)
        values["channels"] = " ".join(c.value for c in offered)
        # In the order of Category, each once, so that the same choice is the same text.
        values["no_deputies"] = " ".join(c.value for c in Category if c in self.no_deputies)
        values["travel_categories"] = " ".join(
            c.value for c in Category if c in self.travel_categories
        )
        try:
            # The same limits are the same text, whichever way they were written.
            values["companion_limits"] = format_limits(parse_limits(self.companion_limits))
        except InvalidAnswer:
            pass  # refused by validate()
        return values


def cleaned(details: EventDetails) -> EventDetails:
    """The details as typed, without the white space around each text; the slug lower-case."""
    values = {
        f.name: getattr(details, f.name).strip()
        for f in fields(details)
        # A choice of an enum (a str too) is kept as the member it is.
        if isinstance(getattr(details, f.name), str)
        and not isinstance(getattr(details, f.name), enum.Enum)
    }
    values["slug"] = values["slug"].lower()
    return replace(details, **values)


# Everything but the descriptions goes on one line (a title in an e-mail's subject, a name in
# its From header).
MULTI_LINE = frozenset({"description_en", "description_zh", "intro_en", "intro_zh"})
TEXT_FIELDS = tuple(
    f.name
    for f in fields(EventDetails)
    if f.type == "str" and f.name not in {"timezone"} | MULTI_LINE
)
# Descriptions are Text columns; this keeps a page readable and a paste of a whole file out.
DESCRIPTION_LENGTH = 5000
# The invitation's own paragraph: a few sentences, not a second programme.
INTRO_LENGTH = 1500
INTRO_FIELDS = ("intro_en", "intro_zh")
TIME_FIELDS = ("doors_open_at", "starts_at", "ends_at", "rsvp_deadline")
# Seats an event may have: the capacity form's range.
MAX_CAPACITY = 100000
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
# Digits, spaces and what phone numbers are written with: +886 7 123 4567, (07) 123-4567 ext. 8.
PHONE = re.compile(r"^[0-9+()./\- ]*(?:(?:ext|ext\.|#)\s*[0-9]+)?$", re.IGNORECASE)
# Zones offered first in the editor: where this app's forums are held and whence guests come.
COMMON_ZONES = (
    "Asia/Taipei",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Hong_Kong",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "UTC",
)


@cache
def time_zones() -> tuple[str, ...]:
    """The zones an event may be in: the common ones first, then every other one by name."""
    known = available_timezones()
    common = tuple(zone for zone in COMMON_ZONES if zone in known)
    return common + tuple(sorted(known - set(common)))


def is_time_zone(name: str) -> bool:
    return name in time_zones()


def local_moment(day: date, at: time, zone: str) -> datetime:
    """The moment `day` at `at` on the clocks of `zone` (an event's times are entered so)."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone))


def local(moment: datetime, zone: str) -> datetime:
    """The moment on the clocks of the zone, as the editor shows it."""
    return moment.astimezone(ZoneInfo(zone))


def shift_days(moment: datetime, days: int, zone: str) -> datetime:
    """The same time of day on the zone's clocks, `days` later: 13:30 stays 13:30 across a
    change to summer time, which a shift by a fixed number of hours would not keep."""
    wall = local(moment, zone).replace(tzinfo=None) + timedelta(days=days)
    return wall.replace(tzinfo=ZoneInfo(zone))


# Records that a field breaks a rule: refuse(field, message, **params of the message).
Refuse = Callable[..., None]


class EventInvalid(InvalidAnswer):
    """The details break rules; `errors` says which field breaks which, for the form."""

    default_message = _l("The event was not saved: please correct the fields marked.")

    def __init__(self, errors: dict[str, str]):
        super().__init__()
        self.errors = errors


def validate(
    details: EventDetails,
    confirmed_count: int,
    *,
    event_id: int | None = None,
    programme_shift: timedelta = timedelta(0),
) -> None:
    """Raise EventInvalid naming every field that breaks a rule; return when none does.

    `confirmed_count`: guests holding a confirmed seat now, which the seats left for guests
    may not go below. `event_id`: the event being edited (None for a new one), whose slug is
    its own and whose programme must fit in the new hours, once moved by `programme_shift`.
    """
    errors: dict[str, str] = {}

    def refuse(field: str, message: object, **params: object) -> None:
        errors.setdefault(field, str(message) % params if params else str(message))

    _check_texts(details, refuse)
    if not SLUG.match(details.slug):
        refuse(
            "slug",
            _l("Use 1 to 64 lower-case letters, digits and hyphens, e.g. citycop-2026."),
        )
    elif _slug_taken(details.slug, event_id):
        refuse("slug", _l("Another event already has this short address."))
    if not (details.title_en.strip() or details.title_zh.strip()):
        refuse("title_en", _l("Give the title in at least one language."))
    if not (details.venue_en.strip() or details.venue_zh.strip()):
        refuse("venue_en", _l("Give the venue in at least one language."))
    if not is_time_zone(details.timezone):
        refuse("timezone", _l("Choose a time zone from the list."))
    _check_times(details, refuse)
    _check_seats(details, confirmed_count, refuse)
    for channel in details.channels:
        if not isinstance(channel, Channel):
            refuse("channels", _l("Choose the channels from the list."))
    if not isinstance(details.door_no_answer, DoorNoAnswer):
        refuse("door_no_answer", _l("Choose what the door does from the list."))
    try:
        parse_limits(details.companion_limits)
    except InvalidAnswer as exc:
        refuse("companion_limits", str(exc))
    if event_id is not None and "starts_at" not in errors and "ends_at" not in errors:
        _check_programme(details, event_id, programme_shift, refuse)
    if errors:
        raise EventInvalid(errors)


def _check_texts(details: EventDetails, refuse: Refuse) -> None:
    for name in (*TEXT_FIELDS, *MULTI_LINE):
        value = getattr(details, name)
        if name in INTRO_FIELDS:
            limit = INTRO_LENGTH
        elif name in MULTI_LINE:
            limit = DESCRIPTION_LENGTH
        else:
            limit = column_length(Event, name)
        if len(value) > limit:
            refuse(name, _l("At most %(max)d characters, please."), max=limit)
        elif name not in MULTI_LINE and has_control_characters(value):
            refuse(name, _l("Write this on one line, without line breaks or tabs."))
    for name in ("contact_email", "mail_reply_to"):
        value = getattr(details, name)
        if value:
            try:
                validate_email(value, check_deliverability=False)
            except EmailNotValidError:
                refuse(name, _l("Not a valid e-mail address."))
    if details.map_url:
        parts = urlsplit(details.map_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in details.map_url:
            refuse("map_url", _l("Give the whole address of the map, starting with https://."))
    phone = details.contact_phone
    if phone and not (PHONE.match(phone) and any(c.isdigit() for c in phone)):
        refuse("contact_phone", _l("Write the phone number with digits, spaces, + ( ) and -."))


def _check_times(details: EventDetails, refuse: Refuse) -> None:
    if details.ends_at <= details.starts_at:
        refuse("ends_at", _l("The end must be after the start."))
    if details.doors_open_at > details.starts_at:
        refuse("doors_open_at", _l("Doors must open at or before the start."))
    if details.rsvp_deadline > details.starts_at:
        refuse("rsvp_deadline", _l("The reply deadline must be at or before the start."))


def _check_seats(details: EventDetails, confirmed_count: int, refuse: Refuse) -> None:
    for name in ("capacity", "held_seats"):
        if not 0 <= getattr(details, name) <= MAX_CAPACITY:
            refuse(name, _l("Enter a number from 0 to %(max)s."), max=MAX_CAPACITY)
    if details.held_seats > details.capacity:
        refuse("held_seats", _l("Held seats cannot exceed the capacity."))
    elif details.capacity - details.held_seats < confirmed_count:
        refuse(
            "capacity",
            _l(
                "%(confirmed)s guests already hold confirmed seats; capacity less held seats "
                "cannot go below that."
            ),
            confirmed=confirmed_count,
        )


def _check_programme(
    details: EventDetails, event_id: int, shift: timedelta, refuse: Refuse
) -> None:
    """The programme, moved by `shift`, must fit in the event's hours: name the first item that
    would not. (The hours are moved back instead of the items: SQLite has no datetime sums.)"""
    starts, ends = details.starts_at - shift, details.ends_at - shift
    outside = db.session.scalars(
        sa.select(AgendaItem)
        .where(
            AgendaItem.event_id == event_id,
            sa.or_(AgendaItem.starts_at < starts, AgendaItem.ends_at > ends),
        )
        .order_by(AgendaItem.starts_at)
    ).first()
    if outside is None:
        return
    zone = details.timezone if is_time_zone(details.timezone) else "UTC"
    start, end = local(outside.starts_at + shift, zone), local(outside.ends_at + shift, zone)
    field = "starts_at" if outside.starts_at < starts else "ends_at"
    refuse(
        field,
        _l(
            "The programme item “%(item)s” (%(start)s–%(end)s) would be outside the event's "
            "hours: change the programme first, or choose other times."
        ),
        item=outside.title_en or outside.title_zh,
        start=f"{start:%H:%M}",
        end=f"{end:%H:%M}",
    )


def _slug_taken(slug: str, event_id: int | None) -> bool:
    query = sa.select(Event.id).where(Event.slug == slug)
    if event_id is not None:
        query = query.where(Event.id != event_id)
    return db.session.scalar(query) is not None


def changes_between(event: Event, details: EventDetails) -> dict[str, tuple[object, object]]:
    """{field: (stored, new)} for every field the details would change."""
    stored = EventDetails.of(event).column_values()
    wanted = details.column_values()
    return {name: (stored[name], wanted[name]) for name in wanted if stored[name] != wanted[name]}
