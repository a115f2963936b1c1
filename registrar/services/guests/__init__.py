"""The console's guest list: finding guests (listing), adding, editing and answering for them
(editing), and erasing a guest's personal data on request (erasure)."""

from ...errors import GuestErased
from .editing import (
    FIELD_LENGTHS,
    DuplicateEmail,
    GuestDetails,
    GuestRevoked,
    add,
    answer_for,
    update,
)
from .erasure import ERASED_MARK, PERSONAL_KEYS, AlreadyErased, Erasure, erase
from .listing import (
    PER_PAGE,
    SORT_LABELS,
    STATE_LABELS,
    Criteria,
    GuestPage,
    GuestRow,
    GuestState,
    SessionFilter,
    SortKey,
    is_erased,
    of_event,
    parse_criteria,
    search,
    state_of,
)

__all__ = [
    "ERASED_MARK",
    "FIELD_LENGTHS",
    "PERSONAL_KEYS",
    "PER_PAGE",
    "SORT_LABELS",
    "STATE_LABELS",
    "AlreadyErased",
    "Criteria",
    "DuplicateEmail",
    "Erasure",
    "GuestDetails",
    "GuestErased",
    "GuestPage",
    "GuestRevoked",
    "GuestRow",
    "GuestState",
    "SessionFilter",
    "SortKey",
    "add",
    "answer_for",
    "erase",
    "is_erased",
    "of_event",
    "parse_criteria",
    "search",
    "state_of",
    "update",
]
