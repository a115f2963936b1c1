"""Keep personal link tokens out of log lines: they are keys to a guest's answer and badge."""

from __future__ import annotations

import logging
import re

from flask import Flask

# /i/<invitation token>/... and /door/l/<door link token>, wherever a path appears in a line.
_TOKEN_IN_PATH = re.compile(r"(/i/|/door/l/)[^/\s?\"']+")


def redact(text: str) -> str:
    return _TOKEN_IN_PATH.sub(r"\1…", text)


class RedactTokens(logging.Filter):
    """Rewrites a record's message with the tokens cut out (the traceback keeps no request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def init_app(app: Flask) -> None:
    # Flask logs "Exception on <path> [METHOD]" for an error: the path may hold a token.
    app.logger.addFilter(RedactTokens())
