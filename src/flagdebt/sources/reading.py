"""Reading source data: JSON files, typed fields with one-line errors, timestamps as dates."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import NoReturn

from flagdebt.model import FlagdebtError

_FRACTION = re.compile(r"(\.\d+)")


def load_json(path: Path, source: str, shown: str | None = None) -> object:
    """The parsed JSON of an export file; every failure is a one-line FlagdebtError."""
    display = shown or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FlagdebtError(f"{source}: {display}: file not found") from None
    except OSError as error:
        raise FlagdebtError(f"{source}: {display}: cannot read: {error.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FlagdebtError(f"{source}: {display}: not valid UTF-8 (byte {error.start})") from None
    return parse_json(text, source, display)


def parse_json(text: str, source: str, display: str) -> object:
    """Parse JSON text, naming line and column of a syntax error or truncation."""
    if not text.strip():
        raise FlagdebtError(f"{source}: {display}: empty, expected JSON")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        at_end = error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string")
        truncated = " (truncated?)" if at_end else ""
        raise FlagdebtError(f"{source}: {display}:{error.lineno}: invalid JSON: {error.msg} "
                            f"(column {error.colno}){truncated}") from None
    except RecursionError:
        raise FlagdebtError(f"{source}: {display}: JSON nested too deeply") from None


def describe_json(value: object) -> str:
    """A JSON value's kind for messages: `a string "x"`, `a number 3`, `null`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'a string "{shown}"'
    if isinstance(value, (int, float)):
        return f"a number {value}"
    return "a list" if isinstance(value, list) else "an object"


def parse_timestamp(text: str) -> date | None:
    """The UTC date of an ISO 8601 date or timestamp (`Z`, offsets, any fraction); else None."""
    value = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    value = _FRACTION.sub(lambda match: match.group(1)[:7].ljust(7, "0"), value, count=1)
    try:
        moment = datetime.fromisoformat(value.replace(" ", "T", 1))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.date()


def date_from_millis(millis: int | float) -> date:
    """The UTC date of a Unix time in milliseconds."""
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc).date()


@dataclass(frozen=True)
class Entry:
    """One object of a source (a feature, a row), read field by field with typed checks."""

    source: str
    where: str
    data: Mapping[str, object]

    def fail(self, message: str) -> NoReturn:
        raise FlagdebtError(f"{self.source}: {self.where}: {message}")

    def _wrong(self, name: str, expected: str) -> NoReturn:
        self.fail(f"'{name}' must be {expected}, got {describe_json(self.data[name])}")

    def text(self, name: str, required: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(f"'{name}' is missing")
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            self._wrong(name, "a non-empty string" if required else "a string")
        return value

    def boolean(self, name: str) -> bool | None:
        value = self.data.get(name)
        if value is not None and not isinstance(value, bool):
            self._wrong(name, "true, false or null")
        return value

    def number(self, name: str) -> float | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._wrong(name, "a number")
        return float(value)

    def timestamp(self, name: str) -> date | None:
        value = self.text(name)
        if value is None:
            return None
        day = parse_timestamp(value)
        if day is None:
            self._wrong(name, "an ISO 8601 timestamp")
        return day

    def millis(self, name: str) -> date | None:
        value = self.number(name)
        if value is None:
            return None
        try:
            return date_from_millis(value)
        except (OverflowError, OSError, ValueError):
            self._wrong(name, "a Unix time in milliseconds")

    def items(self, name: str) -> list[object]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self._wrong(name, "a list")
        return value

    def table(self, name: str) -> Mapping[str, object] | None:
        value = self.data.get(name)
        if value is not None and not isinstance(value, dict):
            self._wrong(name, "an object")
        return value

    def child(self, where: str, value: object) -> Entry:
        """A nested object, or an error when `value` is not one."""
        if not isinstance(value, dict):
            self.fail(f"{where} must be an object, got {describe_json(value)}")
        return Entry(self.source, f"{self.where} {where}", value)


def top_list(data: object, name: str, source: str, display: str) -> list[object]:
    """`data[name]` of an export's top-level object, which must be a list."""
    if not isinstance(data, dict):
        raise FlagdebtError(f"{source}: {display}: expected a JSON object with '{name}', "
                            f"got {describe_json(data)}")
    if name not in data:
        raise FlagdebtError(f"{source}: {display}: no '{name}' list at the top level")
    return Entry(source, display, data).items(name)


def entries(values: list[object], source: str, display: str, list_name: str,
            key_field: str) -> list[Entry]:
    """Each object of an export's list, as an Entry named by position and key."""
    found = []
    for number, value in enumerate(values):
        place = f"{display}: {list_name}[{number}]"
        if not isinstance(value, dict):
            raise FlagdebtError(f"{source}: {place}: must be an object, got {describe_json(value)}")
        key = value.get(key_field)
        named = f"{place} '{key}'" if isinstance(key, str) else place
        found.append(Entry(source, named, value))
    return found


def check_complete(data: object, listed: list[object], total_field: str, source: str,
                   display: str, how: str) -> None:
    """Refuse one page of a paged list: a partial import would report flags as missing."""
    if not isinstance(data, dict):
        return
    total = data.get(total_field)
    if isinstance(total, int) and not isinstance(total, bool) and total > len(listed):
        raise FlagdebtError(f"{source}: {display}: holds {len(listed)} of {total} flags "
                            f"('{total_field}'); {how}")
