"""The demo: the CityCOP forum, its sample guests and their answers, from the files in data/."""

from .seed import (
    DAYS_AHEAD,
    DOOR_EMAIL,
    DOOR_PASSWORD,
    LEAD_EMAIL,
    LEAD_PASSWORD,
    ORGANIZER_EMAIL,
    ORGANIZER_PASSWORD,
    DemoResult,
    forum_day,
    read_answers,
    read_event,
    read_session_choices,
    seed,
)

__all__ = [
    "DAYS_AHEAD",
    "DOOR_EMAIL",
    "DOOR_PASSWORD",
    "LEAD_EMAIL",
    "LEAD_PASSWORD",
    "ORGANIZER_EMAIL",
    "ORGANIZER_PASSWORD",
    "DemoResult",
    "forum_day",
    "read_answers",
    "read_event",
    "read_session_choices",
    "seed",
]
