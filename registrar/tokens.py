"""Every signature the app makes or checks. Each purpose has its own salt."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

INVITATION_SALT = "registrar.invitation.v1"


class InvalidToken(Exception):
    """Not a token of ours for this purpose: bad signature, garbage, truncated."""


@dataclass(frozen=True)
class InvitationClaim:
    guest_id: int
    version: int


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def invitation_token(guest_id: int, version: int) -> str:
    return _serializer(INVITATION_SALT).dumps([guest_id, version])


def read_invitation_token(token: str) -> InvitationClaim:
    """The guest and version a link was made for. Whether it is still current is the DB's call."""
    if not token or len(token) > 200:
        raise InvalidToken
    try:
        payload = _serializer(INVITATION_SALT).loads(token)
    except (BadSignature, ValueError, UnicodeError) as exc:
        raise InvalidToken from exc
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not all(type(x) is int and x > 0 for x in payload)
    ):
        raise InvalidToken
    return InvitationClaim(guest_id=payload[0], version=payload[1])
