"""Merge source records into flags.toml: fill gaps, keep what people wrote, say why."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from flagdebt.model import Flag, FlagdebtError, Registry
from flagdebt.registry import parse_registry
from flagdebt.sources import FIELDS, SourceFlag
from flagdebt.tomllines import KeyLine, scan_keys

OPPOSITE = {"rolled_out": "rolled_back", "rolled_back": "rolled_out"}
LATER_DATES = ("rolled_out", "rolled_back", "remove_by", "archived")
REQUIRED = ("type", "owner", "created")


@dataclass(frozen=True, slots=True)
class Change:
    """A field the merge sets (`new`) or removes (`new` is None) on an existing flag."""

    key: str
    field: str
    old: object
    new: object
    origin: str


@dataclass(frozen=True, slots=True)
class Kept:
    """A field the merge leaves as flags.toml has it, and why."""

    key: str
    field: str
    ours: object
    theirs: object
    reason: str


@dataclass(frozen=True, slots=True)
class Added:
    """A flag the registry did not have, with the values the source gives it."""

    key: str
    entry: str
    values: tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class MergePlan:
    """Every decision of one merge; `disagrees` when the registry and the source differ."""

    source: str
    added: tuple[Added, ...] = ()
    updated: tuple[Change, ...] = ()
    kept: tuple[Kept, ...] = ()
    agreed: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # registry flags the source does not know
    notes: tuple[str, ...] = ()

    @property
    def disagrees(self) -> bool:
        return bool(self.added or self.updated or self.kept)

    @property
    def changes(self) -> bool:
        return bool(self.added or self.updated)


def date_problem(values: dict[str, object]) -> str | None:
    """Why these field values break the registry's date rules, or None."""
    created = values.get("created")
    if "rolled_out" in values and "rolled_back" in values:
        return "'rolled_out' and 'rolled_back' would both be set"
    if not isinstance(created, date):
        return None
    for name in LATER_DATES:
        day = values.get(name)
        if isinstance(day, date) and day < created:
            return f"'{name}' ({day}) would be before 'created' ({created})"
    return None


@dataclass
class _FlagMerge:
    """The decisions for one flag the registry already has."""

    key: str
    source: str
    overwrite: bool
    current: dict[str, object]
    updated: list[Change] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)

    def offer(self, record: SourceFlag, name: str, theirs: object) -> None:
        ours = self.current.get(name)
        if ours == theirs or (ours is not None and name in record.estimated):
            return
        if ours is not None and not self.overwrite:
            self._keep(name, ours, theirs, f"flags.toml has {_show(ours)}, {self.source} has "
                                           f"{_show(theirs)} (--overwrite takes it)")
            return
        candidate = dict(self.current, **{name: theirs})
        opposite = OPPOSITE.get(name)
        replaced = candidate.pop(opposite, None) if opposite else None
        if replaced is not None and (not self.overwrite or opposite in record.values()):
            self._keep(name, None, theirs, f"flags.toml has {opposite} = {_show(replaced)}, "
                                           f"{self.source} says {name} (--overwrite takes it)")
            return
        problem = date_problem(candidate)
        if problem is not None:
            self._keep(name, ours, theirs, problem)
            return
        self.current = candidate
        self.updated.append(Change(self.key, name, ours, theirs, record.origin(name)))
        if replaced is not None and opposite is not None:
            self.updated.append(Change(self.key, opposite, replaced, None, f"replaced by {name}"))

    def _keep(self, name: str, ours: object, theirs: object, reason: str) -> None:
        self.kept.append(Kept(self.key, name, ours, theirs, reason))


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def plan_merge(registry: Registry, records: Sequence[SourceFlag], source: str,
               overwrite: bool = False) -> MergePlan:
    """Decide, field by field, what merging `records` into `registry` changes."""
    added: list[Added] = []
    updated: list[Change] = []
    kept: list[Kept] = []
    agreed: list[str] = []
    notes = [f"{record.key}: {note}" for record in records for note in record.notes]
    seen: set[str] = set()
    for record in records:
        flag = registry.lookup(record.key)
        if flag is None:
            values, dropped = _new_values(record)
            added.append(Added(record.key, record.entry, values))
            kept.extend(dropped)
            continue
        seen.add(flag.key)
        merge = _FlagMerge(flag.key, source, overwrite, _current(flag))
        for name, theirs in record.values().items():
            merge.offer(record, name, theirs)
        updated.extend(merge.updated)
        kept.extend(merge.kept)
        if not merge.updated and not merge.kept:
            agreed.append(flag.key)
    missing = tuple(key for key in registry.flags if key not in seen)
    return MergePlan(source, tuple(sorted(added, key=lambda a: a.key)), tuple(updated), tuple(kept),
                     tuple(agreed), missing, tuple(notes))


def _current(flag: Flag) -> dict[str, object]:
    found = {name: getattr(flag, name) for name in FIELDS}
    return {name: value for name, value in found.items() if value is not None}


def _new_values(record: SourceFlag) -> tuple[tuple[tuple[str, object], ...], list[Kept]]:
    """A new flag's values; a later date the source puts before `created` is left out."""
    values = record.values()
    dropped = []
    for name in LATER_DATES:
        problem = date_problem({"created": values.get("created"), name: values.get(name)})
        if name in values and problem is not None:
            dropped.append(Kept(record.key, name, None, values.pop(name), problem))
    return tuple(values.items()), dropped


# Writing.


def apply_plan(text: str, plan: MergePlan, display: str) -> str:
    """flags.toml text with the plan applied, checked to parse, validate and hold every value."""
    import tomlkit

    text = _insert_fields(text, [c for c in plan.updated if c.old is None and c.new is not None])
    try:
        document = tomlkit.parse(text)
        _apply_with_tomlkit(document, plan)
        result = tomlkit.dumps(document)
    except (ValueError, KeyError, TypeError, tomlkit.exceptions.TOMLKitError) as error:
        raise FlagdebtError(f"{display}: cannot merge into this layout: {error}") from None
    _verify(result, plan, display)
    return result


def _apply_with_tomlkit(document: object, plan: MergePlan) -> None:
    import tomlkit

    assert isinstance(document, tomlkit.TOMLDocument)
    if plan.added and "flags" not in document:
        document.add("flags", tomlkit.table(is_super_table=True))
    flags = document["flags"] if "flags" in document else {}
    for change in plan.updated:
        table = flags[change.key]
        if change.new is None:
            del table[change.field]
        else:
            table[change.field] = change.new
    for new in plan.added:
        flags[new.key] = _new_table(new)


def _new_table(new: Added) -> object:
    import tomlkit

    table = tomlkit.table()
    for name, value in new.values:
        table.add(name, value)
    values = dict(new.values)
    todo = [name for name in REQUIRED if name not in values]
    if todo:
        table.add(tomlkit.comment(f"TODO: {', '.join(todo)}"))
    return table


def _insert_fields(text: str, changes: Iterable[Change]) -> str:
    """New fields of existing `[flags.KEY]` tables go right after the table's last field.

    tomlkit would append them after any comment lines that end the table; fields of tables
    in another layout (inline, dotted keys) are left for tomlkit to set.
    """
    import tomlkit

    entries = scan_keys(text)
    lines = text.split("\n")
    by_line: dict[int, list[str]] = {}
    done: list[Change] = []
    for change in changes:
        anchor = _last_field_line(entries, change.key)
        if anchor is None:
            continue
        rendered = tomlkit.item(change.new).as_string()
        by_line.setdefault(anchor, []).append(f"{change.field} = {rendered}")
        done.append(change)
    ending = "\r" if "\r\n" in text else ""
    for anchor in sorted(by_line, reverse=True):
        added = [f"{line}{ending}" for line in by_line[anchor]]
        if anchor == len(lines):  # the table ends the file, which has no final newline
            lines[-1] += ending
            added[-1] = by_line[anchor][-1]
        lines[anchor:anchor] = added
    return "\n".join(lines) if done else text


def _last_field_line(entries: list[KeyLine], key: str) -> int | None:
    """The last line of `[flags.KEY]`'s last field (or of its header), if it has one header."""
    path = ("flags", key)
    heads = [n for n, e in enumerate(entries) if e.header and e.path == path]
    if len(heads) != 1:
        return None
    last = entries[heads[0]]
    for entry in entries[heads[0] + 1:]:
        if entry.header:
            break
        last = entry
    return last.end


def _verify(text: str, plan: MergePlan, display: str) -> None:
    """Refuse a result that does not validate or does not hold what the plan set."""
    registry = parse_registry(text, display)
    for change in plan.updated:
        flag = registry.flags.get(change.key)
        if flag is None or getattr(flag, change.field) != change.new:
            raise FlagdebtError(f"{display}: flag '{change.key}': could not set '{change.field}'")
    for new in plan.added:
        flag = registry.flags.get(new.key)
        if flag is None or any(getattr(flag, name) != value for name, value in new.values):
            raise FlagdebtError(f"{display}: flag '{new.key}': could not add it")
