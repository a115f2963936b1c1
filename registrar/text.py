"""Plain text as people type it: what a name, an organization or a title may hold."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from .errors import InvalidAnswer

# C0 controls (tab, line feed and carriage return among them), DEL and the C1 controls. None of
# them belongs in a one-line value, and a line break in a name would break an e-mail header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")

ONE_LINE_MESSAGE = _l(
    "Names, organizations and titles go on one line, without line breaks, tabs or other "
    "control characters."
)


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


def one_line(text: str) -> str:
    """The text with every run of control characters (a line break, a tab) made one space."""
    return " ".join(_CONTROL.sub(" ", text).split())


def require_one_line(*values: str) -> None:
    """Refuse names, organizations and titles that hold a control character, from any edge.

    Leading and trailing white space is the caller's to strip (a pasted name often ends in a
    line break); what is left must be one line.
    """
    if any(has_control_characters(value) for value in values):
        raise InvalidAnswer(ONE_LINE_MESSAGE)
