"""The programme of an event: its items (sessions and breaks) and their speakers and moderators.

What an item or a person may hold (checks), the audited steps the editor and the event-file
import share (steps), and the editor's use cases under the event lock (editing).

The rules, in one place:

- An item's times are typed as "HH:MM" on the event's day, in the event's time zone, and lie
  within the event's hours (its start to its end; doors open before that, with no item).
- An item ends after it starts, and no two items overlap: the event has one room, so the
  programme runs one item after another (one may start when the other ends).
- The items' order is the order of their times: positions are 1..n by start time, renumbered
  after every change. Moving an item changes the running order: the items it passes keep their
  lengths and the pauses between them, and their times follow; the moved stretch starts and
  ends when it did.
- An item has a title in at least one language; a person has a name in at least one script.
  Every text is one line.
- Every change takes the event lock first (so that two organizers never interleave a
  renumbering), checks the event may still change, and writes an audit entry.
- A move names the position the page showed (`from_position`, as seats.move_on_waitlist does):
  a double submit, or someone else's change in between, moves nothing.
"""

from .checks import (
    ITEM_LENGTHS,
    PERSON_LENGTHS,
    ItemDetails,
    PersonDetails,
    ProgrammeChanged,
    ProgrammeError,
    checked_item,
    checked_person,
    clock,
    require_within_hours,
    zone_of,
)
from .editing import (
    ItemGone,
    PersonGone,
    add_item,
    add_person,
    delete_item,
    delete_person,
    item_of,
    listed,
    move_item,
    move_person,
    person_of,
    update_item,
    update_person,
)
from .steps import (
    append_item,
    append_person,
    change_item,
    change_person,
    in_running_order,
    item_columns,
    item_record,
    remove_item,
    remove_person,
    renumber_items,
    renumber_people,
)

__all__ = [
    "ITEM_LENGTHS",
    "ItemDetails",
    "ItemGone",
    "PERSON_LENGTHS",
    "PersonDetails",
    "PersonGone",
    "ProgrammeChanged",
    "ProgrammeError",
    "add_item",
    "add_person",
    "append_item",
    "append_person",
    "change_item",
    "change_person",
    "checked_item",
    "checked_person",
    "clock",
    "delete_item",
    "delete_person",
    "item_of",
    "in_running_order",
    "item_columns",
    "item_record",
    "listed",
    "move_item",
    "move_person",
    "person_of",
    "remove_item",
    "remove_person",
    "renumber_items",
    "renumber_people",
    "require_within_hours",
    "update_item",
    "update_person",
    "zone_of",
]
