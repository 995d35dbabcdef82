"""A baseline of accepted findings, so a legacy codebase can adopt flagdebt and fail only on new debt.

A finding is identified by (path, scope, code, flag): never by line or message, so edits
above a finding and the passing of days do not break the match. Paths are stored relative
to the baseline file's folder, so the result does not depend on where `check` runs from.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flagdebt.model import Finding, FlagdebtError

VERSION = 1
_CODE = re.compile(r"FD\d{3}")
_TEXT_FIELDS = ("path", "scope", "code", "flag")


@dataclass(frozen=True, slots=True, order=True)
class Entry:
    """What identifies a finding across edits; field order is the file order."""

    path: str
    scope: str
    code: str
    flag: str


@dataclass(frozen=True)
class Baseline:
    """The accepted findings of one baseline file, each with how many times it occurs."""

    path: str
    folder: str
    entries: Counter[Entry] = field(default_factory=Counter)

    @property
    def size(self) -> int:
        """How many findings the baseline accepts."""
        return sum(self.entries.values())


def entry_of(finding: Finding, cwd: str, folder: str) -> Entry:
    """The baseline entry of a finding whose path is shown relative to `cwd`."""
    return Entry(
        portable_path(finding.path, cwd, folder),
        finding.scope,
        finding.code,
        finding.flag,
    )


def portable_path(display: str, cwd: str, folder: str) -> str:
    """`display` (relative to `cwd`, or absolute) re-expressed relative to `folder`, with `/`."""
    full = os.path.normpath(os.path.join(cwd, display))
    try:
        relative = os.path.relpath(full, folder)
    except ValueError:  # another drive on Windows
        relative = full
    return relative.replace(os.sep, "/")


def count_entries(
    findings: Iterable[Finding], cwd: Path, folder: Path
) -> Counter[Entry]:
    """How many findings share each entry."""
    here, base = os.path.abspath(cwd), os.path.abspath(folder)
    return Counter(entry_of(finding, here, base) for finding in findings)


def render_baseline(entries: Counter[Entry]) -> str:
    """The JSON text of a baseline: sorted entries, indent 2, `count` only when above 1."""
    rows = []
    for entry in sorted(entries):
        row: dict[str, Any] = {name: getattr(entry, name) for name in _TEXT_FIELDS}
        if entries[entry] > 1:
            row["count"] = entries[entry]
        rows.append(row)
    return (
        json.dumps({"version": VERSION, "entries": rows}, indent=2, ensure_ascii=False)
        + "\n"
    )


def write_baseline(
    path: Path, findings: Iterable[Finding], cwd: Path | None = None
) -> int:
    """Record the findings (paths shown relative to `cwd`) in `path`; return how many."""
    from flagdebt.fileio import write_atomically

    folder = path.absolute().parent
    entries = count_entries(findings, cwd or folder, folder)
    try:
        write_atomically(path, render_baseline(entries).encode("utf-8", "backslashreplace"))
    except OSError as error:
        raise FlagdebtError(
            f"{path}: cannot write baseline: {error.strerror}"
        ) from None
    return sum(entries.values())


def load_baseline(path: Path, display: str | None = None) -> Baseline:
    """Read and validate a baseline file; raise one FlagdebtError listing every problem."""
    shown = str(path) if display is None else display
    data = _read_json(path, shown)
    problems: list[str] = []
    entries = _read_document(data, problems)
    if problems:
        raise FlagdebtError("\n".join(f"{shown}: {problem}" for problem in problems))
    return Baseline(shown, os.path.abspath(path.absolute().parent), entries)


def _read_json(path: Path, shown: str) -> object:
    from flagdebt.fileio import read_regular

    try:
        text = read_regular(path).decode("utf-8")
    except FileNotFoundError:
        raise FlagdebtError(f"{shown}: baseline not found") from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not valid UTF-8"
        raise FlagdebtError(f"{shown}: cannot read baseline: {reason}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise FlagdebtError(
            f"{shown}:{error.lineno}: invalid JSON: {error.msg} (column {error.colno})"
        ) from None
    except RecursionError:  # arrays or objects nested thousands deep: no baseline is
        raise FlagdebtError(f"{shown}: not a baseline: JSON nested too deeply") from None


def _read_document(data: object, problems: list[str]) -> Counter[Entry]:
    if not isinstance(data, dict):
        problems.append('expected an object like {"version": 1, "entries": [...]}')
        return Counter()
    if data.get("version") != VERSION:
        problems.append(
            f"'version' must be {VERSION}, got {json.dumps(data.get('version'))}"
        )
    for key in sorted(set(data) - {"version", "entries"}):
        problems.append(f"unknown key '{key}'")
    rows = data.get("entries")
    if not isinstance(rows, list):
        problems.append("'entries' must be a list of findings")
        return Counter()
    entries: Counter[Entry] = Counter()
    for number, row in enumerate(rows, start=1):
        _read_entry(row, f"entry {number}", entries, problems)
    return entries


def _read_entry(
    row: object, where: str, entries: Counter[Entry], problems: list[str]
) -> None:
    if not isinstance(row, dict):
        problems.append(f"{where}: must be an object with path, scope, code and flag")
        return
    before = len(problems)
    for key in sorted(set(row) - {*_TEXT_FIELDS, "count"}):
        problems.append(f"{where}: unknown key '{key}'")
    for name in _TEXT_FIELDS:
        if not isinstance(row.get(name), str):
            problems.append(
                f"{where}: '{name}' must be a string, got {json.dumps(row.get(name))}"
            )
    code = row.get("code")
    if isinstance(code, str) and not _CODE.fullmatch(code):
        problems.append(
            f"{where}: 'code' must be a rule code like FD001, got {json.dumps(code)}"
        )
    count = row.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        problems.append(
            f"{where}: 'count' must be a positive integer, got {json.dumps(count)}"
        )
    if len(problems) == before:
        entries[Entry(*(row[name] for name in _TEXT_FIELDS))] += count


def apply_baseline(
    findings: Iterable[Finding], baseline: Baseline, cwd: Path | None = None
) -> tuple[list[Finding], int]:
    """Drop the findings the baseline accepts; return the rest and how many entries are fixed."""
    here = os.path.abspath(cwd) if cwd is not None else baseline.folder
    left = Counter(baseline.entries)
    new: list[Finding] = []
    for finding in sorted(findings):
        entry = entry_of(finding, here, baseline.folder)
        if left[entry] > 0:
            left[entry] -= 1
        else:
            new.append(finding)
    return new, sum(left.values())


def describe_fixed(count: int, display: str) -> str:
    """The note that tells the team to shrink the baseline."""
    entries = "1 baseline entry is" if count == 1 else f"{count} baseline entries are"
    return (
        f"{entries} fixed and can be dropped "
        f"(rerun with --write-baseline {display} to update it)."
    )
