"""A real SMTP server on the loopback (aiosmtpd) that keeps what it accepts, for mail tests;
told to, it refuses a recipient or drops the connection, as real servers do."""

from __future__ import annotations

import email
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from .live_server import free_port


class Inbox:
    """The messages the server accepted, in order, parsed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[EmailMessage] = []
        # address -> SMTP reply to RCPT TO, e.g. "550 5.1.1 No such user"
        self.refuse: dict[str, str] = {}
        # After this many accepted messages, the next DATA drops the connection ("close") or
        # answers 421 ("421"), once.
        self.drop_after: int | None = None
        self.drop_how = "close"
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.drop_after is not None and len(self.received) >= self.drop_after:
                self.drop_after = None
                if self.drop_how == "close":
                    server.transport.close()
                return "421 4.3.2 Service shutting down"
            message = email.message_from_bytes(envelope.original_content, policy=policy.default)
            self.received.append(message)  # type: ignore[arg-type]  # policy.default's class
        return "250 2.0.0 Accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if address in str(m["To"])]

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.received]


@contextmanager
def smtp_inbox(inbox: Inbox | None = None) -> Iterator[Inbox]:
    """A server on a free port keeping what it accepts in `inbox` (a new Inbox if none)."""
    inbox = inbox or Inbox()
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


@pytest.fixture
def smtp_server() -> Iterator[Inbox]:
    """A real SMTP server on loopback for the test. A module that imports this fixture with
    `app_config` below has its app send every e-mail there."""
    with smtp_inbox() as inbox:
        yield inbox


@pytest.fixture
def app_config(app_config, smtp_server: Inbox) -> dict[str, object]:
    return {**app_config, **smtp_config(smtp_server)}
