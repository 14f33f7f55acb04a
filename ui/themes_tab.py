"""Themes, palette and lesson tabs of the studio (wiring only; handlers in ui.themes_handlers)."""

from __future__ import annotations

from typing import Any


def build(demo: Any, studio: Any, state: Any, cue: Any, model: dict[str, Any], fail: Any) -> None:
    """Add the tabs inside ``demo`` (called within its ``with`` block)."""
