"""Plain text as people type it: what a name, an organization or a title may hold."""

from __future__ import annotations

import re

# C0 controls (tab, line feed and carriage return among them), DEL and the C1 controls. None of
# them belongs in a one-line value, and a line break in a name would break an e-mail header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


def one_line(text: str) -> str:
    """The text with every run of control characters (a line break, a tab) made one space."""
    return " ".join(_CONTROL.sub(" ", text).split())
