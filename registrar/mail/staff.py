"""E-mail to staff: the link to set a password, sent at once, not through the outbox.

The outbox is the guests' (each row is rendered from a guest's state when it is due). A
staff member's message is one e-mail that someone is waiting for: an organizer who just
invited a colleague, or a person at the login page. An organizer's invitation is sent during
the request, after the change it tells about was committed, and a failure is shown to the
organizer, who can ask for a new link; nothing is left behind to retry. A forgotten password's
link goes out once the page has answered, so that the answer takes as long whether the address
has an account or not.
"""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import Flask, current_app, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as BaseResponse

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
    return _send(_app(), password_link_mail(user, kind, event))


def send_after_answering(response: BaseResponse, user: StaffUser, kind: str) -> BaseResponse:
    """Send the link once `response` has gone out (a failure is only logged: the page has
    already said "if the address has an account, a link is on its way")."""
    app = _app()
    mail = password_link_mail(user, kind)

    def deliver() -> None:
        with app.app_context():
            _send(app, mail)

    response.call_on_close(deliver)
    return response


def _app() -> Flask:
    """The application itself, not the proxy: the delivery after the answer runs outside the
    request, in an application context of its own."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # a proxy's
    return app


def _send(app: Flask, mail: OutgoingMail) -> str | None:
    backend = make_backend()
    try:
        backend.send(mail)
    except DeliveryError as exc:
        app.logger.warning("staff e-mail to %s not sent: %s", mail.to, exc)
        return str(exc)
    finally:
        backend.close()
    return None
