"""Organizer console: a module per screen; every URL of it in blueprint.py."""

from __future__ import annotations

from .blueprint import bp

__all__ = ["bp"]
