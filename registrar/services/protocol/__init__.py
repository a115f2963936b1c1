"""Protocol for VIP forums: who the protocol desk awaits and who has arrived (`arrivals`), the
MC's list of the VIPs in the room (`arrivals` too: the same rows), and the place cards for the
speakers' table (`place_cards`). The order of every list is services/precedence.py's.
"""

from .arrivals import (
    DESK_CATEGORIES,
    DeskGuest,
    acknowledgement_list,
    arrival_desk,
    desk_version,
)
from .place_cards import (
    CARD_CATEGORIES,
    Card,
    UnknownGuests,
    cards_for,
    choosable_guests,
    filename,
    place_cards_pdf,
)

__all__ = [
    "CARD_CATEGORIES",
    "DESK_CATEGORIES",
    "Card",
    "DeskGuest",
    "UnknownGuests",
    "acknowledgement_list",
    "arrival_desk",
    "cards_for",
    "choosable_guests",
    "desk_version",
    "filename",
    "place_cards_pdf",
]
