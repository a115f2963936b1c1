"""The seating plan: the room as rows of labelled seats, the reserved seats given to guests by
name, and the printable plan.

One module per seam: plan (the rows, their rules, saving them), assigning (a reserved seat
given to a guest, by hand or in precedence order) and pdf (the printable plan). Every change
runs under the event lock (locking.lock_event), as the seat service's do. A seat's label is
kept on the guest's seat (`Seat.label`): a seat given up frees its label, and a seat passed to
a deputy (seats.pass_seat) passes it.
"""

from .assigning import (
    FILL_CATEGORIES,
    Assigned,
    assign_seat,
    fill_in_precedence,
    seatable_guests,
    unassign_seat,
)
from .pdf import PAPER_SIZES, filename, seating_pdf
from .plan import (
    MAX_ROWS,
    MAX_SEATS,
    PlanChanged,
    PlanInvalid,
    PlanRow,
    PlanSeat,
    SeatingPlan,
    checked_rows,
    parse_numbers,
    plan_of,
    reserved_in_plan,
    save_plan,
    seat_label_of,
)

__all__ = [
    "FILL_CATEGORIES",
    "MAX_ROWS",
    "MAX_SEATS",
    "PAPER_SIZES",
    "Assigned",
    "PlanChanged",
    "PlanInvalid",
    "PlanRow",
    "PlanSeat",
    "SeatingPlan",
    "assign_seat",
    "checked_rows",
    "filename",
    "fill_in_precedence",
    "parse_numbers",
    "plan_of",
    "reserved_in_plan",
    "save_plan",
    "seat_label_of",
    "seatable_guests",
    "seating_pdf",
    "unassign_seat",
]
