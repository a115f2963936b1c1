"""What a badge says: the guest's names and the event's words, in English and in Chinese."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...labels import CATEGORY_LABELS, CHANNEL_SHORT, COMPANION_ROLE_LABELS
from ...models import Category, Channel, Event, Guest, SeatState
from ..seats import sessions as seat_sessions
from .holders import badge_code_for

# The band at the foot of the badge: told apart across a room, white text readable on each.
CATEGORY_COLOURS = {
    Category.SPEAKER: (192, 40, 45),
    Category.MODERATOR: (106, 27, 154),
    Category.VIP: (33, 33, 33),
    Category.DELEGATE: (21, 101, 192),
    Category.PRESS: (46, 125, 50),
    Category.STAFF: (230, 81, 0),
}
# An accompanying person's band (blue grey): told apart from every category's.
COMPANION_COLOUR = (69, 90, 100)


@dataclass(frozen=True)
class BadgeFace:
    """Everything printed on one badge, as text in both languages where it is ours to say."""

    code: str
    names: tuple[str, ...]
    organization: str
    title: str
    category_en: str
    category_zh: str
    colour: tuple[int, int, int]
    channel: Channel | None
    channel_en: str
    channel_zh: str
    channel_caption_en: str
    channel_caption_zh: str
    no_receiver_en: str
    no_receiver_zh: str
    short_name: str
    event_title_en: str
    event_title_zh: str
    when_en: str
    when_zh: str
    # The reserved seat given to the guest (services/seating/), "" when none; its caption.
    seat_label: str = ""
    seat_caption: str = ""
    # The sessions the guest is confirmed in (an event whose guests choose sessions), a line
    # each: its times, then its title in Chinese and in English.
    sessions: tuple[str, ...] = ()

    def texts(self) -> list[str]:
        """Every string the badge may print, for the font subset (capitals too)."""
        texts = [v for v in vars(self).values() if isinstance(v, str)]
        texts += list(self.names) + list(self.sessions)
        return texts + [t.upper() for t in texts]


def _in_both(message: str) -> tuple[str, str]:
    """A catalogue message in English and in Traditional Chinese: badges speak both."""
    with force_locale("en"):
        english = str(message)
    with force_locale("zh_Hant"):
        chinese = str(message)
    return english, chinese


def _when(timezone: str, starts_at: datetime, ends_at: datetime, locale: str, room: str) -> str:
    zone = ZoneInfo(timezone)
    starts = starts_at.astimezone(zone)
    ends = ends_at.astimezone(zone)
    with force_locale(locale):
        return _(
            "%(date)s, %(start)s–%(end)s · %(room)s",
            date=format_date(starts.date(), "full", locale=locale),
            start=format_time(starts, "HH:mm", locale=locale),
            end=format_time(ends, "HH:mm", locale=locale),
            room=room,
        )


@dataclass(frozen=True)
class Wording:
    """What every badge of an event says alike, in English and Chinese: worked out once per
    document rather than switching locales a dozen times for every badge."""

    categories: dict[Category, tuple[str, str]]
    channels: dict[Channel, tuple[str, str]]
    caption: tuple[str, str]
    no_receiver: tuple[str, str]
    when_en: str
    when_zh: str
    seat: tuple[str, str]
    # Whether the event's guests choose sessions (the badge then lists the guest's).
    sessions_on: bool = False


def event_wording(event: Event) -> Wording:
    wording = _wording(event.timezone, event.starts_at, event.ends_at, event.room_en, event.room_zh)
    # Read each time: the programme may gain or lose its sessions.
    return dataclasses.replace(wording, sessions_on=seat_sessions.on(event.id))


@functools.lru_cache(maxsize=64)
def _wording(
    timezone: str, starts_at: datetime, ends_at: datetime, room_en: str, room_zh: str
) -> Wording:
    """The words of an event's badges, kept per process for the event's time and rooms (a
    changed event is another key; the catalogue does not change while the process runs): the
    mail sender renders one badge a document, and switched locales some twenty times for each."""
    return Wording(
        categories={category: _in_both(label) for category, label in CATEGORY_LABELS.items()},
        channels={channel: _in_both(label) for channel, label in CHANNEL_SHORT.items()},
        caption=_in_both(_l("Headset channel")),
        no_receiver=_in_both(_l("No receiver needed")),
        when_en=_when(timezone, starts_at, ends_at, "en", room_en),
        when_zh=_when(timezone, starts_at, ends_at, "zh_Hant", room_zh),
        seat=_in_both(_l("Seat")),
    )


def session_lines(guest: Guest) -> tuple[str, ...]:
    """A line per session the guest is confirmed in: "15:10–16:30 創新綠色交通 · Innovating
    Green Mobility" (one title when both are the same or one is missing). The badge cuts a
    line too long for it, so the times always show."""
    zone = ZoneInfo(guest.event.timezone)
    lines = []
    for place in seat_sessions.places_of(guest):
        if place.state != SeatState.CONFIRMED:
            continue
        item = place.session
        times = f"{item.starts_at.astimezone(zone):%H:%M}–{item.ends_at.astimezone(zone):%H:%M}"
        titles = " · ".join(dict.fromkeys(t for t in (item.title_zh, item.title_en) if t))
        lines.append(f"{times} {titles}".strip())
    return tuple(lines)


def badge_face(guest: Guest, wording: Wording | None = None) -> BadgeFace:
    code = badge_code_for(guest)
    event = guest.event
    wording = wording or event_wording(event)
    channel = guest.rsvp.channel if guest.rsvp is not None else None
    category_en, category_zh = wording.categories[guest.category]
    channel_en, channel_zh = wording.channels[channel] if channel else ("–", "–")
    caption_en, caption_zh = wording.caption
    no_receiver_en, no_receiver_zh = wording.no_receiver
    names = tuple(n for n in (guest.name_zh, guest.name_en) if n) or ("",)
    title, colour = guest.title, CATEGORY_COLOURS[guest.category]
    if guest.is_companion:
        category_en, category_zh, title = _companion_wording(guest)
        colour = COMPANION_COLOUR
    return BadgeFace(
        code=code,
        names=names,
        organization=guest.organization,
        title=title,
        category_en=category_en,
        category_zh=category_zh,
        colour=colour,
        channel=channel,
        channel_en=channel_en,
        channel_zh=channel_zh,
        channel_caption_en=caption_en,
        channel_caption_zh=caption_zh,
        no_receiver_en=no_receiver_en,
        no_receiver_zh=no_receiver_zh,
        short_name=event.short_name,
        event_title_en=event.title_en,
        event_title_zh=event.title_zh,
        when_en=wording.when_en,
        when_zh=wording.when_zh,
        # has_badge: the seat is confirmed; its label goes with it.
        seat_label=(guest.seat.label or "") if guest.seat is not None else "",
        seat_caption=" · ".join(dict.fromkeys(wording.seat)),
        sessions=session_lines(guest) if wording.sessions_on else (),
    )


def _companion_wording(guest: Guest) -> tuple[str, str, str]:
    """An accompanying person's band ("Accompanying", in both languages) and the line under
    their name: their role and the guest they come with, in both languages."""
    principal = db.session.get(Guest, guest.principal_id)
    band_en, band_zh = _in_both(_l("Accompanying"))
    role_en, role_zh = (
        _in_both(COMPANION_ROLE_LABELS[guest.companion_role]) if guest.companion_role else ("", "")
    )
    if principal is None:
        return band_en, band_zh, ""
    name_en = principal.name_en or principal.name_zh
    name_zh = principal.name_zh or principal.name_en
    with force_locale("en"):
        line_en = _("%(role)s, accompanying %(name)s", role=role_en, name=name_en)
    with force_locale("zh_Hant"):
        line_zh = _("%(role)s, accompanying %(name)s", role=role_zh, name=name_zh)
    return band_en, band_zh, line_zh if line_zh == line_en else f"{line_zh} / {line_en}"
