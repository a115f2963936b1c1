"""E-mail to guests: the durable outbox, rendering in the guest's language, and delivery.

A use case that should reach a guest queues a message (through notify) in its own
transaction, so the message exists exactly when the change does and never without it.
deliver_due() is the sender, run by `flask --app registrar mail send` outside any web
request: it claims one due message at a time, renders it from the guest's state at that
moment, hands it to the backend (SMTP, or .eml files for the demo) and records the outcome.
"""

from __future__ import annotations

import email.policy
import logging
import os
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

import flask_babel
import sqlalchemy as sa
from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..errors import InvalidAnswer, NotFound
from ..extensions import db
from ..i18n import bilingual
from ..models import (
    Event,
    Guest,
    Language,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    Rsvp,
    Seat,
    SeatState,
    utcnow,
)
from . import audit, badges, calendar, invitations, rsvp, seats

log = logging.getLogger(__name__)

# Messages about the guest's seat: a newer one makes a queued older one pointless.
SEAT_MESSAGES = frozenset(
    {MessageKind.CONFIRMATION, MessageKind.WAITLISTED, MessageKind.PROMOTED, MessageKind.DECLINED}
)
# Messages that carry the badge and the calendar entry.
WITH_BADGE = frozenset(
    {MessageKind.CONFIRMATION, MessageKind.PROMOTED, MessageKind.REMINDER_CONFIRMED}
)
OPEN = (MessageStatus.QUEUED, MessageStatus.SENDING)

# A claimed message whose sender has not reported back after this long is taken again.
CLAIM_LEASE = timedelta(minutes=10)
# Back-off after a temporary failure: one minute, doubling, at most an hour.
RETRY_FIRST = timedelta(minutes=1)
RETRY_LONGEST = timedelta(hours=1)

KIND_LABELS = {
    MessageKind.INVITATION: _l("Invitation e-mail"),
    MessageKind.CONFIRMATION: _l("Seat confirmed"),
    MessageKind.WAITLISTED: _l("Waitlist notice"),
    MessageKind.PROMOTED: _l("Seat from the waitlist"),
    MessageKind.DECLINED: _l("Declined or cancelled"),
    MessageKind.REMINDER_UNANSWERED: _l("Reminder to answer"),
    MessageKind.REMINDER_CONFIRMED: _l("Reminder before the day"),
}

STATUS_LABELS = {
    MessageStatus.QUEUED: _l("Queued"),
    MessageStatus.SENDING: _l("Sending"),
    MessageStatus.SENT: _l("Sent"),
    MessageStatus.FAILED: _l("Failed"),
    MessageStatus.CANCELLED: _l("Cancelled"),
}

# Why a message was not sent: the code is stored, the sentence shown in the console.
REASONS = {
    "revoked": _l("The invitation was revoked."),
    "seat_changed": _l("The guest's seat or answer changed, so the message no longer fitted."),
    "answered": _l("The guest answered before it was sent."),
    "replies_closed": _l("The reply deadline had passed."),
    "event_over": _l("The event was over."),
    "superseded": _l("A newer message about the seat replaced it."),
}

SUBJECTS = {
    MessageKind.INVITATION: _l("Invitation: %(title)s"),
    MessageKind.CONFIRMATION: _l("Your seat is confirmed: %(title)s"),
    MessageKind.WAITLISTED: _l("You are on the waitlist: %(title)s"),
    MessageKind.PROMOTED: _l("You have a seat: %(title)s"),
    MessageKind.DECLINED: _l("Thank you for your answer: %(title)s"),
    MessageKind.REMINDER_UNANSWERED: _l("Reminder, please reply: %(title)s"),
    MessageKind.REMINDER_CONFIRMED: _l("Reminder, see you on %(date)s: %(title)s"),
}
SEAT_CANCELLED_SUBJECT = _l("Your seat is cancelled: %(title)s")


# -- the guest's language --------------------------------------------------------------------


@contextmanager
def guest_language(guest: Guest) -> Iterator[None]:
    """Texts, dates and times in the guest's language and the event's time zone."""
    had_zone = "timezone" in g
    zone = g.get("timezone")
    g.timezone = guest.event.timezone
    try:
        with force_locale(guest.language.value):
            # Drop the time zone Flask-Babel cached for this context; the forced locale stays.
            flask_babel.refresh()
            yield
    finally:
        if had_zone:
            g.timezone = zone
        else:
            g.pop("timezone", None)
        flask_babel.refresh()


def _subject(kind: MessageKind, guest: Guest, details: dict) -> str:
    event = guest.event
    template = SUBJECTS[kind]
    if kind == MessageKind.DECLINED and details.get("released") == SeatState.CONFIRMED.value:
        template = SEAT_CANCELLED_SUBJECT
    date = flask_babel.format_date(event.starts_at, "long")
    subject = str(template) % {"title": bilingual(event, "title"), "date": date}
    return subject[:300]


# -- queueing --------------------------------------------------------------------------------


def _mail_domain() -> str:
    sender = parseaddr(current_app.config["REGISTRAR_MAIL_FROM"])[1]
    return sender.rpartition("@")[2] or "registrar.invalid"


def _message_id() -> str:
    return make_msgid(idstring="registrar", domain=_mail_domain())


def enqueue(
    guest: Guest,
    kind: MessageKind,
    *,
    actor: str,
    send_at: datetime | None = None,
    details: dict | None = None,
) -> OutboxMessage | None:
    """Queue one message to the guest in the caller's transaction; None for a revoked guest."""
    if guest.is_revoked:
        return None
    details = dict(details or {})
    if kind in SEAT_MESSAGES:
        _cancel_open(guest, SEAT_MESSAGES, "superseded")
    with guest_language(guest):
        subject = _subject(kind, guest, details)
    message = OutboxMessage(
        event_id=guest.event_id,
        guest=guest,
        kind=kind,
        language=guest.language,
        to_address=guest.email,
        subject=subject,
        status=MessageStatus.QUEUED,
        attempts=0,
        next_attempt_at=send_at or utcnow(),
        last_error="",
        reason="",
        details=details,
        message_id=_message_id(),
        actor=actor,
        created_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    return message


def _cancel_open(guest: Guest, kinds: frozenset[MessageKind], reason: str) -> int:
    """Cancel the guest's queued messages of these kinds (one being sent is left to finish)."""
    queued = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.guest_id == guest.id,
            OutboxMessage.status == MessageStatus.QUEUED,
            OutboxMessage.kind.in_(kinds),
        )
    ).all()
    for message in queued:
        message.status = MessageStatus.CANCELLED
        message.reason = reason
    return len(queued)


def cancel_pending(guest: Guest, reason: str) -> int:
    """Cancel every queued message to the guest, e.g. when the invitation is revoked."""
    return _cancel_open(guest, frozenset(MessageKind), reason)


def discard_queued(event: Event) -> int:
    """Delete the event's messages that have not gone out (the demo's seeded answers owe none)."""
    result = db.session.execute(
        sa.delete(OutboxMessage).where(
            OutboxMessage.event_id == event.id, OutboxMessage.status == MessageStatus.QUEUED
        )
    )
    return result.rowcount


def _guests_with_open(event: Event, kind: MessageKind, statuses=OPEN) -> sa.Select:
    return sa.select(OutboxMessage.guest_id).where(
        OutboxMessage.event_id == event.id,
        OutboxMessage.kind == kind,
        OutboxMessage.status.in_(statuses),
    )


def uninvited_guests(event: Event) -> list[Guest]:
    """Guests who have not been sent an invitation and have none waiting to go out."""
    return list(
        db.session.scalars(
            sa.select(Guest)
            .where(
                Guest.event_id == event.id,
                Guest.revoked_at.is_(None),
                Guest.sent_at.is_(None),
                Guest.id.not_in(_guests_with_open(event, MessageKind.INVITATION)),
            )
            .order_by(Guest.id)
        )
    )


def unanswered_guests(event: Event) -> list[Guest]:
    """Invited guests (the invitation went out) who have not answered yet."""
    return list(
        db.session.scalars(
            sa.select(Guest)
            .outerjoin(Rsvp, Rsvp.guest_id == Guest.id)
            .where(
                Guest.event_id == event.id,
                Guest.revoked_at.is_(None),
                Guest.sent_at.is_not(None),
                Rsvp.id.is_(None),
            )
            .order_by(Guest.id)
        )
    )


def confirmed_guests(event: Event) -> list[Guest]:
    return list(
        db.session.scalars(
            sa.select(Guest)
            .join(Seat, Seat.guest_id == Guest.id)
            .where(
                Guest.event_id == event.id,
                Guest.revoked_at.is_(None),
                Seat.state == SeatState.CONFIRMED,
            )
            .order_by(Guest.id)
        )
    )


def _selected(event: Event, guest_ids: list[int]) -> list[Guest]:
    guests = db.session.scalars(
        sa.select(Guest).where(Guest.event_id == event.id, Guest.id.in_(guest_ids))
    ).all()
    if len(guests) != len(set(guest_ids)):
        raise NotFound(_l("A selected guest is not on this event's guest list."))
    return sorted(guests, key=lambda guest: guest.id)


def _has_open(guest: Guest, kind: MessageKind, statuses=OPEN) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                OutboxMessage.guest_id == guest.id,
                OutboxMessage.kind == kind,
                OutboxMessage.status.in_(statuses),
            )
        )
        > 0
    )


def send_invitations(
    event: Event, actor: str, guest_ids: list[int] | None = None
) -> list[OutboxMessage]:
    """Queue invitations: to every guest not invited yet, or to the guests chosen.

    A chosen guest who was invited before is invited again (with the current link); one whose
    invitation is still waiting to go out is not queued twice.
    """
    if not rsvp.is_open(event):
        raise InvalidAnswer(_l("The reply deadline has passed; invitations can no longer be sent."))
    if guest_ids is None:
        guests = uninvited_guests(event)
    else:
        guests = [
            guest
            for guest in _selected(event, guest_ids)
            if not guest.is_revoked and not _has_open(guest, MessageKind.INVITATION)
        ]
    queued = [enqueue(guest, MessageKind.INVITATION, actor=actor) for guest in guests]
    if queued:
        audit.record("mail.invitations_queued", actor=actor, event_id=event.id, guests=len(queued))
    return queued


def remind_unanswered(
    event: Event,
    actor: str,
    guest_ids: list[int] | None = None,
    send_at: datetime | None = None,
) -> list[OutboxMessage]:
    """Queue a reminder to reply: to every invited guest without an answer, or those chosen."""
    if not rsvp.is_open(event):
        raise InvalidAnswer(_l("The reply deadline has passed; there is nothing to remind of."))
    if send_at is not None and send_at > event.rsvp_deadline:
        raise InvalidAnswer(_l("A reminder to reply must go out before the reply deadline."))
    candidates = unanswered_guests(event)
    if guest_ids is not None:
        chosen = {guest.id for guest in _selected(event, guest_ids)}
        candidates = [guest for guest in candidates if guest.id in chosen]
    guests = [g for g in candidates if not _has_open(g, MessageKind.REMINDER_UNANSWERED)]
    queued = [
        enqueue(guest, MessageKind.REMINDER_UNANSWERED, actor=actor, send_at=send_at)
        for guest in guests
    ]
    if queued:
        audit.record(
            "mail.reminders_queued",
            actor=actor,
            event_id=event.id,
            kind=MessageKind.REMINDER_UNANSWERED.value,
            guests=len(queued),
            send_at=send_at.isoformat() if send_at else None,
        )
    return queued


def day_before(event: Event) -> datetime:
    """The default moment of the reminder to confirmed guests: 10:00 on the day before."""
    zone = ZoneInfo(event.timezone)
    local = event.starts_at.astimezone(zone) - timedelta(days=1)
    return local.replace(hour=10, minute=0, second=0, microsecond=0)


def remind_confirmed(
    event: Event, actor: str, send_at: datetime | None = None
) -> list[OutboxMessage]:
    """Queue the reminder with venue, doors-open time and badge to every confirmed guest.

    A guest who has this reminder already (sent or waiting) does not get it twice.
    """
    if utcnow() >= event.ends_at:
        raise InvalidAnswer(_l("The event is over."))
    if send_at is not None and send_at >= event.starts_at:
        raise InvalidAnswer(_l("The reminder must go out before the event starts."))
    statuses = (*OPEN, MessageStatus.SENT)
    guests = [
        g
        for g in confirmed_guests(event)
        if not _has_open(g, MessageKind.REMINDER_CONFIRMED, statuses)
    ]
    queued = [
        enqueue(guest, MessageKind.REMINDER_CONFIRMED, actor=actor, send_at=send_at)
        for guest in guests
    ]
    if queued:
        audit.record(
            "mail.reminders_queued",
            actor=actor,
            event_id=event.id,
            kind=MessageKind.REMINDER_CONFIRMED.value,
            guests=len(queued),
            send_at=send_at.isoformat() if send_at else None,
        )
    return queued


def resend(message_id: int, actor: str) -> OutboxMessage:
    """Queue the message again, as a new message rendered from the guest's state now."""
    original = db.session.get(OutboxMessage, message_id)
    if original is None:
        raise NotFound()
    guest = original.guest
    reason = unfit_reason(original.kind, guest, utcnow())
    if reason is not None:
        raise InvalidAnswer(_l("Not sent again: %(reason)s"), reason=REASONS[reason])
    if _has_open(guest, original.kind, (MessageStatus.QUEUED,)):
        raise InvalidAnswer(_l("This message is already waiting to go out."))
    message = enqueue(guest, original.kind, actor=actor, details=original.details)
    audit.record(
        "mail.resent",
        actor=actor,
        event_id=guest.event_id,
        guest_id=guest.id,
        kind=original.kind.value,
        original=original.id,
    )
    return message


def can_resend(message: OutboxMessage, now: datetime | None = None) -> bool:
    """Whether the console offers to send this message again now."""
    finished = message.status in (MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.CANCELLED)
    return finished and unfit_reason(message.kind, message.guest, now or utcnow()) is None


def messages_of(guest: Guest) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.guest_id == guest.id)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        )
    )


def recent_messages(event: Event, limit: int = 50) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.event_id == event.id)
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def status_counts(event: Event) -> dict[MessageStatus, int]:
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count())
        .where(OutboxMessage.event_id == event.id)
        .group_by(OutboxMessage.status)
    ).all()
    counts = {status: 0 for status in MessageStatus}
    counts.update({MessageStatus(status): n for status, n in rows})
    return counts


# -- does the message still fit? -------------------------------------------------------------


def unfit_reason(kind: MessageKind, guest: Guest, now: datetime) -> str | None:
    """Why a message of this kind must not go to the guest now (a code of REASONS), or None."""
    event = guest.event
    if guest.is_revoked:
        return "revoked"
    if now >= event.ends_at:
        return "event_over"
    seat_state = guest.seat.state if guest.seat is not None else None
    answer = guest.rsvp
    if kind in WITH_BADGE:
        return None if seat_state == SeatState.CONFIRMED else "seat_changed"
    if kind == MessageKind.WAITLISTED:
        return None if seat_state == SeatState.WAITLISTED else "seat_changed"
    if kind == MessageKind.DECLINED:
        return None if answer is not None and not answer.attending else "seat_changed"
    if kind == MessageKind.REMINDER_UNANSWERED:
        if answer is not None:
            return "answered"
        return None if now <= event.rsvp_deadline else "replies_closed"
    if kind == MessageKind.INVITATION:
        return None if now <= event.rsvp_deadline else "replies_closed"
    return None


# -- rendering -------------------------------------------------------------------------------


@dataclass
class Attachment:
    filename: str
    maintype: str
    subtype: str
    data: bytes
    params: dict = field(default_factory=dict)


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


def render(message: OutboxMessage, guest: Guest, now: datetime) -> OutgoingMail:
    """The whole e-mail, in the guest's language, from the guest's state now."""
    event = guest.event
    kind = message.kind
    link = invitations.invitation_url(guest)
    seat = guest.seat
    attachments: list[Attachment] = []
    qr_cid = None
    with guest_language(guest):
        subject = _subject(kind, guest, message.details)
        if kind in WITH_BADGE:
            badge = _badge_attachment(guest)
            attachments.append(badge)
            qr_cid = make_msgid(idstring="badge", domain=_mail_domain())
            ics = calendar.guest_calendar(guest, now=now)
            attachments.append(
                Attachment(
                    calendar.filename(event), "text", "calendar", ics, {"method": calendar.PUBLISH}
                )
            )
        elif kind == MessageKind.DECLINED and message.details.get("released") == "confirmed":
            ics = calendar.guest_calendar(guest, cancelled=True, now=now)
            attachments.append(
                Attachment(
                    calendar.filename(event), "text", "calendar", ics, {"method": calendar.CANCEL}
                )
            )
        context = dict(
            kind=kind.value,
            subject=subject,
            guest=guest,
            event=event,
            link=link,
            calendar_url=f"{link}/calendar.ics",
            google_url=calendar.google_calendar_url(event),
            location=calendar.location(event),
            channel=_channel(guest),
            position=seats.waitlist_position(seat) if seat is not None else None,
            released=message.details.get("released"),
            updated=bool(message.details.get("updated")),
            replies_open=now <= event.rsvp_deadline,
            qr_cid=qr_cid[1:-1] if qr_cid else None,
            lang=_language_tag(guest.language),
        )
        text = render_template(f"emails/{kind.value}.txt", **context)
        html = render_template(f"emails/{kind.value}.html", **context)

    config = current_app.config
    email_message = EmailMessage(policy=email.policy.default.clone(cte_type="7bit"))
    email_message["Subject"] = subject
    email_message["From"] = config["REGISTRAR_MAIL_FROM"]
    name = guest.name_zh if guest.language == Language.ZH_HANT else guest.name_en
    email_message["To"] = Address(
        display_name=name or guest.name_en or guest.name_zh, addr_spec=message.to_address
    )
    if config.get("REGISTRAR_MAIL_REPLY_TO"):
        email_message["Reply-To"] = config["REGISTRAR_MAIL_REPLY_TO"]
    email_message["Date"] = format_datetime(now)
    email_message["Message-ID"] = message.message_id
    # An automatic message: no out-of-office replies to it, please (RFC 3834).
    email_message["Auto-Submitted"] = "auto-generated"
    email_message.set_content(text)
    email_message.add_alternative(html, subtype="html")
    if qr_cid is not None:
        html_part = email_message.get_payload()[1]
        html_part.add_related(_qr_png(guest), "image", "png", cid=qr_cid, filename="badge-qr.png")
    for attachment in attachments:
        email_message.add_attachment(
            attachment.data,
            attachment.maintype,
            attachment.subtype,
            filename=attachment.filename,
            params=attachment.params,
        )
    # Last: set_content and add_attachment move or drop the Content-* headers set before.
    email_message["Content-Language"] = _language_tag(guest.language)
    stamp = message.created_at.strftime("%Y%m%d-%H%M%S")
    filename = f"{stamp}-{message.id:06d}-{kind.value}-{guest.language.value}.eml"
    return OutgoingMail(message=email_message, to=message.to_address, filename=filename)


# -- backends --------------------------------------------------------------------------------


class DeliveryError(Exception):
    """The backend could not deliver one message.

    permanent: retrying will not help (5xx): give the message up. connection_lost: the server
    went away or refuses us as a whole: end this batch, the rest waits for the next run.
    """

    def __init__(self, text: str, *, permanent: bool = False, connection_lost: bool = False):
        super().__init__(text)
        self.permanent = permanent
        self.connection_lost = connection_lost


def _smtp_text(code: int, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def classify(exc: Exception) -> DeliveryError:
    """Sort an smtplib or socket error into temporary, permanent, or connection lost."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return DeliveryError(
            _smtp_text(code, text), permanent=500 <= code < 600, connection_lost=code == 421
        )
    if isinstance(
        exc, smtplib.SMTPAuthenticationError | smtplib.SMTPSenderRefused | smtplib.SMTPHeloError
    ):
        # The server refuses us, not this message: the settings need fixing; the queue waits.
        return DeliveryError(_smtp_text(exc.smtp_code, exc.smtp_error), connection_lost=True)
    if isinstance(exc, smtplib.SMTPConnectError):
        return DeliveryError(_smtp_text(exc.smtp_code, exc.smtp_error), connection_lost=True)
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        return DeliveryError(
            _smtp_text(code, exc.smtp_error),
            permanent=500 <= code < 600,
            connection_lost=code == 421,
        )
    # Disconnected, refused, timed out, TLS failed, STARTTLS not offered: the connection.
    return DeliveryError(f"{type(exc).__name__}: {exc}", connection_lost=True)


class SmtpBackend:
    """One connection for a batch, opened at the first message and closed at the end."""

    def __init__(self, config):
        self.host = config["REGISTRAR_SMTP_HOST"]
        self.port = int(config["REGISTRAR_SMTP_PORT"])
        self.security = config["REGISTRAR_SMTP_SECURITY"]
        self.user = config["REGISTRAR_SMTP_USER"]
        self.password = config["REGISTRAR_SMTP_PASSWORD"]
        self.timeout = float(config["REGISTRAR_SMTP_TIMEOUT"])
        self.envelope_from = parseaddr(config["REGISTRAR_MAIL_FROM"])[1]
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.security == "ssl":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, mail: OutgoingMail) -> None:
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(mail.message, from_addr=self.envelope_from, to_addrs=[mail.to])
        except Exception as exc:
            error = classify(exc)
            if error.connection_lost:
                self._drop()
            raise error from exc

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()


class FileBackend:
    """The demo's backend: each message becomes an .eml file that any mail program opens."""

    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, mail: OutgoingMail) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / mail.filename
            # Whole files only: written aside, then renamed into place.
            partial = self.directory / f".{mail.filename}.{os.getpid()}.part"
            partial.write_bytes(mail.message.as_bytes())
            os.replace(partial, path)
        except OSError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}", connection_lost=True) from exc

    def close(self) -> None:
        pass


def outbox_directory() -> Path:
    configured = current_app.config.get("REGISTRAR_MAIL_OUTBOX_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


def make_backend():
    if current_app.config["REGISTRAR_MAIL_BACKEND"] == "smtp":
        return SmtpBackend(current_app.config)
    return FileBackend(outbox_directory())


# -- delivery --------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    # Why the batch ended before the queue was empty (the server went away), if it did.
    stopped: str = ""

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed + self.cancelled


def retry_delay(attempts: int) -> timedelta:
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_LONGEST)


def _claim_next(now: datetime) -> int | None:
    """Mark the next due message as being sent and return its id (the caller commits).

    A message still marked as being sent after its lease ran out belonged to a sender that
    died; it is taken again. The conditional update keeps two senders off one message; on
    PostgreSQL SKIP LOCKED lets them work side by side, SQLite lets one writer in at a time.
    """
    due = sa.and_(OutboxMessage.status.in_(OPEN), OutboxMessage.next_attempt_at <= now)
    query = (
        sa.select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.attempts)
        .where(due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = db.session.execute(query).first()
    if row is None:
        return None
    claimed = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == row.id,
            OutboxMessage.status == row.status,
            OutboxMessage.attempts == row.attempts,
        )
        .values(
            status=MessageStatus.SENDING,
            attempts=row.attempts + 1,
            next_attempt_at=now + CLAIM_LEASE,
        )
        .execution_options(synchronize_session=False)
    )
    return row.id if claimed.rowcount == 1 else None


def _retry_or_fail(message: OutboxMessage, error: str, now: datetime) -> MessageStatus:
    message.last_error = error[:1000]
    if message.attempts >= int(current_app.config["REGISTRAR_MAIL_MAX_ATTEMPTS"]):
        message.status = MessageStatus.FAILED
    else:
        message.status = MessageStatus.QUEUED
        message.next_attempt_at = now + retry_delay(message.attempts)
    return message.status


def _still_ours(message: OutboxMessage | None, attempts: int) -> bool:
    # Another sender took the message over after our lease ran out: its outcome counts.
    return (
        message is not None
        and message.status == MessageStatus.SENDING
        and message.attempts == attempts
    )


def _deliver_one(message_id: int, backend, now: datetime, report: DeliveryReport) -> bool:
    """Deliver one claimed message and record how it went; False ends the batch."""
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    attempts = message.attempts
    guest = message.guest
    reason = unfit_reason(message.kind, guest, now)
    if reason is not None:
        message.status = MessageStatus.CANCELLED
        message.reason = reason
        db.session.commit()
        report.cancelled += 1
        return True
    try:
        outgoing = render(message, guest, now)
    except Exception as exc:  # a bug in a template or a badge must not hold up the queue
        log.exception("rendering outbox message %s failed", message_id)
        status = _retry_or_fail(message, f"rendering failed: {type(exc).__name__}: {exc}", now)
        db.session.commit()
        report.retrying += status == MessageStatus.QUEUED
        report.failed += status == MessageStatus.FAILED
        return True
    subject = str(outgoing.message["Subject"])
    # Talk to the server with no transaction open: SQLite's writers are not held up meanwhile.
    db.session.commit()

    try:
        backend.send(outgoing)
    except DeliveryError as exc:
        message = db.session.get(OutboxMessage, message_id, populate_existing=True)
        if _still_ours(message, attempts):
            if exc.permanent:
                message.status = MessageStatus.FAILED
                message.last_error = str(exc)[:1000]
            else:
                _retry_or_fail(message, str(exc), now)
            report.failed += message.status == MessageStatus.FAILED
            report.retrying += message.status == MessageStatus.QUEUED
        db.session.commit()
        if exc.connection_lost:
            report.stopped = str(exc)
            return False
        return True

    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    if _still_ours(message, attempts):
        sent_at = utcnow()
        message.status = MessageStatus.SENT
        message.sent_at = sent_at
        message.subject = subject[:300]
        message.last_error = ""
        if message.kind == MessageKind.INVITATION:
            message.guest.sent_at = sent_at
    db.session.commit()
    report.sent += 1
    return True


def deliver_due(*, limit: int | None = None, now: datetime | None = None) -> DeliveryReport:
    """Send the messages that are due, oldest first, at most `limit`.

    The sender is an edge of its own: it commits after claiming a message and again after the
    backend's answer, so a crash at any point loses nothing. What can repeat is only a message
    the server had accepted when the sender died before recording it; it goes out again with
    the same Message-ID, by which mail programs recognise the repeat.
    """
    report = DeliveryReport()
    backend = make_backend()
    try:
        while limit is None or report.handled < limit:
            moment = now or utcnow()
            message_id = _claim_next(moment)
            db.session.commit()
            if message_id is None:
                break
            if not _deliver_one(message_id, backend, moment, report):
                break
    finally:
        backend.close()
    return report
