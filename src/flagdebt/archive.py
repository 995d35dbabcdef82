"""Archiving a flag in flags.toml: set `archived`, keep every other byte, validate first."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flagdebt.fileio import Fingerprint, WriteRefused, read_fingerprinted, replace_file, write_target
from flagdebt.model import FlagdebtError
from flagdebt.printable import printable
from flagdebt.registry import read_toml, validated
from flagdebt.tomllines import KeyLine, KeyPath, index_keys, scan_keys

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


@dataclass(frozen=True)
class ArchivePlan:
    """The new bytes of flags.toml with `archived` set, checked before any file is touched."""

    path: Path
    data: bytes
    read_as: Fingerprint
    keys: tuple[str, ...]
    day: date


def plan_archive(path: Path, keys: Iterable[str], day: date, display: str | None = None
                 ) -> ArchivePlan:
    """Set `archived = day` on each flag, keeping every other byte; validate the result.

    Raises FlagdebtError when a key is not in the registry, the new registry would not be
    valid (archived before created), or flags.toml cannot be written.
    """
    shown = str(path) if display is None else display
    keys = tuple(keys)
    try:
        raw, read_as = read_fingerprinted(path)
    except OSError as error:
        raise FlagdebtError(f"{shown}: cannot read registry: {error.strerror}") from None
    text, _ = read_toml(path, shown, "registry")
    for key in keys:
        text = _archived_text(text, key, day, shown)
    validated(text, tomllib.loads(text), shown)
    _check_writable(path, shown)
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    return ArchivePlan(path, bom + text.encode("utf-8"), read_as, keys, day)


def _archived_text(text: str, key: str, day: date, shown: str) -> str:
    flags = tomllib.loads(text).get("flags")
    if not isinstance(flags, dict) or not isinstance(flags.get(key), dict):
        raise FlagdebtError(f"{shown}: flag '{printable(key)}': not in the registry")
    line = index_keys(text).get(("flags", key), 1)
    created = flags[key].get("created")
    if isinstance(created, date) and day < created:
        raise FlagdebtError(f"{shown}:{line}: flag '{printable(key)}': cannot archive on {day} before "
                            f"its 'created' date {created} (check --today)")
    updated = _insert_archived(text, key, day) or _set_with_tomlkit(text, key, day)
    if _archived_day(updated, key) != day:
        raise FlagdebtError(f"{shown}:{line}: flag '{printable(key)}': could not set 'archived'")
    return updated


def _check_writable(path: Path, shown: str) -> None:
    try:
        target = write_target(path, None)
        mode = target.stat().st_mode
    except (WriteRefused, OSError) as error:
        raise FlagdebtError(f"{shown}: cannot archive: {error}") from None
    if not mode & 0o200 or not os.access(target, os.W_OK):
        raise FlagdebtError(f"{shown}: registry is read-only: cannot archive; nothing was changed")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise FlagdebtError(f"{shown}: cannot archive: its folder is not writable; "
                            "nothing was changed")


def write_archive(plan: ArchivePlan, display: str) -> None:
    """Write a planned archive, unless flags.toml changed since it was planned."""
    try:
        replace_file(plan.path, plan.data, plan.read_as)
    except WriteRefused as error:
        raise FlagdebtError(f"{display}: not archived: {error}") from None


def archive_flag(path: Path, key: str, day: date, display: str | None = None) -> None:
    """Set `archived = day` on flag `key` in flags.toml, keeping every other byte as it was."""
    shown = str(path) if display is None else display
    write_archive(plan_archive(path, [key], day, shown), shown)


def _insert_archived(text: str, key: str, day: date) -> str | None:
    """Add the line after the last field of a `[flags.KEY]` table; None for other layouts."""
    section = _table_section(scan_keys(text), ("flags", key))
    if section is None or any(entry.path[2:] == ("archived",) for entry in section[1:]):
        return None
    last = section[-1]
    lines = text.split("\n")
    field_line = lines[last.line - 1] if len(section) > 1 else ""
    indent = field_line[: len(field_line) - len(field_line.lstrip(" \t"))]
    if last.end == len(lines):  # the table ends the file, which has no final newline
        lines[-1] += "\r" if "\r\n" in text else ""
        ending = ""
    else:
        ending = "\r" if lines[last.end - 1].endswith("\r") else ""
    lines.insert(last.end, f"{indent}archived = {day.isoformat()}{ending}")
    return "\n".join(lines)


def _table_section(entries: list[KeyLine], path: KeyPath) -> list[KeyLine] | None:
    """The `[path]` header entry and the key lines under it, if it has exactly one header."""
    heads = [number for number, entry in enumerate(entries) if entry.header and entry.path == path]
    if len(heads) != 1:
        return None
    section = [entries[heads[0]]]
    for entry in entries[heads[0] + 1 :]:
        if entry.header:
            break
        section.append(entry)
    return section


def _set_with_tomlkit(text: str, key: str, day: date) -> str:
    """Inline tables, dotted keys and an existing `archived` are left to tomlkit."""
    import tomlkit

    try:
        document = tomlkit.parse(text)
        document["flags"][key]["archived"] = day
    except (ValueError, KeyError, TypeError):  # tomlkit disagrees with tomllib
        return text
    return tomlkit.dumps(document)


def _archived_day(text: str, key: str) -> object:
    """The `archived` value of flag `key` in `text`, to check an edit before writing it."""
    try:
        return tomllib.loads(text)["flags"][key].get("archived")
    except (tomllib.TOMLDecodeError, KeyError, AttributeError):
        return None
