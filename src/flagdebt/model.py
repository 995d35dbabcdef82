"""The shared vocabulary: flags, call sites, findings, rules and the one error type."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Severity = Literal["error", "warning"]
FLAG_TYPES = ("release", "experiment", "ops", "permission")
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_day(text: str) -> date | None:
    """A YYYY-MM-DD date (`--today`, `until=`), else None; `date.fromisoformat` alone would
    also take 20261127 and 2026-W01."""
    if not DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


class FlagdebtError(Exception):
    """A user-facing error: bad config, registry or input. The message names file, line and key."""


@dataclass(frozen=True, slots=True)
class CallPattern:
    """A function that reads a flag: `name` is matched against the callee's trailing dotted name.

    `sdk`: module prefixes the call's receiver must trace to (a preset's generic method
    names); `objects`: constructors of flag objects, and `name` is the method that reads one
    (the key is the constructor's argument `arg`); `mixins`: `name` is a class attribute
    holding the key in classes with one of these bases. `negatable`: a key's leading `!`
    inverts it. `boolean` False: the call returns a flag's value, not True/False (a string
    variation); `default`: the position of a default-value argument, and the call is boolean
    when that argument is `True` or `False` (`variation("x", context, False)`).
    """

    name: tuple[str, ...]
    arg: int | str = 0
    keywords: tuple[str, ...] = ("name", "key", "flag", "flag_key")
    # For a call that returns a value rather than a bool: the arguments (positions or keyword
    # names) holding what it returns when the flag is on and when it is off.
    outcomes: tuple[int | str, int | str] | None = None
    sdk: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()
    mixins: tuple[str, ...] = ()
    negatable: bool = False
    boolean: bool = True
    default: int | None = None

    @property
    def spelled(self) -> str:
        text = ".".join(self.name) + ("" if self.arg == 0 and not self.outcomes else f":{self.arg}")
        return text if self.outcomes is None else text + ":" + ",".join(map(str, self.outcomes))


@dataclass(frozen=True, slots=True)
class Flag:
    """One registry entry of flags.toml."""

    key: str
    line: int
    type: str | None = None
    owner: str | None = None
    created: date | None = None
    description: str | None = None
    rolled_out: date | None = None
    rolled_back: date | None = None
    remove_by: date | None = None
    archived: date | None = None
    aliases: tuple[str, ...] = ()

    @property
    def settled(self) -> date | None:
        """The day the flag reached its final value (rolled out or rolled back)."""
        return self.rolled_out or self.rolled_back

    @property
    def final_value(self) -> bool | None:
        """The value removal keeps: True when rolled out, False when rolled back."""
        if self.rolled_out:
            return True
        if self.rolled_back:
            return False
        return None


@dataclass(frozen=True, slots=True)
class Registry:
    """All flags of one flags.toml, by key, plus the file they came from."""

    path: str
    flags: dict[str, Flag] = field(default_factory=dict)

    def lookup(self, spelling: str) -> Flag | None:
        """The flag whose key or alias is `spelling`."""
        flag = self.flags.get(spelling)
        if flag is not None:
            return flag
        for candidate in self.flags.values():
            if spelling in candidate.aliases:
                return candidate
        return None


MISSING_KEY = "<no "  # a dynamic spelling no source text has: `<no argument 3>`


def missing_key_spelling(arg: int | str) -> str:
    """The spelling of a key whose argument the call lacks (position or keyword name)."""
    return f"{MISSING_KEY}argument {arg}>" if isinstance(arg, int) else f"{MISSING_KEY}argument {arg}=>"


@dataclass(frozen=True, slots=True, order=True)
class CallSite:
    """A place in code that reads a flag.

    `key` is the resolved string key, or None when it could not be resolved;
    `spelling` is how the key is written in code (`"new-checkout"` for a literal,
    `Feature.NEW_CHECKOUT` for a reference). `dynamic` marks runtime values.
    """

    path: str
    line: int
    col: int
    key: str | None
    spelling: str
    callee: str
    stmt_line: int
    dynamic: bool = False
    decorator: bool = False
    scope: str = ""

    @property
    def missing_argument(self) -> str | None:
        """`argument 3` when the call lacks the argument its pattern reads the key from."""
        if self.dynamic and self.spelling.startswith(MISSING_KEY) and self.spelling.endswith(">"):
            return self.spelling[len(MISSING_KEY):-1]
        return None

    @property
    def names(self) -> tuple[str, ...]:
        """Every spelling the registry may know this site by, most specific first."""
        if self.key is not None and self.key != self.spelling:
            return (self.key, self.spelling)
        return (self.spelling,)


@dataclass(frozen=True, slots=True, order=True)
class Suppression:
    """A `# flagdebt: ignore[...]` comment; `codes` empty means every code.

    A malformed one (`problem` says how) silences nothing and is reported itself.
    """

    path: str
    line: int
    codes: frozenset[str] = frozenset()
    until: date | None = None
    reason: str = ""
    problem: str = ""

    def covers(self, code: str) -> bool:
        return not self.problem and (not self.codes or code in self.codes)


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One reported problem. Field order is the report order."""

    path: str
    line: int
    col: int
    code: str
    flag: str
    message: str
    severity: Severity = field(default="error", compare=False)
    owner: str | None = field(default=None, compare=False)
    deadline: date | None = field(default=None, compare=False)
    scope: str = field(default="", compare=False)


RuleCheck = Callable[..., Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule's code, kebab-case name, severity and the function that checks it."""

    code: str
    name: str
    severity: Severity
    check: RuleCheck | None = None
    doc: str = ""
