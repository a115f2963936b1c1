"""Seats: confirmed within capacity, waitlisted in a stable order, promoted when freed; and the
seats held for named guests or for categories (holds).

A guest who says yes takes, in this order: a seat held for them by name, a seat held for their
category, an open seat, the end of the waitlist. Open seats are the capacity less the seats held
back (`Event.held_seats`, for the organizer alone) less every hold's seats; a guest without a
hold never takes a held seat. A held seat freed goes back to its hold: a named one waits for its
guest, a category's goes to the first waitlisted guest of that category, if any.

Every function that changes seats runs under the event lock (locking.lock_event): those that
take an event take it as the caller locked it, and refuse to run when it is not.

An event whose guests choose sessions seats them per session (sessions: its docstring says how).

The package: counts (how many seats, where a yes would sit), queue (the waitlist as it
stands), placing (taking, giving up and passing seats; promotion), moves (the organizer's
moves on the waitlist), holds (seats held for guests and categories) and sessions (a seat and a
waitlist per session guests choose).
"""

from . import sessions
from .counts import (
    COUNTS_OF_GUESTS_EVENT,
    SeatCounts,
    chooses_sessions,
    counts_from,
    seat_counts,
)
from .holds import (
    MAX_HOLD,
    Hold,
    HoldsChanged,
    hold_seat_for_guest,
    holds_of,
    release_guest_hold,
    set_category_holds,
    set_holds,
    set_seats,
)
from .moves import WaitlistChanged, move_on_waitlist, promote_guest
from .placing import (
    category_changed,
    confirm_or_waitlist,
    has_seat_for,
    held_for_another_category,
    pass_seat,
    promote_from_waitlist,
    release,
    set_capacity,
    take_seat_by_statement,
)
from .queue import waitlist, waitlist_page, waitlist_position, waitlist_with_guests

__all__ = [
    "Hold",
    "HoldsChanged",
    "MAX_HOLD",
    "COUNTS_OF_GUESTS_EVENT",
    "SeatCounts",
    "WaitlistChanged",
    "category_changed",
    "chooses_sessions",
    "confirm_or_waitlist",
    "has_seat_for",
    "held_for_another_category",
    "hold_seat_for_guest",
    "holds_of",
    "move_on_waitlist",
    "pass_seat",
    "promote_from_waitlist",
    "promote_guest",
    "release",
    "release_guest_hold",
    "counts_from",
    "seat_counts",
    "sessions",
    "set_capacity",
    "set_category_holds",
    "set_holds",
    "set_seats",
    "take_seat_by_statement",
    "waitlist",
    "waitlist_page",
    "waitlist_position",
    "waitlist_with_guests",
]
