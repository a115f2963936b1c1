"""A real SMTP server on the loopback (aiosmtpd) that keeps what it accepts, for mail tests."""

from __future__ import annotations

import email
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from .live_server import free_port


class Inbox:
    """The messages the server accepted, in order, parsed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.received.append(message)  # type: ignore[arg-type]  # policy.default's class
        return "250 2.0.0 Accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if address in str(m["To"])]


@contextmanager
def smtp_inbox() -> Iterator[Inbox]:
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def smtp_config(inbox: Inbox) -> dict[str, object]:
    """The app settings that send through this server."""
    return {
        "REGISTRAR_MAIL_BACKEND": "smtp",
        "REGISTRAR_SMTP_HOST": "127.0.0.1",
        "REGISTRAR_SMTP_PORT": inbox.port,
        "REGISTRAR_SMTP_SECURITY": "none",
        "REGISTRAR_SMTP_TIMEOUT": 5,
        "REGISTRAR_MAIL_FROM": "Registrar <registrar@forum.example>",
    }
