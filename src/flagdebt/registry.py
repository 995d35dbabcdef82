"""flags.toml -> a validated Registry of Flag entries; reading TOML with line numbers for
its problems (`flagdebt.tomllines` finds the lines, `flagdebt.archive` edits the file)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from flagdebt.fileio import read_regular
from flagdebt.model import FLAG_TYPES, Flag, FlagdebtError, Registry
from flagdebt.printable import printable

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib

KeyPath = tuple[str, ...]

@dataclass
class Problems:
    """Problems found in one TOML file, each pinned to the line of the key it is about.

    The full key index costs as much as parsing the file, so it is built only when a line
    is asked for that the table headers do not give.
    """

    display: str
    text: str
    found: list[tuple[int, str]] = field(default_factory=list)
    _headers: dict[KeyPath, int] | None = None
    _lines: dict[KeyPath, int] | None = None

    @property
    def lines(self) -> dict[KeyPath, int]:
        if self._lines is None:
            from flagdebt.tomllines import index_keys

            self._lines = index_keys(self.text)
        return self._lines

    def table_line(self, path: KeyPath) -> int:
        """The line of the `[path]` table header, falling back to the full index."""
        if self._headers is None:
            from flagdebt.tomllines import table_headers

            self._headers = table_headers(self.text)
        return self._headers.get(path) or self.line_of(path)

    def line_of(self, path: KeyPath) -> int:
        """The line of `path`, else of its nearest parent that has one, else 1."""
        for size in range(len(path), 0, -1):
            line = self.lines.get(path[:size])
            if line is not None:
                return line
        return 1

    def add(self, path: KeyPath, message: str) -> None:
        """Record `message` at the line of `path` (on one line: a key may hold a newline)."""
        line = self.line_of(path)
        self.found.append((line, f"{self.display}:{line}: {printable(message)}"))

    def raise_if_any(self) -> None:
        """Raise one FlagdebtError listing every problem, in line order."""
        if self.found:
            ordered = sorted(self.found, key=lambda item: item[0])
            raise FlagdebtError("\n".join(message for _, message in ordered))


def did_you_mean(word: str, choices: Iterable[str], n: int = 1) -> str:
    """` (did you mean 'x'?)` for the closest choice (up to `n` of them), or an empty string."""
    import difflib

    close = difflib.get_close_matches(word, list(dict.fromkeys(choices)), n=n, cutoff=0.6)
    if not close:
        return ""
    quoted = [f"'{choice}'" for choice in close]
    shown = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f" (did you mean {shown}?)"


def describe(value: object) -> str:
    """A TOML value's type and value for messages: `string "x"`, `integer 3`."""
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'string "{shown}"'
    if isinstance(value, datetime):
        return f"datetime {value.isoformat()}"
    kinds = ((int, "integer"), (float, "float"), (date, "date"), (time, "time"))
    for kind, name in kinds:
        if isinstance(value, kind):
            return f"{name} {value}"
    return "an array" if isinstance(value, list) else "a table"


def read_toml(path: Path, display: str, what: str) -> tuple[str, dict[str, Any]]:
    """The text and parsed content of a TOML file; every failure is a FlagdebtError."""
    text = decode_text(read_file(path, display, what), display)
    return text, parse_toml(text, display)


def read_file(path: Path, display: str, what: str) -> bytes:
    """The bytes of a file the user named or flagdebt looked for; failures are FlagdebtErrors."""
    try:
        return read_regular(path)
    except FileNotFoundError:
        where = "" if display == str(path) else f" (looked for {path})"
        raise FlagdebtError(f"{display}: {what} not found{where}") from None
    except OSError as error:
        raise FlagdebtError(f"{display}: cannot read {what}: {error.strerror}") from None


def decode_text(data: bytes, display: str) -> str:
    """UTF-8 text without a BOM; a byte that is not UTF-8 is a FlagdebtError with its line."""
    return _decode(data, display).removeprefix("\ufeff")


def parse_toml(text: str, display: str) -> dict[str, Any]:
    """Parsed TOML (tomllib is loaded only here: a warm check reads no TOML)."""
    tomllib = _tomllib()
    try:
        parsed: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(error, text, display) from None
    return parsed


def _tomllib() -> ModuleType:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    return tomllib


def _decode(data: bytes, display: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start]
        raise FlagdebtError(f"{display}:{line}: not valid UTF-8 (byte 0x{byte:02x})") from None


def _syntax_error(error: tomllib.TOMLDecodeError, text: str, display: str) -> FlagdebtError:
    message = str(error)
    where = re.search(r" \(at line (\d+), column (\d+)\)$", message)
    if where is not None:
        line = int(where.group(1))
        message = f"{message[: where.start()]} (column {where.group(2)})"
    else:
        line = text.count("\n") + 1
        message = message.replace(" (at end of document)", " at end of file")
    return FlagdebtError(f"{display}:{line}: invalid TOML: {message}")


# Registry validation. Each field reader returns the converted value or raises _Invalid.


class _Invalid(Exception):
    """One field's problem, turned into a registry message by the caller."""


def _read_date(name: str, value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise _Invalid(f"'{name}' must be a date like 2026-09-01, got {describe(value)}")


def _read_text(name: str, value: object) -> str:
    if isinstance(value, str):
        return value
    raise _Invalid(f"'{name}' must be a string, got {describe(value)}")


def _read_owner(name: str, value: object) -> str:
    owner = _read_text(name, value)
    if not owner.strip():
        raise _Invalid(f"'{name}' must not be empty")
    return owner


def _read_type(name: str, value: object) -> str:
    if isinstance(value, str) and value in FLAG_TYPES:
        return value
    hint = did_you_mean(value, FLAG_TYPES) if isinstance(value, str) else ""
    expected = ", ".join(FLAG_TYPES)
    raise _Invalid(f"'{name}' must be one of {expected}; got {describe(value)}{hint}")


def _read_aliases(name: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _Invalid(f"'{name}' must be a list of strings, got {describe(value)}")
    for number, alias in enumerate(value, start=1):
        if not isinstance(alias, str) or not alias:
            shown = describe(alias)
            raise _Invalid(f"'{name}' entry {number} must be a non-empty string, got {shown}")
    return tuple(dict.fromkeys(value))


_FIELDS: dict[str, Callable[[str, object], object]] = {
    "type": _read_type,
    "owner": _read_owner,
    "created": _read_date,
    "description": _read_text,
    "rolled_out": _read_date,
    "rolled_back": _read_date,
    "remove_by": _read_date,
    "archived": _read_date,
    "aliases": _read_aliases,
}
_LATER_DATES = ("rolled_out", "rolled_back", "remove_by", "archived")


def load_registry(path: Path, display: str | None = None) -> Registry:
    """Read and validate flags.toml; raise one FlagdebtError listing every problem."""
    shown = str(path) if display is None else display
    text, data = read_toml(path, shown, "registry")
    return validated(text, data, shown)


def parse_registry(text: str, display: str) -> Registry:
    """Validate flags.toml text as load_registry validates the file, e.g. before writing it."""
    return validated(text, parse_toml(text, display), display)


def validated(text: str, data: dict[str, Any], shown: str) -> Registry:
    problems = Problems(shown, text)
    _check_top_level(data, problems)
    table = data.get("flags", {})
    flags: dict[str, Flag] = {}
    if isinstance(table, dict):
        for key, entry in table.items():
            flag = _read_flag(key, entry, problems)
            if flag is not None:
                flags[key] = flag
    _check_aliases(flags, problems)
    problems.raise_if_any()
    return Registry(shown, flags)


def _check_top_level(data: dict[str, Any], problems: Problems) -> None:
    for key in data:
        if key != "flags":
            hint = did_you_mean(key, ["flags"])
            message = "unknown top-level key; the registry holds only [flags.KEY] tables"
            problems.add((key,), f"'{key}': {message}{hint}")
    if not isinstance(data.get("flags", {}), dict):
        found = describe(data["flags"])
        problems.add(("flags",), f"'flags' must be a table of [flags.KEY] tables, got {found}")


def _read_flag(key: str, entry: object, problems: Problems) -> Flag | None:
    where = ("flags", key)
    if not key.strip():
        problems.add(where, f"flag {key!r}: the key must not be empty")
        return None
    if not isinstance(entry, dict):
        found = describe(entry)
        problems.add(where, f"flag '{key}': must be a table like [flags.{key}], got {found}")
        return None
    values: dict[str, Any] = {}
    for name, value in entry.items():
        reader = _FIELDS.get(name)
        try:
            if reader is None:
                raise _Invalid(f"unknown field '{name}'{did_you_mean(name, _FIELDS)}")
            values[name] = reader(name, value)
        except _Invalid as problem:
            problems.add((*where, name), f"flag '{key}': {problem}")
    _check_dates(key, values, problems)
    return Flag(key=key, line=problems.table_line(where), **values)


def _check_dates(key: str, values: dict[str, Any], problems: Problems) -> None:
    if "rolled_out" in values and "rolled_back" in values:
        message = "'rolled_out' and 'rolled_back' are both set; keep only the final one"
        problems.add(("flags", key, "rolled_back"), f"flag '{key}': {message}")
    created = values.get("created")
    if created is None:
        return
    for name in _LATER_DATES:
        day = values.get(name)
        if day is not None and day < created:
            message = f"'{name}' ({day}) is before 'created' ({created})"
            problems.add(("flags", key, name), f"flag '{key}': {message}")


def _check_aliases(flags: dict[str, Flag], problems: Problems) -> None:
    owners: dict[str, str] = {}
    for flag in flags.values():
        for alias in flag.aliases:
            if alias in flags and alias != flag.key:
                message = f"alias '{alias}' is the key of flag '{alias}'"
            elif owners.setdefault(alias, flag.key) != flag.key:
                message = f"alias '{alias}' is also an alias of flag '{owners[alias]}'"
            else:
                continue
            problems.add(("flags", flag.key, "aliases"), f"flag '{flag.key}': {message}")


def future_created(registry: Registry, today: date) -> list[str]:
    """A warning for each flag whose `created` date is later than `today`."""
    return [f"{registry.path}:{flag.line}: flag '{flag.key}': 'created' ({flag.created}) is "
            f"later than today ({today}); check the date (or --today)"
            for flag in registry.flags.values() if flag.created is not None and flag.created > today]
