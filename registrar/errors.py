"""Domain errors: raised by services, shown by views with their translated message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:
    from .models import Event


class DomainError(Exception):
    """A rule said no. `message` is user-facing and translated when shown."""

    status = 400
    title = _l("Sorry")
    default_message = _l("This request could not be carried out.")
    # The API's error code when it is more precise than the status's (web/errors.py).
    code: str | None = None

    def __init__(self, message: str | None = None, **params: object) -> None:
        self.message = message if message is not None else self.default_message
        self.params = params
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


class InvitationNotFound(DomainError):
    status = 404
    title = _l("This link does not work")
    default_message = _l(
        "This invitation link is not valid. Please check that you opened the whole link "
        "from your invitation e-mail."
    )


class InvitationInactive(DomainError):
    status = 410
    title = _l("This link is no longer active")
    default_message = _l(
        "This invitation link is no longer active. If you think this is a mistake, "
        "please contact the organizers."
    )

    def __init__(
        self, message: str | None = None, *, event: Event | None = None, **params: object
    ) -> None:
        super().__init__(message, **params)
        # The link's event, whose contact the page shows: the guest had the link, so who
        # organizes the event is no news to them (a link that is not ours names no event).
        self.event = event


class DeadlinePassed(DomainError):
    status = 409
    default_message = _l("The reply deadline has passed, so answers can no longer be changed.")


class InvalidAnswer(DomainError):
    status = 400


class CapacityTooLow(DomainError):
    status = 409


class NotFound(DomainError):
    status = 404
    default_message = _l("Not found.")


class NoBadge(NotFound):
    """Badges are for guests with a confirmed seat whose invitation stands."""

    title = _l("No badge")
    default_message = _l(
        "There is no badge for this invitation: badges are for guests with a confirmed seat."
    )


class Busy(DomainError):
    status = 503
    default_message = _l("The system is busy right now. Please try again in a moment.")


class DatabaseUnavailable(DomainError):
    """The database cannot be reached: restarting, failing over, or the connection was cut."""

    status = 503
    title = _l("Please try again in a moment")
    default_message = _l("The database cannot be reached right now. Please try again in a moment.")


class GuestErased(DomainError):
    status = 409
    title = _l("Personal data erased")
    default_message = _l(
        "This guest's personal data has been erased; the entry stays only for the counts and "
        "cannot be changed or answered for."
    )


class EventArchived(DomainError):
    status = 409
    title = _l("This event is archived")
    default_message = _l(
        "This event is archived, so nothing about it can be changed any more. Its lists and "
        "exports stay available."
    )


class EventCancelled(DomainError):
    status = 409
    title = _l("This event is cancelled")
    default_message = _l(
        "This event is cancelled and its guests were told, so its details can no longer change. "
        "It can still be archived, or copied for a new date."
    )
