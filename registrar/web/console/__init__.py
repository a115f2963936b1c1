"""Organizer console: a module per screen; every URL of it in blueprint.py."""

from __future__ import annotations

from .blueprint import NAV, bp

__all__ = ["NAV", "bp"]
