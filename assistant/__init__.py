"""Scoring Assistant: a local-first assistant for film scoring.

The library is the only home of domain logic; the CLI (`assistant.cli`), the
studio UI (`ui/`) and the training scripts (`training/`) are thin layers over it.
"""

from __future__ import annotations

__version__ = "0.1.0"
