"""A real HTTP receiver of webhooks on the loopback, in a thread: it verifies each signature as
the README tells a receiver to, keeps what it got, and can be taken down and brought back on
the same port."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .live_server import free_port


class Receiver:
    def __init__(self, secret: str = "") -> None:
        self.port = free_port()
        self.secret = secret
        self.lock = threading.Lock()
        # (delivery header, parsed body, signature verified)
        self.received: list[tuple[str, dict, bool]] = []
        self.answer = 200
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def verify(self, header: str, body: bytes) -> bool:
        """What a receiver does (README, "Webhooks"): recompute the MAC, compare, check the time."""
        fields = dict(part.split("=", 1) for part in header.split(","))
        signed = fields["t"].encode() + b"." + body
        expected = hmac.new(self.secret.encode(), signed, hashlib.sha256).hexdigest()
        recent = abs(time.time() - int(fields["t"])) < 300
        return hmac.compare_digest(expected, fields["v1"]) and recent

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = receiver.verify(self.headers.get("Registrar-Signature", ""), body)
                with receiver.lock:
                    receiver.received.append(
                        (self.headers.get("Registrar-Delivery", ""), json.loads(body), ok)
                    )
                self.send_response(receiver.answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def bodies(self) -> list[dict]:
        with self.lock:
            return [body for _, body, _ in self.received]
