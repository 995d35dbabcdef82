"""The shop's flag client: every flag read goes through flag_enabled()."""

from __future__ import annotations

import os

_OVERRIDES = {name.lower().replace("_", "-") for name in os.environ.get("SHOP_FLAGS", "").split(",")}


def flag_enabled(name: str) -> bool:
    """Whether a flag is on (a real shop would ask its flag service)."""
    return name in _OVERRIDES
