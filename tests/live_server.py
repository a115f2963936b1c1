"""A real HTTP server on 127.0.0.1 for the test's app: for browsers and parallel requests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve `app` from a thread (a thread per request) and yield its base URL.

    The server shares the app, and so the database, with the test. On SQLite every transaction
    takes the write lock at BEGIN: a test must commit (or roll back) before it lets the server
    work, or the server's requests wait for it.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
