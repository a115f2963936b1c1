"""What a notice will say, shown to the organizer before anything is saved or sent: the real
templates, rendered for a sample guest in each language from the details as they would be.

Nothing here is written: the sample guest and the event as it would be are objects kept out
of the session (so no flush ever stores them), and the link in a preview leads nowhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ..models import (
    Channel,
    Event,
    Guest,
    Language,
    MessageKind,
    Rsvp,
    Seat,
    SeatState,
    utcnow,
)
from ..services import notices
from .render import guest_language, texts


@dataclass(frozen=True)
class Preview:
    language: Language
    subject: str
    text: str
    html: str


# The order the console shows them in.
LANGUAGES = (Language.EN, Language.ZH_HANT)


def preview(
    event: Event, changes: Mapping[str, tuple[object, object]], language: Language
) -> Preview:
    """The "details have changed" message for a confirmed sample guest in `language`, with the
    changes applied to a copy of the event (the event itself is not saved yet)."""
    after = _detached_copy(event)
    for name, (_old, new) in changes.items():
        setattr(after, name, new)
    details = {"changes": notices.plain_changes(changes)}
    return _render(MessageKind.DETAILS_CHANGED, after, details, language)


def preview_cancellation(
    event: Event, reason_en: str, reason_zh: str, language: Language
) -> Preview:
    details = {"reason_en": reason_en.strip(), "reason_zh": reason_zh.strip()}
    return _render(MessageKind.EVENT_CANCELLED, _detached_copy(event), details, language)


def _render(
    kind: MessageKind, event: Event, details: dict[str, Any], language: Language
) -> Preview:
    guest = _sample_guest(event, language)
    with guest_language(guest):
        subject, text, html = texts(kind, guest, details, utcnow(), with_calendar=True)
    return Preview(language=language, subject=subject, text=text, html=html)


def _detached_copy(event: Event) -> Event:
    """The event's columns on a new object outside the session (no programme, no guests)."""
    columns = {c.key: getattr(event, c.key) for c in Event.__table__.columns}
    return Event(**columns)


def _sample_guest(event: Event, language: Language) -> Guest:
    """A confirmed guest outside the session; id 0 makes a link that opens nothing."""
    with_name = _("Sample Guest")  # in the organizer's language: it is their preview
    guest = Guest(
        id=0,
        token_version=1,
        name_en=with_name,
        name_zh="",
        email="guest@example.org",
        organization="",
        language=language,
        revoked_at=None,
    )
    guest.event = event
    guest.rsvp = Rsvp(attending=True, channel=Channel.EN if language == Language.EN else Channel.ZH)
    guest.seat = Seat(state=SeatState.CONFIRMED, queue_number=None)
    return guest
