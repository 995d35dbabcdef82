"""git history: when each key read in code first appeared, and who added it.

One `git log -p` pass over the project's Python files, oldest commit first, finds for every key
the first commit that added a line with the key as a string literal, or with one of its other
spellings (`Feature.NEW_CHECKOUT`, a registry alias). The walk stops once every key is found.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from flagdebt.model import CallSite, FlagdebtError, Registry
from flagdebt.sources import Filled, SourceFlag, SourceInput, make_flag

NAME = "git"
_COMMIT = "\x00commit "


@dataclass(frozen=True, slots=True)
class FirstSeen:
    """The commit that first added a read of a key."""

    commit: str
    day: str  # the author's calendar day, YYYY-MM-DD
    author: str


def read(given: SourceInput) -> list[SourceFlag]:
    """A record with `created` and a suggested `owner` for each key read in code without `created`."""
    from datetime import date

    root = given.root.resolve()
    _check_repository(root)
    spellings = wanted_spellings(_sites(given, root), given.registry)
    found = first_additions(root, spellings)
    records = []
    for key in sorted(found):
        seen = found[key]
        filled: Filled = {"created": (date.fromisoformat(seen.day), f"commit {seen.commit[:10]}")}
        if seen.author.strip():
            filled["owner"] = (seen.author.strip(), f"author of {seen.commit[:10]}")
        records.append(make_flag(key, f"commit {seen.commit[:10]}", filled))
    return records


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              encoding="utf-8", errors="replace", check=False)
    except FileNotFoundError:
        raise FlagdebtError(f"{NAME}: the git command is not installed") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise FlagdebtError(f"{NAME}: {root}: {reason}")
    return done.stdout


def _check_repository(root: Path) -> None:
    if not root.is_dir():
        raise FlagdebtError(f"{NAME}: {root}: not a folder")
    _git(root, "rev-parse", "--show-toplevel")
    if _git(root, "rev-parse", "--is-shallow-repository").strip() == "true":
        raise FlagdebtError(f"{NAME}: {root}: a shallow clone only knows recent history, so first "
                            "commits would be wrong; run `git fetch --unshallow` first")


def _sites(given: SourceInput, root: Path) -> dict[str, list[CallSite]]:
    from flagdebt.config import Config
    from flagdebt.init import scan_project

    config = given.config if given.config is not None else Config(root=root)
    found, _ = scan_project(replace(config, root=root), config.calls)
    return found.keys


def wanted_spellings(keys: dict[str, list[CallSite]], registry: Registry | None) -> dict[str, set[str]]:
    """Each key without a `created` date, with the other spellings that read it."""
    wanted: dict[str, set[str]] = {}
    for key, sites in keys.items():
        flag = registry.lookup(key) if registry else None
        if flag is not None and flag.created is not None:
            continue
        name = flag.key if flag else key
        spellings = wanted.setdefault(name, {name})
        spellings.update(site.spelling for site in sites if "." in site.spelling)
        spellings.update(flag.aliases if flag else ())
        spellings.add(key)
    return wanted


def _matcher(spellings: dict[str, set[str]]) -> tuple[re.Pattern[str], dict[str, set[str]]]:
    """One regex for every spelling (literals in quotes, names as whole words), and their keys."""
    owners: dict[str, set[str]] = {}
    for key, names in spellings.items():
        for name in names:
            owners.setdefault(name, set()).add(key)
    literals = sorted((re.escape(k) for k in spellings), key=len, reverse=True)
    others = sorted((re.escape(n) for n in owners if n not in spellings), key=len, reverse=True)
    parts = [rf"[\"'](?P<lit>{'|'.join(literals)})[\"']"] if literals else []
    if others:
        parts.append(rf"(?<![\w.])(?P<name>{'|'.join(others)})(?!\w)")
    return re.compile("|".join(parts) or r"(?!)"), owners


def first_additions(root: Path, spellings: dict[str, set[str]]) -> dict[str, FirstSeen]:
    """For each key, the oldest commit that added a Python line holding one of its spellings."""
    if not spellings:
        return {}
    pattern, owners = _matcher(spellings)
    found: dict[str, FirstSeen] = {}
    for commit, lines in _added_lines(root):
        for line in lines:
            for match in pattern.finditer(line):
                for key in owners.get(match.group("lit") or match.group("name"), ()):
                    found.setdefault(key, commit)
        if len(found) == len(spellings):
            break
    return found


def _added_lines(root: Path) -> Iterator[tuple[FirstSeen, list[str]]]:
    """Each commit, oldest first, with the lines it added to Python files."""
    command = ["git", "-C", str(root), "log", "--reverse", "--no-merges", "--no-renames",
               "--no-color", "--no-ext-diff", "--unified=0", "-p",
               "--format=%x00commit %H%x09%aI%x09%an", "--", "*.py"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True, encoding="utf-8", errors="replace")
    try:
        assert process.stdout is not None
        yield from _commits(process.stdout)
    finally:
        process.kill()
        process.wait()


def _commits(stream: Iterable[str]) -> Iterator[tuple[FirstSeen, list[str]]]:
    current: FirstSeen | None = None
    added: list[str] = []
    for line in stream:
        if line.startswith(_COMMIT):
            if current is not None:
                yield current, added
            commit, stamp, author = (line[len(_COMMIT):].rstrip("\n").split("\t", 2) + ["", ""])[:3]
            current, added = FirstSeen(commit, stamp[:10], author), []
        elif line.startswith("+") and not line.startswith("+++") and ('"' in line or "'" in line
                                                                         or "." in line):
            added.append(line[1:])
    if current is not None:
        yield current, added
