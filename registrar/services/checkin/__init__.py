"""The door: one verdict per scan, every scan kept, occupancy, receivers and the search by name.

`verdict` decides (no I/O), `scans` reads and writes around it under the event lock, `answers`
is what the scanner is told; `receivers` and `search` serve the door beside the scans;
`unanswered` lets in a guest who never answered, where the event allows it.
"""

from .answers import Occupancy, ScanAnswer, ShownGuest
from .receivers import (
    MAX_RECEIVER,
    receiver_number,
    receivers_out,
    return_receiver,
    set_receiver,
)
from .scans import MAX_GATE, MAX_NONCE, check_in_by_name, occupancy, scan
from .search import MAX_QUERY, SEARCH_LIMIT, FoundGuest, search_guests
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

__all__ = [
    "CLOCK_SKEW",
    "MAX_GATE",
    "MAX_NONCE",
    "MAX_QUERY",
    "MAX_RECEIVER",
    "SEARCH_LIMIT",
    "Decision",
    "DoorSendsToDesk",
    "DoorRead",
    "FirstScan",
    "FoundGuest",
    "GuestAtDoor",
    "NoAnswerAtDoor",
    "NoSeatFree",
    "Occupancy",
    "ScanAnswer",
    "ScanRequest",
    "ShownGuest",
    "admit_unanswered",
    "check_in_by_name",
    "decide",
    "occupancy",
    "receiver_number",
    "receivers_out",
    "return_receiver",
    "scan",
    "search_guests",
    "set_receiver",
]
