"""Every signature the app makes or checks. Each purpose has its own salt."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from .numbers import MAX_ID

INVITATION_SALT = "registrar.invitation.v1"


class InvalidToken(Exception):
    """Not a token of ours for this purpose: bad signature, garbage, truncated."""


class ExpiredToken(InvalidToken):
    """A token of ours, signed longer ago than its purpose allows."""


def _in_range(number: int) -> bool:
    # Every number we sign is an id or a version held in a 32-bit column: one beyond it was
    # never issued (only the secret key could make it), and no database could look it up.
    return type(number) is int and 1 <= number <= MAX_ID


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
    guest_id, version = _load_id_pair(INVITATION_SALT, token)
    return InvitationClaim(guest_id=guest_id, version=version)


def _load_id_pair(salt: str, token: str) -> tuple[int, int]:
    """The two ids (1 to MAX_ID) signed for this purpose; InvalidToken for anything else."""
    if not token or len(token) > 200:
        raise InvalidToken
    serializer = _serializer(salt)
    try:
        payload = serializer.loads(token)
    except (BadSignature, ValueError, UnicodeError) as exc:
        raise InvalidToken from exc
    if not isinstance(payload, list) or len(payload) != 2 or not all(_in_range(x) for x in payload):
        raise InvalidToken
    # The base64 decoder ignores padding and the spare low bits of the MAC's last character,
    # so several strings pass the signature check; only the one we issue is accepted.
    if serializer.dumps(payload) != token:
        raise InvalidToken
    return payload[0], payload[1]


# -- badge codes ---------------------------------------------------------------------------
# B1:<event>:<guest>:<version>:<MAC>, upper case, so that the QR code uses alphanumeric mode
# and stays at version 2. The MAC is 80 bits of HMAC-SHA256, base32 without padding.

BADGE_PREFIX = "B1"
BADGE_SALT = b"registrar.badge.v1"
_BADGE_MAC_BYTES = 10


@dataclass(frozen=True)
class BadgeClaim:
    event_id: int
    guest_id: int
    version: int


def _badge_mac(body: str) -> str:
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), BADGE_SALT, hashlib.sha256).digest()
    digest = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()[:_BADGE_MAC_BYTES]
    return base64.b32encode(digest).decode("ascii").rstrip("=")


def badge_code(event_id: int, guest_id: int, version: int) -> str:
    body = f"{BADGE_PREFIX}:{event_id}:{guest_id}:{version}"
    return f"{body}:{_badge_mac(body)}"


def read_badge_code(code: str) -> BadgeClaim:
    """The event, guest and version a badge was made for; InvalidToken if it is not ours."""
    code = (code or "").strip().upper()
    if len(code) > 64 or not code.isascii():
        raise InvalidToken
    parts = code.split(":")
    if len(parts) != 5 or parts[0] != BADGE_PREFIX:
        raise InvalidToken
    numbers = parts[1:4]
    if not all(p.isascii() and p.isdigit() and len(p) <= 12 and p[0] != "0" for p in numbers):
        raise InvalidToken
    body = ":".join(parts[:4])
    if not hmac.compare_digest(_badge_mac(body), parts[4]):
        raise InvalidToken
    event_id, guest_id, version = (int(p) for p in numbers)
    if not all(_in_range(n) for n in (event_id, guest_id, version)):
        raise InvalidToken
    return BadgeClaim(event_id=event_id, guest_id=guest_id, version=version)


# -- visa letter verification codes ----------------------------------------------------------
# L1-<letter id>-<MAC>, printed on a visa invitation letter and in its verification URL, short
# enough for a consulate to type: upper case, the MAC as 80 bits of HMAC-SHA256 in base32.
# Whether the letter is still the valid one (not superseded, revoked or expired) is the DB's call.

LETTER_PREFIX = "L1"
LETTER_SALT = b"registrar.visa-letter.v1"


def _short_mac(salt: bytes, body: str) -> str:
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), salt, hashlib.sha256).digest()
    digest = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()[:_BADGE_MAC_BYTES]
    return base64.b32encode(digest).decode("ascii").rstrip("=")


def letter_code(letter_id: int) -> str:
    body = f"{LETTER_PREFIX}-{letter_id}"
    return f"{body}-{_short_mac(LETTER_SALT, body)}"


def read_letter_code(code: str) -> int:
    """The id of the letter a verification code was made for; InvalidToken if it is not ours."""
    code = (code or "").strip().upper()
    if len(code) > 40 or not code.isascii():
        raise InvalidToken
    parts = code.split("-")
    if len(parts) != 3 or parts[0] != LETTER_PREFIX:
        raise InvalidToken
    number = parts[1]
    if not (number.isdigit() and len(number) <= 12 and number[0] != "0"):
        raise InvalidToken
    if not hmac.compare_digest(_short_mac(LETTER_SALT, f"{LETTER_PREFIX}-{number}"), parts[2]):
        raise InvalidToken
    if not _in_range(int(number)):
        raise InvalidToken
    return int(number)


# -- door links ----------------------------------------------------------------------------
# A volunteer's link to one event's scanner: signed, with its expiry and revocation in the
# database (DoorLink), so the organizer can end it early.

DOOR_LINK_SALT = "registrar.door-link.v1"


def door_link_token(link_id: int, event_id: int) -> str:
    return _serializer(DOOR_LINK_SALT).dumps([link_id, event_id])


def read_door_link_token(token: str) -> tuple[int, int]:
    """(door link id, event id) of a volunteer's scanner link."""
    return _load_id_pair(DOOR_LINK_SALT, token)


# -- staff password links --------------------------------------------------------------------
# An invitation to set a password, or a reset of a forgotten one: signed (account id, a digest
# of the account's password hash) with the time of signing. Setting a password changes the
# hash, so a link works once; the age limit is the caller's (REGISTRAR_STAFF_LINK_HOURS).

STAFF_LINK_SALT = "registrar.staff-password.v1"
_FINGERPRINT_LENGTH = 16


def password_fingerprint(password_hash: str) -> str:
    """What a staff link binds to: changes whenever the password does."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:_FINGERPRINT_LENGTH]


def _timed_serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def staff_link_token(staff_id: int, password_hash: str) -> str:
    return _timed_serializer(STAFF_LINK_SALT).dumps([staff_id, password_fingerprint(password_hash)])


def read_staff_link_token(token: str, max_age_seconds: int) -> tuple[int, str]:
    """(account id, password fingerprint) of a staff link; ExpiredToken past its age."""
    if not token or len(token) > 300:
        raise InvalidToken
    try:
        payload = _timed_serializer(STAFF_LINK_SALT).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise ExpiredToken from exc
    except (BadSignature, ValueError, UnicodeError) as exc:
        raise InvalidToken from exc
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not _in_range(payload[0])
        or not isinstance(payload[1], str)
        or len(payload[1]) != _FINGERPRINT_LENGTH
    ):
        raise InvalidToken
    return payload[0], payload[1]


# Webhooks: each webhook has its own random secret; a delivery is signed with HMAC-SHA256 over
# "<unix seconds>.<body>" and sent as `Registrar-Signature: t=<unix seconds>,v1=<hex>`.
WEBHOOK_SIGNATURE_HEADER = "Registrar-Signature"
WEBHOOK_DELIVERY_HEADER = "Registrar-Delivery"


def new_webhook_secret() -> str:
    """A webhook's signing secret, shown to the organizer to copy into the receiver."""
    return "whsec_" + secrets.token_urlsafe(32)


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value signing `body` at `timestamp` (unix seconds) with the webhook's secret."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_webhook_signature(
    secret: str, header: str, body: bytes, now: int, tolerance: int = 300
) -> bool:
    """What a receiver does: the MAC matches (in constant time) and the time is recent."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = webhook_signature(secret, timestamp, body).rpartition("v1=")[2]
    return hmac.compare_digest(expected, parts.get("v1", ""))


# -- API tokens ------------------------------------------------------------------------------
# rgr_<43 characters of a random 256-bit secret, base64url>. Only the SHA-256 of the whole
# token is stored: a secret this long needs no slow hash, and a leaked table opens nothing.
# The prefix lets secret scanners and people tell a registrar token at a glance.

API_TOKEN_PREFIX = "rgr_"
_API_SECRET_BYTES = 32
_API_TOKEN_LENGTH = len(API_TOKEN_PREFIX) + 43
# How much of a token lists show (the prefix and a few characters of the secret).
API_TOKEN_HINT_LENGTH = len(API_TOKEN_PREFIX) + 6


def new_api_token() -> str:
    """A fresh token, to be shown once and never stored."""
    return API_TOKEN_PREFIX + secrets.token_urlsafe(_API_SECRET_BYTES)


def api_token_digest(token: str) -> str:
    """What is stored of a token, and what a presented token is looked up by."""
    # (A presented token that is not ASCII is refused by read_api_token; the rate limits hash
    # whatever was sent, so nothing here may fail on it.)
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def read_api_token(token: str) -> str:
    """The digest to look a presented token up by; InvalidToken if it cannot be one of ours."""
    token = (token or "").strip()
    if (
        len(token) != _API_TOKEN_LENGTH
        or not token.startswith(API_TOKEN_PREFIX)
        or not token.isascii()
        or not all(c.isalnum() or c in "-_" for c in token[len(API_TOKEN_PREFIX) :])
    ):
        raise InvalidToken
    return api_token_digest(token)
