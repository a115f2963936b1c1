"""The door: one verdict per scan, every scan kept, occupancy, receivers and the search by name.

`verdict` decides (no I/O), `scans` reads and writes around it under the event lock, `answers`
is what the scanner is told; `receivers` and `search` serve the door beside the scans;
`unanswered` lets in a guest who never answered, where the event allows it; `door_list` is
what a scanner keeps for offline verdicts with names, and what the paper list prints;
`let_in` is a door lead's let-in of a refused guest, with a reason; `walk_ins` registers a
person at the door; `per_session` gives the figures of each session guests choose.
"""

from .answers import PROTOCOL_CATEGORIES, Occupancy, ScanAnswer, ShownGuest
from .door_list import DoorList, ListedGuest, door_list, listed_guests
from .let_in import MAX_REASON, LetIn, NoSessionSeatFree, RoomFull, let_in
from .per_session import (
    RoomOccupancy,
    SessionFigures,
    SessionOccupancy,
    SessionReceivers,
    door_occupancy,
    occupancy_by_session,
    receivers_by_session,
)
from .receivers import (
    MAX_RECEIVER,
    receiver_number,
    receivers_out,
    return_receiver,
    set_receiver,
)
from .scans import MAX_GATE, MAX_NONCE, check_in_by_name, occupancy, scan
from .search import MAX_QUERY, SEARCH_LIMIT, FoundGuest, search_example, search_guests
from .unanswered import DoorSendsToDesk, NoSeatFree, admit_unanswered
from .verdict import (
    CLOCK_SKEW,
    Decision,
    DoorRead,
    FirstScan,
    GuestAtDoor,
    NoAnswerAtDoor,
    ScanRequest,
    decide,
)
from .walk_ins import NotRunning, Registered, WalkIn, WalkInRoomFull, WalkInsOff, register_walk_in

__all__ = [
    "PROTOCOL_CATEGORIES",
    "CLOCK_SKEW",
    "MAX_GATE",
    "MAX_NONCE",
    "MAX_QUERY",
    "MAX_REASON",
    "MAX_RECEIVER",
    "SEARCH_LIMIT",
    "Decision",
    "DoorList",
    "DoorSendsToDesk",
    "DoorRead",
    "FirstScan",
    "FoundGuest",
    "GuestAtDoor",
    "ListedGuest",
    "LetIn",
    "NoAnswerAtDoor",
    "NoSeatFree",
    "NoSessionSeatFree",
    "NotRunning",
    "Occupancy",
    "Registered",
    "RoomOccupancy",
    "SessionFigures",
    "SessionOccupancy",
    "SessionReceivers",
    "RoomFull",
    "ScanAnswer",
    "ScanRequest",
    "ShownGuest",
    "WalkIn",
    "WalkInRoomFull",
    "WalkInsOff",
    "admit_unanswered",
    "check_in_by_name",
    "decide",
    "door_occupancy",
    "occupancy_by_session",
    "receivers_by_session",
    "door_list",
    "listed_guests",
    "let_in",
    "occupancy",
    "register_walk_in",
    "receiver_number",
    "receivers_out",
    "return_receiver",
    "scan",
    "search_example",
    "search_guests",
    "set_receiver",
]
