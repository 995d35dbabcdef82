"""The owner report's data: every registry flag's state, deadline and call sites, by owner."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from flagdebt.config import Config
from flagdebt.model import CallSite, Flag, FlagdebtError, Registry
from flagdebt.rules import deadline, later

NO_OWNER = "(no owner)"

State = Literal["in rollout", "rolled out", "rolled back", "archived"]
Health = Literal["overdue", "expiring", "healthy", "in rollout", "archived"]
HEALTHS: tuple[Health, ...] = ("overdue", "expiring", "healthy", "in rollout", "archived")


@dataclass(frozen=True, slots=True)
class RemoveCommand:
    """The options `flagdebt remove` needs to see the project as the report did.

    They are the report's own `--config`, `--registry` and `--call` options as typed;
    with the same registry, `remove` reads the final value and aliases by itself.
    """

    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FlagRow:
    """One registry flag as the report shows it; `days_left` is negative when overdue."""

    flag: Flag
    state: State
    health: Health
    deadline: date | None
    age: int | None
    days_left: int | None
    sites: tuple[CallSite, ...]
    command: str | None

    @property
    def key(self) -> str:
        return self.flag.key

    @property
    def files(self) -> tuple[str, ...]:
        return files_of(self.sites)

    @property
    def overdue(self) -> bool:
        return self.health == "overdue"


@dataclass(frozen=True, slots=True)
class Unregistered:
    """A key read in code that is neither a key nor an alias in the registry."""

    key: str
    sites: tuple[CallSite, ...]

    @property
    def files(self) -> tuple[str, ...]:
        return files_of(self.sites)


@dataclass(frozen=True, slots=True)
class OwnerGroup:
    """The flags of one owner in report order; `owner` None groups flags without one."""

    owner: str | None
    rows: tuple[FlagRow, ...]

    @property
    def label(self) -> str:
        return self.owner if self.owner is not None else NO_OWNER

    @property
    def removable(self) -> tuple[FlagRow, ...]:
        return tuple(row for row in self.rows if row.command is not None)


@dataclass(frozen=True, slots=True)
class OwnerReport:
    """Everything `flagdebt report` shows, for one registry, set of call sites and day."""

    today: date
    registry: str
    owner: str | None
    groups: tuple[OwnerGroup, ...]
    unregistered: tuple[Unregistered, ...] = ()
    dynamic_sites: int = 0
    unreadable: tuple[str, ...] = ()
    mentions: tuple[tuple[str, str, int], ...] = ()  # (flag, doc path, line) of docs mentions

    @property
    def rows(self) -> tuple[FlagRow, ...]:
        return tuple(row for group in self.groups for row in group.rows)

    @property
    def removable(self) -> tuple[FlagRow, ...]:
        return tuple(row for row in self.rows if row.command is not None)

    @property
    def overdue(self) -> tuple[FlagRow, ...]:
        return tuple(row for row in self.rows if row.overdue)


def files_of(sites: Iterable[CallSite]) -> tuple[str, ...]:
    """The distinct files of some call sites, sorted."""
    return tuple(sorted({site.path for site in sites}))


def state_of(flag: Flag) -> State:
    """`archived`, else `rolled out`/`rolled back`, else `in rollout`."""
    if flag.archived is not None:
        return "archived"
    if flag.rolled_out is not None:
        return "rolled out"
    if flag.rolled_back is not None:
        return "rolled back"
    return "in rollout"


def health_of(flag: Flag, config: Config, today: date) -> Health:
    """The timeline colour; `expiring` uses the same window as rule FD002."""
    end = deadline(flag, config)
    if flag.archived is not None:
        return "archived"
    if end is not None and today > end:
        return "overdue"
    if flag.settled is None:
        return "in rollout"
    warn = timedelta(days=config.warn_after_sprints * config.sprint_days)
    return "expiring" if today > later(flag.settled, warn) else "healthy"


def flag_of(registry: Registry, site: CallSite) -> Flag | None:
    """The flag a call site reads: its resolved key first, then its spelling, key or alias."""
    if site.dynamic:
        return None
    for name in site.names:
        flag = registry.lookup(name)
        if flag is not None:
            return flag
    return None


def removal_command(flag: Flag, sites: Sequence[CallSite], how: RemoveCommand) -> str | None:
    """The `flagdebt remove` line for a flag whose final value is known, else None.

    Without call sites left, `--archive` makes the command retire the registry entry.
    """
    if flag.final_value is None or (flag.archived is not None and not sites):
        return None
    options = [*how.options, *(() if sites else ("--archive",))]
    quoted = " ".join(shlex.quote(part) for part in options)
    if flag.key.startswith("-"):
        return " ".join(filter(None, ["flagdebt remove", quoted, "--", shlex.quote(flag.key)]))
    return " ".join(filter(None, ["flagdebt remove", shlex.quote(flag.key), quoted]))


def flag_row(flag: Flag, sites: Sequence[CallSite], config: Config, today: date,
             how: RemoveCommand) -> FlagRow:
    """Compute one flag's state, age, deadline and removal command."""
    end = deadline(flag, config)
    age = (today - flag.created).days if flag.created is not None else None
    left = (end - today).days if end is not None and flag.archived is None else None
    return FlagRow(flag, state_of(flag), health_of(flag, config, today), end, age, left,
                   tuple(sorted(sites)), removal_command(flag, sites, how))


def _row_order(row: FlagRow) -> tuple[int, int, str]:
    """Overdue first (most overdue first), then by days left, then key; no deadline last."""
    if row.days_left is not None:
        return (0, row.days_left, row.key)
    return (1 if row.flag.archived is None else 2, 0, row.key)


def _group_order(group: OwnerGroup) -> tuple[bool, str, str]:
    return (group.owner is None, group.label.casefold(), group.label)


def _sites_by_flag(registry: Registry, sites: Iterable[CallSite]
                   ) -> tuple[dict[str, list[CallSite]], dict[str, list[CallSite]], int]:
    """Call sites per registry key, per unregistered key, and the count of runtime keys."""
    known: dict[str, list[CallSite]] = {key: [] for key in registry.flags}
    unknown: dict[str, list[CallSite]] = {}
    dynamic = 0
    for site in sites:
        flag = flag_of(registry, site)
        if flag is not None:
            known[flag.key].append(site)
        elif site.dynamic:
            dynamic += 1
        else:
            unknown.setdefault(site.key if site.key is not None else site.spelling, []).append(site)
    return known, unknown, dynamic


def _groups(rows: Iterable[FlagRow]) -> tuple[OwnerGroup, ...]:
    by_owner: dict[str | None, list[FlagRow]] = {}
    for row in rows:
        by_owner.setdefault(row.flag.owner, []).append(row)
    groups = [OwnerGroup(owner, tuple(sorted(members, key=_row_order)))
              for owner, members in by_owner.items()]
    return tuple(sorted(groups, key=_group_order))


def select_owner(groups: tuple[OwnerGroup, ...], owner: str) -> tuple[OwnerGroup, ...]:
    """The one group of `owner` (`(no owner)` picks flags without one), or a FlagdebtError."""
    chosen = tuple(group for group in groups if group.label == owner)
    if not chosen:
        known = ", ".join(repr(group.label) for group in groups) or "none"
        raise FlagdebtError(f"--owner: no flag in the registry is owned by {owner!r} "
                            f"(owners: {known})")
    return chosen


def build_owner_report(registry: Registry, sites: Iterable[CallSite], config: Config,
                       today: date, owner: str | None = None,
                       how: RemoveCommand = RemoveCommand(),
                       unreadable: Sequence[str] = (),
                       mentions: Iterable[tuple[str, str, int]] = ()) -> OwnerReport:
    """Group every registry flag by owner with its call sites; list unregistered keys."""
    known, unknown, dynamic = _sites_by_flag(registry, sites)
    rows = (flag_row(flag, known[key], config, today, how) for key, flag in registry.flags.items())
    groups = _groups(rows)
    if owner is not None:
        groups = select_owner(groups, owner)
    strays = tuple(Unregistered(key, tuple(sorted(found))) for key, found in sorted(unknown.items()))
    everything = owner is None
    shown = {row.key for group in groups for row in group.rows}
    docs = tuple(sorted({m for m in mentions if m[0] in shown}))
    return OwnerReport(today, registry.path, owner, groups, strays if everything else (),
                       dynamic if everything else 0, tuple(sorted(set(unreadable))), docs)
