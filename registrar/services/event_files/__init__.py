"""An event as a TOML file: for organizers who prepare a forum in a text editor and keep it in
version control, for the demo, and for tests.

The keys, and where each is in a text, are in layout; reading a text into the editor's details
and a programme in reading; writing an event back, its keys documented atop, in writing; the
import (create, or update with the console's rules and change notices) in importing, which
replaces the programme through programme. A file with an error names its line and key and
writes nothing.
"""

from .importing import FileImport, import_event
from .layout import EventFileError, Problem
from .programme import ProgrammeChanges
from .reading import DETAIL_KEYS, EventFile, PlannedItem, read_event_file
from .writing import HEADER, export_event

__all__ = [
    "DETAIL_KEYS",
    "HEADER",
    "EventFile",
    "EventFileError",
    "FileImport",
    "PlannedItem",
    "Problem",
    "ProgrammeChanges",
    "export_event",
    "import_event",
    "read_event_file",
]
