"""Code annotations: OEP-17 `.. toggle_name:` comment blocks next to flag definitions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flagdebt.model import FlagdebtError
from flagdebt.sources import Filled, SourceFlag, SourceInput, make_flag, type_from_tags
from flagdebt.sources.reading import parse_timestamp

NAME = "annotations"
_ANNOTATION = re.compile(r"^(?P<indent>[ \t]*)(?P<hash>#[ \t]*)?\.\.[ \t]+(?P<field>toggle_\w+)[ \t]*:"
                         r"[ \t]?(?P<value>.*)$")
# OEP-17 use cases, most telling first: a temporary toggle is a release, whatever else it is.
USE_CASES = {
    "temporary": "release",
    "circuit_breaker": "ops",
    "vip": "permission",
    "opt_in": "permission",
    "opt_out": "permission",
    "beta_testing": "release",
    "open_edx": "ops",
}
TOGGLE_TYPES = {"feature_flag": "release", "configuration_setting": "ops", "setting": "ops"}
NO_DATE = {"", "none", "n/a", "na", "tbd", "-", "never", "null"}
DATE_FIELDS = {"toggle_creation_date": "created", "toggle_target_removal_date": "remove_by"}


@dataclass
class Block:
    """One annotated toggle: its fields in order, where it starts."""

    path: str
    line: int
    fields: dict[str, tuple[str, int]] = field(default_factory=dict)


def read(given: SourceInput) -> list[SourceFlag]:
    """Records from every annotated toggle in the project's Python files."""
    from flagdebt.files import discover
    from flagdebt.paths import display_path

    excludes = given.config.excludes if given.config is not None else ()
    root = given.root
    if not root.is_dir():
        raise FlagdebtError(f"{NAME}: {root}: not a folder")
    records: dict[str, SourceFlag] = {}
    for path in discover((root,), root, excludes):
        shown = display_path(path, Path.cwd())
        for block in parse_blocks(_read_text(path, shown), shown):
            _add(records, block_record(block))
    return list(records.values())


def _read_text(path: Path, shown: str) -> str:
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError as error:
        raise FlagdebtError(f"{NAME}: {shown}: cannot read: {error.strerror}") from None


def _add(records: dict[str, SourceFlag], record: SourceFlag) -> None:
    """Keep one record per key; the same toggle annotated twice alike is fine, unalike is not."""
    first = records.setdefault(record.key, record)
    if first is not record and first.values() != record.values():
        raise FlagdebtError(f"{NAME}: {record.entry}: duplicate key '{record.key}' annotated "
                            f"differently at {first.entry}")


def parse_blocks(text: str, shown: str) -> Iterator[Block]:
    """Each `.. toggle_name:` block of a file, continuation lines joined to their field."""
    block: Block | None = None
    last: str | None = None
    indent = ""
    for number, line in enumerate(text.splitlines(), start=1):
        match = _ANNOTATION.match(line)
        if match is not None:
            name, value = match.group("field"), match.group("value").strip()
            if name == "toggle_name":
                if block is not None:
                    yield block
                block = Block(shown, number)
            if block is not None and name not in block.fields:
                block.fields[name] = (value, number)
                last, indent = name, match.group("indent")
            continue
        if block is not None and last is not None and _continues(line, indent):
            value, at = block.fields[last]
            block.fields[last] = (f"{value} {_strip(line)}".strip(), at)
            continue
        last = None
        if block is not None and not line.strip().startswith("#") and line.strip():
            yield block
            block = None
    if block is not None:
        yield block


def _continues(line: str, indent: str) -> bool:
    """A comment line, or a deeper-indented docstring line, that is not a new annotation."""
    stripped = line.strip()
    if not stripped:
        return False
    if stripped.startswith("#"):
        return bool(stripped.lstrip("#").strip()) and stripped.lstrip("#").startswith((" ", "\t"))
    return line.startswith(indent) and len(line) - len(line.lstrip()) > len(indent)


def _strip(line: str) -> str:
    return line.strip().lstrip("#").strip()


def block_record(block: Block) -> SourceFlag:
    """The registry record an annotation block gives."""
    key, at = block.fields["toggle_name"]
    key = key.strip("`'\" ")
    entry = f"{block.path}:{at}"
    if not key:
        raise FlagdebtError(f"{NAME}: {entry}: '.. toggle_name:' has no name")
    filled: Filled = {}
    kind = _type(block)
    if kind is not None:
        filled["type"] = kind
    for name, target in DATE_FIELDS.items():
        if name in block.fields:
            day = _date(block, name, key)
            if day is not None:
                filled[target] = (day, name)
    description = block.fields.get("toggle_description", ("", 0))[0]
    if description:
        filled["description"] = (description, "toggle_description")
    return make_flag(key, f"{entry} '{key}'", filled)


def _type(block: Block) -> tuple[object, str] | None:
    cases = [case.strip().lower() for case in re.split(r"[,\s]+",
                                                       block.fields.get("toggle_use_cases", ("", 0))[0])]
    for case, kind in USE_CASES.items():
        if case in cases:
            return kind, f"toggle_use_cases {case}"
    declared = block.fields.get("toggle_type", ("", 0))[0].strip().lower()
    tagged = type_from_tags([declared]) if declared else None
    if tagged is not None:
        return tagged[0], f"toggle_type {declared}"
    if declared in TOGGLE_TYPES:
        return TOGGLE_TYPES[declared], f"toggle_type {declared}"
    return None


def _date(block: Block, name: str, key: str) -> object:
    value, at = block.fields[name]
    text = value.strip().strip("`'\"")
    if text.lower() in NO_DATE:
        return None
    day = parse_timestamp(text)
    if day is None:
        raise FlagdebtError(f"{NAME}: {block.path}:{at}: toggle '{key}': '.. {name}:' must be a "
                            f"date like 2026-09-01, got \"{text}\"")
    return day
