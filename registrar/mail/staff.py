"""E-mail to staff: the link to set a password, sent at once, not through the outbox.

The outbox is the guests' (each row is rendered from a guest's state when it is due). A
staff member's message is one e-mail that someone is waiting for: an organizer who just
invited a colleague, or a person at the login page. It is sent during the request, after the
change it tells about was committed, and a failure is shown to whoever is waiting, who can
ask for a new link; nothing is left behind to retry.
"""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..models import Event, StaffUser, utcnow
from ..services import staff
from ..text import one_line
from .backends import DeliveryError, make_backend
from .render import OutgoingMail, _mailbox

SUBJECTS = {
    "invitation": _l("You are invited to the registrar team"),
    "reset": _l("Set a new password"),
}


def password_link_mail(user: StaffUser, kind: str, event: Event | None = None) -> OutgoingMail:
    """The e-mail with the account's link, in the language of the request that sends it."""
    subject = str(SUBJECTS[kind])
    text = render_template(
        "emails/staff_link.txt",
        kind=kind,
        user=user,
        event=event,
        link=staff.password_link_url(user),
        hours=int(current_app.config["REGISTRAR_STAFF_LINK_HOURS"]),
    )
    config = current_app.config
    message = EmailMessage(policy=email.policy.default.clone(cte_type="7bit"))
    message["Subject"] = one_line(subject)
    message["From"] = _mailbox(config["REGISTRAR_MAIL_FROM"])
    message["To"] = user.email
    message["Date"] = format_datetime(utcnow())
    message_id = make_msgid(domain="registrar.staff")
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = "zh-Hant-TW" if str(get_locale()) == "zh_Hant" else "en"
    message.set_content(text)
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    filename = f"{stamp}-staff-{user.id:06d}-{kind}-{message_id[1:9]}.eml"
    return OutgoingMail(message=message, to=user.email, filename=filename)


def send_password_link(user: StaffUser, kind: str, event: Event | None = None) -> str | None:
    """Send the link now; None when it went, else what went wrong (for the page to say)."""
    backend = make_backend()
    try:
        backend.send(password_link_mail(user, kind, event))
    except DeliveryError as exc:
        current_app.logger.warning("staff e-mail to %s not sent: %s", user.email, exc)
        return str(exc)
    finally:
        backend.close()
    return None
