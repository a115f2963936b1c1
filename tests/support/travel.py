"""What the travel and visa letter tests share: an event offering travel, its day, and a
complete letterhead."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from registrar.models import Event
from support.factories import make_event

# A letterhead with every field a letter needs (services/travel/letters.LETTERHEAD).
LETTERHEAD = {
    "letter_organizer_en": "Kaohsiung City Government",
    "letter_organizer_zh": "高雄市政府",
    "letter_address_en": "No. 2, Sihwei 3rd Rd., Lingya District, Kaohsiung",
    "letter_address_zh": "高雄市苓雅區四維三路2號",
    "letter_signatory": "Chen Chi-Mai",
    "letter_signatory_title_en": "Mayor",
    "letter_signatory_title_zh": "市長",
}


def travel_event(**fields) -> Event:
    """An event offering travel to VIPs and speakers, with two hotels booked."""
    return make_event(
        travel_categories="vip speaker", travel_hotels="Grand Hi-Lai\nHotel Nikko", **fields
    )


def event_day(event: Event) -> date:
    """The event's day on its own clock."""
    return event.starts_at.astimezone(ZoneInfo(event.timezone)).date()
