"""Idempotency keys: a retry of a creating POST with the same `Idempotency-Key` gets the first
answer again and creates nothing.

The answer is stored in the transaction of the creation (`remember` before the edge commits),
so a key is never kept for something that was rolled back, and a creation never happens
without its key. Two requests with one key at the same moment: the second's commit hits the
unique (owner, key) and is rolled back whole, and it answers with the first's answer. A key is
the caller's own (its audit actor: an API token, an account, a door link) and is kept for
KEPT; an answer that was an error is not kept (a retry tries again).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import DomainError, InvalidAnswer
from ..extensions import db
from ..models import IdempotencyKey, utcnow

HEADER = "Idempotency-Key"
KEPT = timedelta(hours=24)
MAX_LENGTH = 255
REUSED = "idempotency_key_reused"


class KeyReused(DomainError):
    status = 409
    code = REUSED
    default_message = _l(
        "This Idempotency-Key was used for a different request (another body or address) in "
        "the last 24 hours. Use a new key for a new request."
    )


@dataclass(frozen=True)
class Stored:
    status: int
    body: dict[str, Any]


def check_key(key: str) -> str:
    """The key as sent, if it is one: 1 to 255 printable ASCII characters."""
    if not 1 <= len(key) <= MAX_LENGTH or not all(" " <= c <= "~" for c in key):
        raise InvalidAnswer(
            _l("An Idempotency-Key is 1 to %(max)d printable ASCII characters."), max=MAX_LENGTH
        )
    return key


def request_digest(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode("utf-8", "surrogateescape"), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def first_answer(owner: str, key: str, digest: str) -> Stored | None:
    """The answer stored for this key of this owner, if a request with it succeeded within
    KEPT; KeyReused when the key came with another request."""
    row = db.session.scalar(
        sa.select(IdempotencyKey).where(
            IdempotencyKey.owner == owner,
            IdempotencyKey.key == key,
            IdempotencyKey.created_at > utcnow() - KEPT,
        )
    )
    if row is None:
        return None
    if row.request_digest != digest:
        raise KeyReused()
    return Stored(status=row.status, body=dict(row.response))


def remember(owner: str, key: str, digest: str, status: int, body: dict[str, Any]) -> None:
    """Keep the answer, in the creation's transaction. Keys past KEPT go at the same time (a
    range of the index on created_at: none most of the time)."""
    db.session.execute(
        sa.delete(IdempotencyKey).where(IdempotencyKey.created_at <= utcnow() - KEPT)
    )
    db.session.add(
        IdempotencyKey(owner=owner, key=key, request_digest=digest, status=status, response=body)
    )
    db.session.flush()
