"""Where a rendered e-mail goes: an SMTP server, or .eml files in a folder for the demo.

A backend either delivers one message or raises DeliveryError saying whether to retry it,
give it up, or end the batch because the server went away.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Protocol

from flask import current_app

from ..services.outbox import outbox_directory
from .render import OutgoingMail


class DeliveryError(Exception):
    """The backend could not deliver one message.

    permanent: retrying will not help (5xx): give the message up. connection_lost: the server
    went away or refuses us as a whole: end this batch, the rest waits for the next run.
    """

    def __init__(
        self, text: str, *, permanent: bool = False, connection_lost: bool = False
    ) -> None:
        super().__init__(text)
        self.permanent = permanent
        self.connection_lost = connection_lost


def _smtp_text(code: int, text: bytes | str) -> str:
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


class Backend(Protocol):
    def send(self, mail: OutgoingMail) -> None:
        """Deliver the message, or raise DeliveryError."""

    def close(self) -> None:
        """End the batch: let go of what the backend holds open."""


class SmtpBackend:
    """One connection for a batch, opened at the first message and closed at the end."""

    def __init__(self, config: Mapping[str, Any]) -> None:
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
        smtp: smtplib.SMTP
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

    def __init__(self, directory: Path) -> None:
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


def make_backend() -> Backend:
    if current_app.config["REGISTRAR_MAIL_BACKEND"] == "smtp":
        return SmtpBackend(current_app.config)
    return FileBackend(outbox_directory())
