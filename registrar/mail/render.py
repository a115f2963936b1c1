"""One outbox message as a whole e-mail, in the guest's language, from the guest's state now.

Also what decides whether a queued message still fits the guest's state when it is due.
Headers are built so that no stored value (a name, an organization, an event title, a setting)
can make a message unrenderable: control characters are collapsed before they reach a header.
"""

from __future__ import annotations

import email.policy
import functools
import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, unquote
from types import SimpleNamespace
from typing import Any

import flask_babel
from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..i18n import bilingual, template_gettext
from ..models import EventChange, EventState, Guest, Language, MessageKind, OutboxMessage, SeatState
from ..services import badges, calendar, invitations, notices, outbox, rsvp, seats
from ..services.travel import reminders
from ..text import one_line

# Messages that list the guest's sessions, in an event whose guests choose them.
WITH_SESSIONS = frozenset(
    {
        MessageKind.CONFIRMATION,
        MessageKind.WAITLISTED,
        MessageKind.PROMOTED,
        MessageKind.REMINDER_CONFIRMED,
    }
)

# Messages that carry the badge and the calendar entry.
WITH_BADGE = frozenset(
    {MessageKind.CONFIRMATION, MessageKind.PROMOTED, MessageKind.REMINDER_CONFIRMED}
)

SUBJECTS = {
    MessageKind.INVITATION: _l("Invitation: %(title)s"),
    MessageKind.CONFIRMATION: _l("Your seat is confirmed: %(title)s"),
    MessageKind.WAITLISTED: _l("You are on the waitlist: %(title)s"),
    MessageKind.PROMOTED: _l("You have a seat: %(title)s"),
    MessageKind.DECLINED: _l("Thank you for your answer: %(title)s"),
    MessageKind.REMINDER_UNANSWERED: _l("Reminder, please reply: %(title)s"),
    MessageKind.REMINDER_CONFIRMED: _l("Reminder, see you on %(date)s: %(title)s"),
    MessageKind.DETAILS_CHANGED: _l("The details have changed: %(title)s"),
    MessageKind.EVENT_CANCELLED: _l("Cancelled: %(title)s"),
    MessageKind.DEPUTY_APPROVED: _l("Your deputy is confirmed: %(title)s"),
    MessageKind.REQUEST_DECLINED: _l("About your request: %(title)s"),
    MessageKind.TRAVEL_REMINDER: _l("Your travel details, please: %(title)s"),
}
SEAT_CANCELLED_SUBJECT = _l("Your seat is cancelled: %(title)s")


# -- the guest's language --------------------------------------------------------------------


@contextmanager
def guest_language(guest: Guest, language: Language | None = None) -> Iterator[None]:
    """Texts, dates and times in the guest's language (or `language`, for a preview or a
    test in the other one) and the event's time zone."""
    had_zone = "timezone" in g
    zone = g.get("timezone")
    g.timezone = guest.event.timezone
    try:
        with force_locale((language or guest.language).value):
            # Drop the time zone Flask-Babel cached for this context; the forced locale stays.
            flask_babel.refresh()
            yield
    finally:
        if had_zone:
            g.timezone = zone
        else:
            g.pop("timezone", None)
        flask_babel.refresh()


def _subject(kind: MessageKind, guest: Guest, details: dict[str, Any]) -> str:
    """The subject in the current locale: one line, whatever the event's title holds."""
    event = guest.event
    template = SUBJECTS[kind]
    if kind == MessageKind.DECLINED and details.get("released") == SeatState.CONFIRMED.value:
        template = SEAT_CANCELLED_SUBJECT
    date = flask_babel.format_date(event.starts_at, "long")
    subject = str(template) % {"title": bilingual(event, "title"), "date": date}
    return one_line(subject)[:300]


def language_of(message: OutboxMessage, guest: Guest) -> Language:
    """The language a message is written in: the guest's at the time it goes out, so that a
    guest who changed it meanwhile reads it; a test, the language the organizer chose."""
    return message.language if message.is_test else guest.language


def subject_of(message: OutboxMessage) -> str:
    """The subject the message has, or would have if it were sent now (for the console)."""
    if message.subject:
        return message.subject
    with guest_language(message.guest, language_of(message, message.guest)):
        return _subject(message.kind, message.guest, message.details)


# -- does the message still fit? -------------------------------------------------------------


def unfit_reason(
    kind: MessageKind, guest: Guest, now: datetime, details: Mapping[str, Any] | None = None
) -> str | None:
    """Why a message of this kind must not go to the guest now (a code of REASONS), or None.

    `details` are the message's own (OutboxMessage.details), for the kinds that depend on them.
    An invitation asks for an answer: a guest who has given one is not asked again.
    """
    event = guest.event
    if kind == MessageKind.DEPUTY_APPROVED:
        # Told to the guest whose invitation ended when their deputy was approved.
        return None if guest.sent_deputy else "seat_changed"
    if guest.is_revoked:
        return "revoked"
    if now >= event.ends_at:
        return "event_over"
    if event.state == EventState.CANCELLED and kind != MessageKind.EVENT_CANCELLED:
        return notices.EVENT_CANCELLED
    seat_state = guest.seat.state if guest.seat is not None else None
    answer = guest.rsvp
    if kind == MessageKind.DETAILS_CHANGED:
        if answer is not None and not answer.attending:
            return "seat_changed"  # declined since: not told (services/notices.recipients)
        if details is not None and notices.is_superseded(guest, details):
            return notices.NEWER_DETAILS
        return None
    if kind in WITH_BADGE:
        return None if seat_state == SeatState.CONFIRMED else "seat_changed"
    if kind == MessageKind.WAITLISTED:
        return None if seat_state == SeatState.WAITLISTED else "seat_changed"
    if kind == MessageKind.DECLINED:
        return None if answer is not None and not answer.attending else "seat_changed"
    if kind == MessageKind.REMINDER_UNANSWERED:
        if answer is not None:
            return "answered"
        return None if rsvp.is_open(event, now) else "replies_closed"
    if kind == MessageKind.INVITATION:
        if answer is not None:
            return "answered"
        return None if rsvp.is_open(event, now) else "replies_closed"
    if kind == MessageKind.TRAVEL_REMINDER:
        return reminders.unfit_reason(guest, now)
    return None


# -- rendering -------------------------------------------------------------------------------


@dataclass
class Attachment:
    filename: str
    maintype: str
    subtype: str
    data: bytes
    params: dict[str, str] = field(default_factory=dict)


class _HeaderClasses(HeaderRegistry):
    """The standard library's header classes, each made once, and the headers last parsed.

    The standard registry makes a new class for every header it parses or a part sets (some
    thirty a message, the generator's own included), which was a tenth of an invitation's
    time; the classes hold no state, so one per header name does the same. Parsing a header's
    text was another tenth, and half a message's headers are the same in every message (the
    parts' Content-Type, MIME-Version, From, the subject in each language): a parsed header
    is a string that nothing changes, so the last ones parsed are kept and given again."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}
        self._parse = functools.lru_cache(maxsize=512)(super().__call__)

    def __call__(self, name: str, value: Any) -> Any:
        if type(value) is str:
            return self._parse(name, value)
        return super().__call__(name, value)  # an Address: built into a header each time

    def __getitem__(self, name: str) -> type:
        made = self._made.get(name.lower())
        if made is None:
            made = self._made[name.lower()] = super().__getitem__(name)
        return made


# What every outgoing message is written with: 7-bit transfer encodings, the header classes
# above.
MAIL_POLICY = email.policy.default.clone(cte_type="7bit", header_factory=_HeaderClasses())


@dataclass
class OutgoingMail:
    """One rendered message, ready for a backend."""

    message: EmailMessage
    to: str
    # Stable per outbox row, so that a repeated delivery to files overwrites the first.
    filename: str


def _badge_attachment(guest: Guest) -> Attachment:
    # The printable badge: both names, organization, category, channel and the QR code.
    return Attachment("badge.pdf", "application", "pdf", badges.badge_pdf(guest))


def _qr_png(guest: Guest) -> bytes:
    """The badge's QR code on its own, shown in the HTML part for the phone at the door."""
    return badges.qr_png(badges.badge_code_for(guest), box_size=8)


def _channel(guest: Guest) -> str | None:
    answer = guest.rsvp
    return answer.channel.value if answer is not None and answer.channel is not None else None


def _language_tag(language: Language) -> str:
    return "zh-Hant-TW" if language == Language.ZH_HANT else "en"


def recipient(guest: Guest) -> Address:
    """The guest as the To: of their messages."""
    return _recipient(guest, guest.email)


def _recipient(guest: Guest, address: str) -> Address:
    """The To: address with the guest's name in their language, as one line of plain text.

    A line break typed into a name (or read from a CSV cell) would otherwise start a header of
    its own, or make the message impossible to write at all.
    """
    name = guest.name_zh if guest.language == Language.ZH_HANT else guest.name_en
    name = one_line(name or guest.name_en or guest.name_zh or "")
    return Address(display_name=name, addr_spec=address)


# A setting written as "Name <address>": the address is the last <...>, whatever the name holds.
_NAME_AND_ADDRESS = re.compile(r"^(?P<name>.*?)\s*<(?P<address>[^<>]*)>$")


def _mailbox(setting: str) -> Address:
    """A From or Reply-To setting ("Name <address>" or a bare address) as exactly one mailbox.

    Given to the header as a string, a name holding ":" or "@" would be read as a group or a
    second address; built as an Address, the name is quoted and the reply goes where meant.
    """
    value = one_line(setting)
    match = _NAME_AND_ADDRESS.match(value)
    if match is None:
        return Address(addr_spec=value)
    name = match["name"]
    if len(name) >= 2 and name.startswith('"') and name.endswith('"'):
        name = unquote(name)
    return Address(display_name=name, addr_spec=match["address"].strip())


def _attachments(message: OutboxMessage, guest: Guest, now: datetime) -> list[Attachment]:
    event = guest.event
    kind = message.kind
    if kind in WITH_BADGE:
        ics = calendar.guest_calendar(guest, now=now)
        return [
            _badge_attachment(guest),
            Attachment(
                calendar.filename(event), "text", "calendar", ics, {"method": calendar.PUBLISH}
            ),
        ]
    if kind == MessageKind.DETAILS_CHANGED and calendar.has_calendar_entry(guest):
        # The same UID with a newer SEQUENCE: the calendar moves its entry, adds none.
        ics = calendar.guest_calendar(guest, now=now)
        return [
            Attachment(
                calendar.filename(event), "text", "calendar", ics, {"method": calendar.PUBLISH}
            )
        ]
    # A guest who held a seat may have its entry (a waitlisted one from an earlier seat).
    cancelled_event = kind == MessageKind.EVENT_CANCELLED and guest.seat is not None
    # Waitlisted in every session after giving up the one they had a seat in.
    left_sessions = kind == MessageKind.WAITLISTED and calendar.has_cancelled_sessions(guest)
    if (
        cancelled_event
        or left_sessions
        or (kind == MessageKind.DECLINED and message.details.get("released") == "confirmed")
    ):
        ics = calendar.guest_calendar(guest, cancelled=True, now=now)
        return [
            Attachment(
                calendar.filename(event), "text", "calendar", ics, {"method": calendar.CANCEL}
            )
        ]
    return []


def texts(
    kind: MessageKind,
    guest: Guest,
    details: Mapping[str, Any],
    now: datetime,
    *,
    qr_cid: str | None = None,
    with_calendar: bool = False,
    language: Language | None = None,
    sample: bool = False,
) -> tuple[str, str, str]:
    """Subject, plain text and HTML in the current locale (the caller sets the guest's, or
    `language`'s). `sample`: a preview or an organizer's test, which shows the sessions of an
    event with sessions even for a guest who has chosen none yet (_sample_places)."""
    event = guest.event
    link = invitations.invitation_url(guest)
    seat = guest.seat
    subject = _subject(kind, guest, dict(details))
    places = seats.sessions.places_of(guest) if kind in WITH_SESSIONS and guest.id else []
    given = details.get("sessions")
    if sample and not places and kind in WITH_SESSIONS:
        places = _sample_places(kind, guest)
    if sample and not given and kind == MessageKind.PROMOTED:
        # The promotion as it reads in the guest's first session with a seat.
        given = [p.session.id for p in places if p.state == SeatState.CONFIRMED][:1]
    context = dict(
        kind=kind.value,
        subject=subject,
        guest=guest,
        event=event,
        link=link,
        calendar_url=f"{link}/calendar.ics",
        # The guest's travel form (web/guest_travel.py).
        travel_url=f"{link}/travel",
        # Only the messages with the calendar entry show it (reading the guest's sessions).
        google_url=calendar.google_calendar_url(event, guest) if kind in WITH_BADGE else None,
        location=calendar.location(event),
        channel=_channel(guest),
        position=seats.waitlist_position(seat) if seat is not None else None,
        released=details.get("released"),
        updated=bool(details.get("updated")),
        replies_open=rsvp.is_open(event, now),
        qr_cid=qr_cid[1:-1] if qr_cid else None,
        lang=_language_tag(language or guest.language),
        changes=notices.describe(event, details.get("changes", {})),
        reason=notices.reason_of(_cancellation(details)),
        with_calendar=with_calendar,
        # A deputy's own messages name whom they come for; the guest's, who the deputy is.
        deputy_for=_names(details.get("deputy_for")),
        deputy=_names(details.get("deputy")),
        request_kind=details.get("kind"),
        # The organizer's reason for declining a request, when they gave one.
        decline_reason=str(details.get("reason") or ""),
        # The sessions the guest chose, each with their place in it; the ones a promotion
        # gave a seat in.
        session_places=places,
        promoted_in=_sessions_named(places, given),
        # When the guest is asked to be in the room (a later session's start, for some).
        arrive_by=seats.sessions.arrive_by(event, places),
        # What the templates' _() calls, bound to the message's translations once.
        gettext=template_gettext(),
    )
    text = render_template(f"emails/{kind.value}.txt", **context)
    html = render_template(f"emails/{kind.value}.html", **context)
    return subject, text, html


def _sample_places(kind: MessageKind, guest: Guest) -> list[seats.sessions.SessionPlace]:
    """Every session of the event, as a guest who chose them all would see them: confirmed in
    each, or first in each queue for the waitlist message; none in an event without them."""
    offered = seats.sessions.offered(guest.event_id) if guest.event_id else []
    waiting = kind == MessageKind.WAITLISTED
    state = SeatState.WAITLISTED if waiting else SeatState.CONFIRMED
    return [seats.sessions.SessionPlace(item, state, 1 if waiting else None) for item in offered]


def _sessions_named(places: list[seats.sessions.SessionPlace], ids: object) -> str:
    """The titles of the sessions `ids` names, among the guest's, in programme order."""
    if not isinstance(ids, list) or not places:
        return ""
    wanted = {i for i in ids if isinstance(i, int)}
    titles = [bilingual(p.session, "title") for p in places if p.session.id in wanted]
    return "; ".join(titles)


def _names(value: object) -> str:
    """A person's name kept in a message's details, in the current language's script first."""
    if not isinstance(value, Mapping):
        return ""
    first, second = str(value.get("name_en") or ""), str(value.get("name_zh") or "")
    names = SimpleNamespace(name_en=first, name_zh=second)
    return bilingual(names, "name")


def _cancellation(details: Mapping[str, Any]) -> Mapping[str, Any]:
    """The reasons of the cancellation a message tells of, from its record."""
    if "change_id" not in details:
        return details
    record = db.session.get(EventChange, int(details["change_id"]))
    if record is None or not record.cancelled:
        return {}
    return {"reason_en": record.reason_en, "reason_zh": record.reason_zh}


def _boundary() -> str:
    """A MIME boundary that no part's text holds: "=_" appears in no quoted-printable or
    base64 text (RFC 2045 suggests it for that), and 128 random bits in no one's words."""
    return f"=_{secrets.token_hex(16)}"


def render(message: OutboxMessage, guest: Guest, now: datetime) -> OutgoingMail:
    """The whole e-mail, in the guest's language, from the guest's state now.

    The console's previews and tests go through here too (mail/previews.py): what an organizer
    sees is what the guest gets.
    """
    event = guest.event
    kind = message.kind
    language = language_of(message, guest)
    qr_cid = outbox.new_message_id("badge") if kind in WITH_BADGE else None
    with guest_language(guest, language):
        attachments = _attachments(message, guest, now)
        with_calendar = any(a.subtype == "calendar" for a in attachments)
        subject, text, html = texts(
            kind,
            guest,
            message.details,
            now,
            qr_cid=qr_cid,
            with_calendar=with_calendar,
            language=language,
            sample=message.is_test,
        )

    config = current_app.config
    email_message = EmailMessage(policy=MAIL_POLICY)
    email_message["Subject"] = subject
    sender = _mailbox(config["REGISTRAR_MAIL_FROM"])
    if event.mail_sender_name:
        # The event's own name for its mail, from the settings' address (the one the SMTP
        # server lets us send from).
        sender = Address(display_name=one_line(event.mail_sender_name), addr_spec=sender.addr_spec)
    email_message["From"] = sender
    # A test goes to the organizer's own address, under no guest's name.
    to = Address(addr_spec=message.to_address) if message.is_test else None
    email_message["To"] = to or _recipient(guest, message.to_address)
    reply_to = one_line(event.mail_reply_to or config.get("REGISTRAR_MAIL_REPLY_TO") or "")
    if reply_to:
        email_message["Reply-To"] = _mailbox(reply_to)
    email_message["Date"] = format_datetime(now)
    email_message["Message-ID"] = one_line(message.message_id)
    # An automatic message: no out-of-office replies to it, please (RFC 3834).
    email_message["Auto-Submitted"] = "auto-generated"
    email_message.set_content(text)
    # Each multipart given its boundary here: left to the generator, it would compile a
    # regular expression per boundary to look for it in the text.
    email_message.make_alternative(boundary=_boundary())
    email_message.add_alternative(html, subtype="html")
    if qr_cid is not None:
        html_part = list(email_message.iter_parts())[1]  # after the plain text
        html_part.make_related(boundary=_boundary())
        html_part.add_related(_qr_png(guest), "image", "png", cid=qr_cid, filename="badge-qr.png")
    if attachments:
        email_message.make_mixed(boundary=_boundary())
    for attachment in attachments:
        email_message.add_attachment(
            attachment.data,
            attachment.maintype,
            attachment.subtype,
            filename=attachment.filename,
            params=attachment.params,
        )
    # Last: set_content and add_attachment move or drop the Content-* headers set before.
    email_message["Content-Language"] = _language_tag(language)
    stamp = message.created_at.strftime("%Y%m%d-%H%M%S")
    test = "-test" if message.is_test else ""
    filename = f"{stamp}-{message.id:06d}-{kind.value}-{language.value}{test}.eml"
    return OutgoingMail(message=email_message, to=message.to_address, filename=filename)
