"""The JSON API v1 for the door: its routes, its wire contract, and the OpenAPI document."""

from . import (
    change_requests,
    companions,
    door_records,
    events,
    exports,
    guest_answers,
    messages,
    openapi,
    programme,
    questions,
    seating,
    travel,
)
from .routes import bp

# The document is served beside the routes it describes, and is built from the same models.
openapi.register(bp)

__all__ = [
    "bp",
    "change_requests",
    "companions",
    "door_records",
    "events",
    "exports",
    "guest_answers",
    "messages",
    "programme",
    "questions",
    "seating",
    "travel",
]
