"""Colour: decided once per run (app asks use_colour), applied by paint."""
from __future__ import annotations

import os
from typing import Optional, TextIO


def use_colour(stream: TextIO) -> bool:
    """Colour only on a terminal and never with NO_COLOR set (app decides it once per run)."""
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


_COLOURS = {"green": "32", "red": "31", "yellow": "33", "grey": "90",
            "blue": "34", "magenta": "35", "cyan": "36", "bold": "1", "bold-red": "1;31"}


def paint(text: str, colour: Optional[str], enabled: bool) -> str:
    """Wrap text in an ANSI colour when enabled."""
    if not enabled or not colour:
        return text
    return f"\x1b[{_COLOURS[colour]}m{text}\x1b[0m"
