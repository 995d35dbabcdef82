"""Test fixtures that create a flag: which state (on/off) a creating call gives it.

The call patterns come from `[tool.flagdebt] fixtures`; by default django-waffle's
`Flag`/`Switch`/`Sample` `.objects.create/get_or_create/update_or_create(name=...)`.
"""

from __future__ import annotations

import libcst as cst

from flagdebt.cstscan import dotted, literal_bool

# Keywords that say whether the created flag is on, as written in the call or in `defaults={}`.
STATE_KEYWORDS = ("everyone", "active", "enabled", "is_enabled", "is_active", "value", "percent")


def fixture_value(call: cst.Call) -> bool | None:
    """Whether the flag a fixture call creates is on; None when that is not written down.

    A state keyword decides (`everyone=True`, `active=False`, `percent=100`/`0`). Without one,
    a waffle Switch is off (its default), a waffle Flag or Sample depends on rules flagdebt
    cannot read (None), and any other fixture (`FlagFactory(name=...)`, `get(Feature, ...)`)
    is on: the row exists.
    """
    given = _keywords(call)
    for name in STATE_KEYWORDS:
        if name in given:
            return _state(name, given[name])
    callee = dotted(call.func)
    if "Switch" in callee:
        return False
    if "Flag" in callee or "Sample" in callee:
        return None
    return True


def _keywords(call: cst.Call) -> dict[str, cst.BaseExpression]:
    given = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    defaults = given.pop("defaults", None)
    if isinstance(defaults, cst.Dict):
        for element in defaults.elements:
            if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
                key = element.key.evaluated_value
                if isinstance(key, str):
                    given.setdefault(key, element.value)
    return given


def _state(name: str, value: cst.BaseExpression) -> bool | None:
    if name == "percent":
        number = value.value if isinstance(value, (cst.Integer, cst.Float)) else None
        if number is not None and float(number) in (0.0, 100.0):
            return float(number) == 100.0
        return None
    return literal_bool(value)
