"""What a programme item or a person on it may hold: one-line texts within the columns' sizes,
a title or a name in at least one language, times typed as "HH:MM" on the event's day within
the event's hours, and no two items overlapping; and the errors a refused change raises."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from ...errors import DomainError, InvalidAnswer
from ...i18n import bilingual
from ...models import AgendaItem, AgendaKind, AgendaPerson, Event, PersonRole, column_length
from ...text import ONE_LINE_MESSAGE, has_control_characters

# The longest value per text field: the columns' own sizes.
ITEM_LENGTHS = {name: column_length(AgendaItem, name) for name in ("title_en", "title_zh")}
PERSON_LENGTHS = {
    name: column_length(AgendaPerson, name)
    for name in ("name_en", "name_zh", "title_en", "title_zh", "affiliation_en", "affiliation_zh")
}

# A time of day as a time field sends it: "HH:MM", seconds allowed only when they are ":00".
# ASCII digits only ([0-9], not \d, which takes any script's digits).
_HHMM = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])(?::00)?")


class ProgrammeError(InvalidAnswer):
    """A programme change refused. `field` names the form field the message belongs to."""

    def __init__(
        self, message: str | None = None, *, field: str | None = None, **params: object
    ) -> None:
        super().__init__(message, **params)
        self.field = field


class ProgrammeChanged(DomainError):
    """The organizer moved something on a programme that is no longer as the page showed it."""

    status = 409
    default_message = _l(
        "The programme changed since this page was shown, so nothing was moved. Here it is as "
        "it stands now."
    )


@dataclass(frozen=True)
class ItemDetails:
    """What the organizer types about a session or a break."""

    kind: AgendaKind
    starts: str  # "HH:MM", the event's day and zone
    ends: str
    title_en: str = ""
    title_zh: str = ""
    # A session guests choose to attend (services/seats/sessions.py); never a break.
    choosable: bool = False


@dataclass(frozen=True)
class PersonDetails:
    """What the organizer types about a speaker or a moderator."""

    role: PersonRole
    name_en: str = ""
    name_zh: str = ""
    title_en: str = ""
    title_zh: str = ""
    affiliation_en: str = ""
    affiliation_zh: str = ""
    # The guest of the event this person is, if any (services/protocol: the arrival desk and
    # the place cards show them).
    guest_id: int | None = None


# -- times -----------------------------------------------------------------------------------


def zone_of(event: Event) -> ZoneInfo:
    return ZoneInfo(event.timezone)


def clock(event: Event, moment: datetime) -> str:
    """The moment as "HH:MM" in the event's time zone (what the forms show and take)."""
    return moment.astimezone(zone_of(event)).strftime("%H:%M")


def _at(event: Event, text: str, field: str) -> datetime:
    """The "HH:MM" typed, on the event's day in its zone; the next day for an event that runs
    past midnight and a time before its start."""
    found = _HHMM.fullmatch(text.strip())
    if found is None:
        raise ProgrammeError(_l('Enter a time of day as "HH:MM", e.g. 13:30.'), field=field)
    zone = zone_of(event)
    day = event.starts_at.astimezone(zone).date()
    moment = datetime.combine(day, time(int(found[1]), int(found[2])), tzinfo=zone)
    if moment < event.starts_at and moment + timedelta(days=1) <= event.ends_at:
        moment += timedelta(days=1)
    return moment


# -- checking what was typed -----------------------------------------------------------------


def _cleaned(values: dict[str, str], lengths: dict[str, int]) -> dict[str, str]:
    cleaned = {}
    for name, limit in lengths.items():
        value = (values.get(name) or "").strip()
        if has_control_characters(value):
            raise ProgrammeError(ONE_LINE_MESSAGE, field=name)
        if len(value) > limit:
            raise ProgrammeError(_l("At most %(max)d characters, please."), field=name, max=limit)
        cleaned[name] = value
    return cleaned


def checked_item(details: ItemDetails) -> ItemDetails:
    texts = _cleaned({"title_en": details.title_en, "title_zh": details.title_zh}, ITEM_LENGTHS)
    if not (texts["title_en"] or texts["title_zh"]):
        raise ProgrammeError(
            _l("Please give a title in English or in Chinese (both, if you can)."),
            field="title_en",
        )
    try:
        kind = AgendaKind(details.kind)
    except ValueError:
        raise ProgrammeError(_l("Please choose session or break."), field="kind") from None
    choosable = bool(details.choosable)
    if choosable and kind != AgendaKind.SESSION:
        raise ProgrammeError(
            _l("Only a session can be one that guests choose; a break cannot."), field="choosable"
        )
    return ItemDetails(
        kind=kind, starts=details.starts, ends=details.ends, choosable=choosable, **texts
    )


def checked_person(details: PersonDetails) -> PersonDetails:
    values = {name: getattr(details, name) for name in PERSON_LENGTHS}
    texts = _cleaned(values, PERSON_LENGTHS)
    if not (texts["name_en"] or texts["name_zh"]):
        raise ProgrammeError(
            _l("Please give the person's name in at least one script."), field="name_en"
        )
    try:
        role = PersonRole(details.role)
    except ValueError:
        raise ProgrammeError(_l("Please choose speaker or moderator."), field="role") from None
    guest_id = details.guest_id
    if guest_id is not None and (
        isinstance(guest_id, bool) or not isinstance(guest_id, int) or guest_id < 1
    ):
        raise ProgrammeError(_l("Choose the guest from this event's list."), field="guest")
    return PersonDetails(role=role, guest_id=guest_id, **texts)


def item_times(event: Event, details: ItemDetails) -> tuple[datetime, datetime]:
    starts = _at(event, details.starts, "starts")
    ends = _at(event, details.ends, "ends")
    if ends <= starts:
        raise ProgrammeError(_l("The item must end after it starts."), field="ends")
    return starts, ends


def require_within_hours(
    starts: datetime, ends: datetime, opens: datetime, closes: datetime, zone: ZoneInfo
) -> None:
    """The item lies within the event's hours (`opens` to `closes`, shown in `zone`)."""
    hours = {
        "start": opens.astimezone(zone).strftime("%H:%M"),
        "end": closes.astimezone(zone).strftime("%H:%M"),
    }
    if starts < opens:
        raise ProgrammeError(
            _l("The event runs from %(start)s to %(end)s: an item cannot start before that."),
            field="starts",
            **hours,
        )
    if ends > closes:
        raise ProgrammeError(
            _l("The event runs from %(start)s to %(end)s: an item cannot end after that."),
            field="ends",
            **hours,
        )


def require_fits(event: Event, starts: datetime, ends: datetime, but: AgendaItem | None) -> None:
    """Within the event's hours, and clear of every other item."""
    require_within_hours(starts, ends, event.starts_at, event.ends_at, zone_of(event))
    for other in event.agenda:
        if other is not but and other.starts_at < ends and starts < other.ends_at:
            raise ProgrammeError(
                _l(
                    "This would overlap “%(title)s” (%(start)s–%(end)s): the room holds one "
                    "item at a time. Choose other times, or change that item first."
                ),
                field="starts",
                title=bilingual(other, "title"),
                start=clock(event, other.starts_at),
                end=clock(event, other.ends_at),
            )
