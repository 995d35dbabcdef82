"""Registry sources: one module per place flags already live, all behind one interface.

A source reads its input and returns `SourceFlag` records; `flagdebt.registry_merge` merges
them into flags.toml. Sources never write anything.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from flagdebt.model import Registry

if TYPE_CHECKING:
    from flagdebt.config import Config

# The registry fields a source may fill, in the order a new [flags.KEY] table lists them.
FIELDS = ("type", "owner", "created", "description", "rolled_out", "rolled_back", "remove_by",
          "archived")


@dataclass(frozen=True, slots=True)
class SourceFlag:
    """One flag as a source knows it.

    `entry` says where in the source it was read (`feature 'x'`, `dump.json item 3`);
    `origins` names, per filled field, the source field it came from; `estimated` lists fields
    whose value is a stand-in (an archive date the source does not record), which never
    overwrite nor contradict what the registry says.
    """

    key: str
    entry: str
    type: str | None = None
    owner: str | None = None
    created: date | None = None
    description: str | None = None
    rolled_out: date | None = None
    rolled_back: date | None = None
    remove_by: date | None = None
    archived: date | None = None
    tags: tuple[str, ...] = ()
    origins: tuple[tuple[str, str], ...] = ()
    estimated: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()

    def values(self) -> dict[str, object]:
        """The registry fields this record fills, in FIELDS order."""
        found = {name: getattr(self, name) for name in FIELDS}
        return {name: value for name, value in found.items() if value is not None}

    def origin(self, name: str) -> str:
        """The source field `name` came from."""
        return dict(self.origins).get(name, name)


@dataclass(frozen=True, slots=True)
class SourceInput:
    """Everything a source may read: a file or URL, the project, the registry, today."""

    source: str
    today: date
    location: str | None = None
    url: str | None = None
    project: str | None = None
    root: Path = Path(".")
    registry: Registry | None = None
    environ: Mapping[str, str] = field(default_factory=dict)
    config: Config | None = None  # the project's settings, for sources that scan code


Reader = Callable[[SourceInput], list[SourceFlag]]


@dataclass(frozen=True, slots=True)
class Source:
    """A registry source: its name, its module (`read(SourceInput)`) and what it reads."""

    name: str
    module: str
    reads: str  # "file", "server or file", "tree"

    def read(self, given: SourceInput) -> list[SourceFlag]:
        """The source's records, checked for duplicate keys."""
        reader: Reader = importlib.import_module(f"flagdebt.sources.{self.module}").read
        return check_unique(self.name, reader(given))


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source("unleash", "unleash", "server or file"),
        Source("launchdarkly", "launchdarkly", "file"),
        Source("flagsmith", "flagsmith", "file"),
        Source("django-waffle", "waffle", "file"),
        Source("annotations", "annotations", "tree"),
        Source("git", "git", "tree"),
    )
}


def check_unique(source: str, records: Iterable[SourceFlag]) -> list[SourceFlag]:
    """The records, or a FlagdebtError naming the first key that two entries share."""
    from flagdebt.model import FlagdebtError

    seen: dict[str, SourceFlag] = {}
    for record in records:
        first = seen.setdefault(record.key, record)
        if first is not record:
            raise FlagdebtError(f"{source}: {record.entry}: duplicate key '{record.key}' "
                                f"(also {first.entry})")
    return list(seen.values())


Filled = dict[str, tuple[object, str]]  # field -> (value, the source field it came from)


def make_flag(key: str, entry: str, filled: Filled, tags: Iterable[str] = (),
              estimated: Iterable[str] = (), notes: Iterable[str] = ()) -> SourceFlag:
    """A SourceFlag from the fields a source filled and where each came from."""
    values = {name: value for name, (value, _) in filled.items()}
    origins = tuple((name, origin) for name, (_, origin) in filled.items())
    return SourceFlag(key=key, entry=entry, tags=tuple(tags), origins=origins,
                      estimated=frozenset(estimated), notes=tuple(notes),
                      **values)  # type: ignore[arg-type]


# Tags that name a registry type, shared by the services that tag flags.
TAG_TYPES = {
    "release": "release",
    "experiment": "experiment",
    "ops": "ops",
    "operational": "ops",
    "kill-switch": "ops",
    "killswitch": "ops",
    "kill_switch": "ops",
    "permission": "permission",
    "entitlement": "permission",
}


def put(filled: Filled, field: str, value: object, origin: str) -> None:
    """Record a value the source gave for `field`; None and blank text are no value."""
    if isinstance(value, str):
        value = value.strip()
    if value is not None and value != "":
        filled[field] = (value, origin)


def put_type(filled: Filled, tags: Iterable[str], kind: tuple[str, str] | None) -> None:
    """The registry type: a tag naming one wins over what the source's own field says."""
    tagged = type_from_tags(tags)
    if tagged is not None:
        filled["type"] = (tagged[0], f"tag {tagged[1]}")
    elif kind is not None:
        filled["type"] = kind


def type_from_tags(tags: Iterable[str]) -> tuple[str, str] | None:
    """The registry type the first type-naming tag gives, and that tag."""
    for tag in tags:
        kind = TAG_TYPES.get(tag.strip().lower())
        if kind is not None:
            return kind, tag
    return None
