"""Calendar entries for a guest's seat: the .ics file and the "Add to Google Calendar" link.

Texts come out in the current locale; the mail sender sets the guest's (mail.render.guest_language).

In an event whose guests choose sessions (services/seats/sessions.py) the file holds one entry
(VEVENT) per session the guest is CONFIRMED in, with that session's own start, end and title:
a guest coming only for Session 3 is not shown busy during Session 2, and the break stays free.
Each entry has its own UID (event, guest and session: session_uid_for), the same in every
version, so that a later file replaces it. A session the guest was once confirmed in (the audit
log says so) and is not now is in the file too, with STATUS:CANCELLED under the same UID, so
that the calendar drops the entry it holds for it; a session never confirmed gets no entry at
all, nor does one the guest only waits for. Every entry carries the event's SEQUENCE
(sequence(), raised with Event.calendar_sequence when guests are told of a change), so a newer
file wins over an older one entry by entry. The cancellation (METHOD:CANCEL) lists every
session entry the guest may hold. An event without such sessions keeps its single entry for
the whole programme, byte for byte as before.

The Google Calendar link can carry one entry only: for a guest confirmed in one session, that
session's times and title; in several, the span from the first one's start to the last one's end
(the guest is in the room across the break between them), with each session's times in the
details.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from email.utils import parseaddr
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import icalendar
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..errors import NotFound
from ..extensions import db
from ..i18n import bilingual, zone_name
from ..models import AgendaItem, AuditEntry, Event, Guest, SeatState, utcnow
from . import invitations
from .seats import sessions as seat_sessions

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


def session_uid_for(guest: Guest, session: AgendaItem) -> str:
    """The UID of the guest's entry for one session they chose: the same in every version."""
    host = urlsplit(current_app.config["REGISTRAR_BASE_URL"]).hostname or "registrar.invalid"
    return f"event-{guest.event_id}-guest-{guest.id}-session-{session.id}@{host}"


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


def _once_confirmed_ids(guest: Guest) -> set[int]:
    """The sessions the audit log says the guest held a confirmed seat in, at any time (a
    calendar may hold an entry for each)."""
    found = db.session.scalars(
        sa.select(AuditEntry.details).where(
            AuditEntry.guest_id == guest.id,
            AuditEntry.action.in_(
                ("seat.session_confirmed", "seat.session_promoted", "seat.session_released")
            ),
        )
    )
    return {
        int(details["session"])
        for details in found
        if details.get("session") and details.get("state", "confirmed") == "confirmed"
    }


def _session_entries(guest: Guest, cancelled: bool) -> list[tuple[AgendaItem, bool]] | None:
    """In an event with sessions, each session entry of the file and whether it stands
    (confirmed) or is cancelled; None for an event without sessions."""
    offered = seat_sessions.offered(guest.event_id)
    if not offered:
        return None
    confirmed = set() if cancelled else confirmed_session_ids(guest)
    once = _once_confirmed_ids(guest) | confirmed_session_ids(guest)
    return [(item, item.id in confirmed) for item in offered if item.id in once]


def has_cancelled_sessions(guest: Guest) -> bool:
    """Whether a guest with no confirmed session now may hold entries for sessions they were
    confirmed in (an event with sessions): a cancellation removes them."""
    return bool(
        not has_calendar_entry(guest)
        and seat_sessions.on(guest.event_id)
        and _once_confirmed_ids(guest)
    )


def confirmed_session_ids(guest: Guest) -> set[int]:
    return {item.id for item in _confirmed_sessions(guest)}


def guest_calendar(guest: Guest, *, cancelled: bool = False, now: datetime | None = None) -> bytes:
    """The guest's entry for the event as an iCalendar file (in an event with sessions, an
    entry per session: see the module's docstring).

    A cancelled entry carries the same UID with METHOD:CANCEL and STATUS:CANCELLED, so that a
    calendar which has the entry removes it.
    """
    if not cancelled and not has_calendar_entry(guest):
        raise NotFound(_("There is a calendar entry only for a confirmed seat."))
    event = guest.event
    now = now or utcnow()

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", CANCEL if cancelled else PUBLISH)

    by_session = _session_entries(guest, cancelled)
    if by_session:
        for item, stands in by_session:
            calendar.add_component(
                _entry(
                    guest,
                    now,
                    uid=session_uid_for(guest, item),
                    span=(item.starts_at, item.ends_at),
                    summary=_(
                        "%(session)s · %(event)s",
                        session=bilingual(item, "title"),
                        event=bilingual(event, "title"),
                    ),
                    cancelled=not stands,
                )
            )
    else:
        calendar.add_component(
            _entry(
                guest,
                now,
                uid=uid_for(guest),
                span=(event.starts_at, event.ends_at),
                summary=bilingual(event, "title"),
                cancelled=cancelled,
            )
        )
    # The VTIMEZONE for the TZID that DTSTART and DTEND carry (Asia/Taipei), before the entry,
    # as add_missing_timezones() puts it.
    for position, tzid in enumerate(sorted(calendar.get_missing_tzids())):
        timezone = _timezone(tzid)
        if timezone is not None:
            calendar.subcomponents.insert(position, timezone)
    ical: bytes = calendar.to_ical()
    return ical


def _entry(
    guest: Guest,
    now: datetime,
    *,
    uid: str,
    span: tuple[datetime, datetime],
    summary: str,
    cancelled: bool,
) -> icalendar.Event:
    event = guest.event
    link = invitations.invitation_url(guest)
    entry = icalendar.Event()
    entry.add("uid", uid)
    entry.add("sequence", sequence(event, now))
    entry.add("dtstamp", now.astimezone(UTC))
    entry.add("dtstart", _local(event, span[0]))
    entry.add("dtend", _local(event, span[1]))
    entry.add("summary", summary)
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
    return entry


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


def google_calendar_url(event: Event, guest: Guest | None = None) -> str:
    """A link that opens Google Calendar with the event filled in.

    It carries only what the public event page says, never the guest's personal link: the URL
    goes to Google. For a guest confirmed in sessions they chose, the sessions' times (see the
    module's docstring).
    """
    fmt = "%Y%m%dT%H%M%SZ"
    title = bilingual(event, "title")
    starts, ends = event.starts_at, event.ends_at
    lines = _summary_lines(event)
    confirmed = _confirmed_sessions(guest) if guest is not None else []
    if len(confirmed) == 1:
        (item,) = confirmed
        title = _("%(session)s · %(event)s", session=bilingual(item, "title"), event=title)
    if confirmed:
        starts, ends = confirmed[0].starts_at, confirmed[-1].ends_at
        lines = [
            _(
                "%(start)s–%(end)s %(session)s",
                start=f"{_local(event, item.starts_at):%H:%M}",
                end=f"{_local(event, item.ends_at):%H:%M}",
                session=bilingual(item, "title"),
            )
            for item in confirmed
        ] + lines
    params = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{starts.astimezone(UTC):{fmt}}/{ends.astimezone(UTC):{fmt}}",
        "details": "\n".join(lines),
        "location": location(event),
        "ctz": event.timezone,
    }
    return f"{GOOGLE_CALENDAR}?{urlencode(params)}"


def _confirmed_sessions(guest: Guest) -> list[AgendaItem]:
    return [
        place.session
        for place in seat_sessions.places_of(guest)
        if place.state == SeatState.CONFIRMED
    ]
