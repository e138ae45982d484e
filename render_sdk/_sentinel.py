"""``NOT_GIVEN``: tells an argument the caller left out from one they passed explicitly."""

from __future__ import annotations

import enum
from typing import Final

__all__ = ["NOT_GIVEN", "NotGiven"]


class NotGiven(enum.Enum):
    """The type of ``NOT_GIVEN`` (an enum, so type checkers can narrow it away)."""

    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven.NOT_GIVEN
"""The default of an argument whose absence means "keep what is configured"."""
