"""Approving a request of any kind: the one place that knows which rules each kind follows
(name_changes, deputies, accompanying), for the console and the API alike."""

from __future__ import annotations

from ...models import ChangeRequest, RequestKind
from . import accompanying, deputies, name_changes


def approve(found: ChangeRequest, version: int | None, actor: str) -> None:
    """Approve the request at the version the organizer saw, by its kind's rules (each takes
    the event lock and checks the kind and the version again)."""
    if found.kind == RequestKind.COMPANION:
        accompanying.approve(found.id, version, actor)
    elif found.kind == RequestKind.DEPUTY:
        deputies.approve(found.id, version, actor)
    else:
        name_changes.approve(found.id, version, actor)
