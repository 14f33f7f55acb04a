"""Themes: who gets one, writing them in a classical form, variation operators, the
development plan across the film and the educator's lesson.

The package keeps every name the earlier ``assistant.themes`` module had (the demo and the
pipeline import them) and adds:

* :func:`write_themes` / :class:`RankedTheme` (``assistant.themes.write``),
* the operators in :mod:`assistant.themes.ops`,
* :func:`plan_development` / :class:`DevelopmentPlan` (``assistant.themes.plan``),
* motif extraction and the structural checks (``assistant.themes.checks``),
* importing and editing a theme (``assistant.themes.io``),
* the lesson page (``assistant.themes.lesson``).
"""

from __future__ import annotations

from assistant.themes.plan import DevelopmentPlan, plan_development
from assistant.themes.subjects import (
    THEME_BARS,
    ThemeSubject,
    assign_themes,
    choose_subjects,
    controls_for,
    develop,
    lead_instrument,
    part_for,
    place_on_conductor,
    variation_strength,
    write_theme,
)
from assistant.themes.write import RankedTheme, write_themes

__all__ = [
    "THEME_BARS",
    "DevelopmentPlan",
    "RankedTheme",
    "ThemeSubject",
    "assign_themes",
    "choose_subjects",
    "controls_for",
    "develop",
    "lead_instrument",
    "part_for",
    "plan_development",
    "place_on_conductor",
    "variation_strength",
    "write_theme",
    "write_themes",
]
