"""Rate limits beyond the login's: token pages per client address, scans per door, and every
API request per API token.

The numbers are settings (REGISTRAR_TOKEN_LIMIT, REGISTRAR_SCAN_LIMIT,
REGISTRAR_API_TOKEN_LIMIT); the counters live where RATELIMIT_STORAGE_URI says, shared by every
worker when that is Redis. A limited request gets the clear 429 page, or the JSON error on the
API, which the scanner keeps in its queue.
"""

from __future__ import annotations

from flask import current_app, request, session
from flask_limiter.util import get_remote_address

from .. import tokens
from ..extensions import limiter
from .access import DOOR_LINK_KEY


def _token_key() -> str | None:
    """A request with an API token counts against the token (its digest), not its address
    nor a session; a malformed token against the header it sent."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    return "token:" + tokens.api_token_digest(header.strip().partition(" ")[2].strip())


def _door_key() -> str:
    token = _token_key()
    if token is not None:
        return token
    # Doors behind one venue router share an address; each door's session is its own.
    who = session.get("_user_id") or session.get(DOOR_LINK_KEY)
    return f"door:{who}" if who else f"address:{get_remote_address()}"


# One budget for all of a visitor's token pages together (the RSVP page, its badge and
# calendar files, volunteers' door links): guessing links costs the same wherever it is tried.
token_pages = limiter.shared_limit(
    lambda: current_app.config["REGISTRAR_TOKEN_LIMIT"], scope="token-pages"
)

scans = limiter.shared_limit(
    lambda: current_app.config["REGISTRAR_SCAN_LIMIT"], scope="scans", key_func=_door_key
)

# Every API request made with a token, whatever it does: one budget per token.
api_tokens = limiter.shared_limit(
    lambda: current_app.config["REGISTRAR_API_TOKEN_LIMIT"],
    scope="api-tokens",
    key_func=lambda: _token_key() or "",
    exempt_when=lambda: request.headers.get("Authorization") is None,
)
