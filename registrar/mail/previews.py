"""What a message will say, shown to the organizer before anything is saved or sent.

A notice of changed details: the real templates, rendered for a sample guest in each language
from the details as they would be. Any kind of message for a chosen guest of the event: the
sender's own render(), so that the preview is the e-mail the guest gets.

Nothing here is written: the sample guest and the event as it would be are objects kept out
of the session (so no flush ever stores them), and the link in a preview leads nowhere.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import (
    Channel,
    Event,
    EventChange,
    Guest,
    Language,
    MessageKind,
    OutboxMessage,
    Rsvp,
    Seat,
    SeatState,
    utcnow,
)
from ..services import notices
from ..services.outbox import new_message_id
from .render import WITH_BADGE, guest_language, recipient, render, texts


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


# -- a message as one guest of the event would get it ----------------------------------------

# The kinds the console's e-mail page previews and tests, in the order a guest meets them.
KINDS = (
    MessageKind.INVITATION,
    MessageKind.REMINDER_UNANSWERED,
    MessageKind.CONFIRMATION,
    MessageKind.WAITLISTED,
    MessageKind.PROMOTED,
    MessageKind.DECLINED,
    MessageKind.REMINDER_CONFIRMED,
    MessageKind.DETAILS_CHANGED,
    MessageKind.EVENT_CANCELLED,
    MessageKind.TRAVEL_REMINDER,
)


@dataclass(frozen=True)
class GuestPreview:
    """One message as the guest gets it: the e-mail's parts, from the sender's own render."""

    language: Language
    subject: str
    to: str
    text: str
    # The HTML part as it is sent, and a copy whose inline QR code is a data: URL, to show.
    html: str
    shown_html: str
    attachments: tuple[str, ...]


def can_show(guest: Guest, kind: MessageKind) -> bool:
    """Whether the message can be put together for this guest: one with the badge needs a
    confirmed seat (and an invitation that stands)."""
    if kind not in WITH_BADGE:
        return True
    seat = guest.seat
    return not guest.is_revoked and seat is not None and seat.state == SeatState.CONFIRMED


def details_for(event: Event, kind: MessageKind) -> dict[str, Any]:
    """The facts a message of this kind carries, as the latest notice stored has them."""
    if kind not in (MessageKind.DETAILS_CHANGED, MessageKind.EVENT_CANCELLED):
        return {}
    cancelled = kind == MessageKind.EVENT_CANCELLED
    record = db.session.scalar(
        sa.select(EventChange)
        .where(EventChange.event_id == event.id, EventChange.cancelled.is_(cancelled))
        .order_by(EventChange.id.desc())
        .limit(1)
    )
    if record is None:
        return {}
    return {"change_id": record.id, "changes": record.changes}


def guest_preview(
    guest: Guest, kind: MessageKind, language: Language, now: datetime | None = None
) -> GuestPreview:
    """The message of `kind` in `language` exactly as `guest` would get it now (the guest's
    link, seat and badge), put together by the sender's render(). Nothing is stored."""
    message = OutboxMessage(
        id=0,
        guest_id=guest.id,
        event_id=guest.event_id,
        kind=kind,
        language=language,
        to_address=guest.email,
        details=details_for(guest.event, kind),
        message_id=new_message_id("preview"),
        created_at=now or utcnow(),
        # Rendered in the language chosen, as a test would be; the guest's name stays in To.
        is_test=True,
    )
    outgoing = render(message, guest, now or utcnow())
    mail = outgoing.message
    text = html = ""
    images: dict[str, str] = {}
    attachments = []
    for part in mail.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        if part["Content-ID"]:  # an image the HTML shows, e.g. the badge's QR code
            data = base64.b64encode(part.get_content()).decode("ascii")
            images[part["Content-ID"].strip("<>")] = f"data:{content_type};base64,{data}"
        elif part.get_content_disposition() == "attachment":
            attachments.append(part.get_filename() or content_type)
        elif content_type == "text/plain" and not text:
            text = part.get_content()
        elif content_type == "text/html" and not html:
            html = part.get_content()
    shown = html
    for cid, url in images.items():
        shown = shown.replace(f"cid:{cid}", url)
    return GuestPreview(
        language=language,
        subject=str(mail["Subject"]),
        to=str(recipient(guest)),
        text=text,
        html=html,
        shown_html=shown,
        attachments=tuple(attachments),
    )
