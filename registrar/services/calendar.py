"""Calendar entries for a guest's seat: the .ics file and the "Add to Google Calendar" link.

Texts come out in the current locale; the mail sender sets the guest's (mail.render.guest_language).
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from email.utils import parseaddr
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import icalendar
from flask import current_app
from flask_babel import gettext as _

from ..errors import NotFound
from ..i18n import bilingual, zone_name
from ..models import Event, Guest, SeatState, utcnow
from . import invitations

PRODID = "-//registrar//invitations and seats//EN"
# PUBLISH: "put this in your calendar", with no reply expected (REQUEST would make calendar
# apps offer accept/decline buttons whose answers never reach us). CANCEL removes the entry
# that an earlier PUBLISH with the same UID put there.
PUBLISH = "PUBLISH"
CANCEL = "CANCEL"
GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"

# SEQUENCE must grow with every version of an entry; seconds since this moment always do,
# and the event's calendar_sequence keeps an entry made after guests were told of a change
# above every one made before (raise_sequence).
_SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def _seconds(now: datetime) -> int:
    return int((now - _SEQUENCE_EPOCH).total_seconds())


def sequence(event: Event, now: datetime) -> int:
    """The SEQUENCE of an entry made now: every .ics of the event carries it."""
    return max(_seconds(now), event.calendar_sequence)


def raise_sequence(event: Event, now: datetime | None = None) -> int:
    """Put every entry made from now on above every entry made so far (guests are told of a
    change): past this second, so one made in the same second or by a host whose clock is a
    little behind still loses."""
    event.calendar_sequence = max(event.calendar_sequence + 1, _seconds(now or utcnow()) + 1)
    return event.calendar_sequence


def uid_for(guest: Guest) -> str:
    """The same for every version of this guest's entry, so that a newer one replaces it."""
    host = urlsplit(current_app.config["REGISTRAR_BASE_URL"]).hostname or "registrar.invalid"
    return f"event-{guest.event_id}-guest-{guest.id}@{host}"


def location(event: Event) -> str:
    """Room and venue, and the street address when the event has one (calendars map it)."""
    place = _("%(room)s, %(venue)s", room=bilingual(event, "room"), venue=bilingual(event, "venue"))
    address = bilingual(event, "address")
    return f"{place}, {address}" if address else place


def _local(event: Event, moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(event.timezone)).replace(microsecond=0)


def _summary_lines(event: Event) -> list[str]:
    doors = _local(event, event.doors_open_at)
    lines = [
        _("Doors open at %(time)s (%(zone)s).", time=f"{doors:%H:%M}", zone=zone_name(event)),
        location(event),
    ]
    if event.map_url:
        lines.append(_("Map: %(url)s", url=event.map_url))
    contact = " · ".join(
        part for part in (event.contact_name, event.contact_email, event.contact_phone) if part
    )
    if contact:
        lines.append(_("Contact: %(contact)s", contact=contact))
    return lines


def has_calendar_entry(guest: Guest) -> bool:
    """Only a confirmed seat goes into the guest's calendar."""
    seat = guest.seat
    return not guest.is_revoked and seat is not None and seat.state == SeatState.CONFIRMED


def guest_calendar(guest: Guest, *, cancelled: bool = False, now: datetime | None = None) -> bytes:
    """The guest's entry for the event as an iCalendar file.

    A cancelled entry carries the same UID with METHOD:CANCEL and STATUS:CANCELLED, so that a
    calendar which has the entry removes it.
    """
    if not cancelled and not has_calendar_entry(guest):
        raise NotFound(_("There is a calendar entry only for a confirmed seat."))
    event = guest.event
    now = now or utcnow()
    link = invitations.invitation_url(guest)

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", CANCEL if cancelled else PUBLISH)

    entry = icalendar.Event()
    entry.add("uid", uid_for(guest))
    entry.add("sequence", sequence(event, now))
    entry.add("dtstamp", now.astimezone(UTC))
    entry.add("dtstart", _local(event, event.starts_at))
    entry.add("dtend", _local(event, event.ends_at))
    entry.add("summary", bilingual(event, "title"))
    entry.add("location", location(event))
    lines = _summary_lines(event)
    if not cancelled:
        lines.append(_("Your invitation, to change your answer: %(link)s", link=link))
        entry.add("url", link)
    entry.add("description", "\n".join(lines))
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    entry.add("transp", "OPAQUE")
    if cancelled:
        # RFC 5546 wants the organizer and the attendee on a cancellation.
        sender = current_app.config["REGISTRAR_MAIL_FROM"]
        entry.add("organizer", f"mailto:{parseaddr(sender)[1]}")
        entry.add("attendee", f"mailto:{guest.email}")
    calendar.add_component(entry)
    # The VTIMEZONE for the TZID that DTSTART and DTEND carry (Asia/Taipei), before the entry,
    # as add_missing_timezones() puts it.
    for position, tzid in enumerate(sorted(calendar.get_missing_tzids())):
        timezone = _timezone(tzid)
        if timezone is not None:
            calendar.subcomponents.insert(position, timezone)
    ical: bytes = calendar.to_ical()
    return ical


@functools.lru_cache(maxsize=32)
def _timezone(tzid: str) -> icalendar.Timezone | None:
    """The VTIMEZONE of a zone, as add_missing_timezones() makes it (its transitions from 1970
    to 2038), built once per zone and process: building it walks the zone's rules hour by hour
    (most of an .ics file's cost otherwise). Only read afterwards, never changed."""
    try:
        return icalendar.Timezone.from_tzid(tzid)
    except ValueError:
        return None  # a zone icalendar does not know gets none, as there


def filename(event: Event) -> str:
    stem = "".join(c if c.isascii() and c.isalnum() else "-" for c in event.slug).strip("-")
    return f"{stem or 'event'}.ics"


def google_calendar_url(event: Event) -> str:
    """A link that opens Google Calendar with the event filled in.

    It carries only what the public event page says, never the guest's personal link: the URL
    goes to Google.
    """
    fmt = "%Y%m%dT%H%M%SZ"
    params = {
        "action": "TEMPLATE",
        "text": bilingual(event, "title"),
        "dates": f"{event.starts_at.astimezone(UTC):{fmt}}/{event.ends_at.astimezone(UTC):{fmt}}",
        "details": "\n".join(_summary_lines(event)),
        "location": location(event),
        "ctz": event.timezone,
    }
    return f"{GOOGLE_CALENDAR}?{urlencode(params)}"
