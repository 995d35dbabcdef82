"""`flagdebt registry import|sync`: read a source, merge it into flags.toml, report, exit code."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from flagdebt.fileio import write_atomically
from flagdebt.model import FlagdebtError, Registry
from flagdebt.registry import did_you_mean, parse_registry, read_toml
from flagdebt.registry_merge import MergePlan, apply_plan, plan_merge
from flagdebt.sources import SOURCES, Source, SourceFlag, SourceInput

NEW_REGISTRY = """\
# The feature-flag registry that `flagdebt check` reads. Entries were imported with
# `flagdebt registry import`; review them and fill what the source did not know.
"""
_SHOWN_MISSING = 5


@dataclass(frozen=True)
class ImportRequest:
    """One import: the source's input, the registry, and what to do with differences."""

    given: SourceInput
    registry: Path
    display: str
    overwrite: bool = False
    dry_run: bool = False
    check: bool = False  # write nothing; exit 1 when registry and source disagree
    sync: bool = False  # write, and exit 1 when anything differed


def find_source(name: str) -> Source:
    """The source called `name`, or an error listing the ones there are."""
    source = SOURCES.get(name)
    if source is None:
        known = ", ".join(SOURCES)
        raise FlagdebtError(f"unknown source '{name}'{did_you_mean(name, SOURCES)}; sources: {known}")
    return source


def read_registry(path: Path, display: str) -> tuple[str, Registry]:
    """The registry text and its flags; a missing file is an empty registry."""
    if not path.exists():
        return NEW_REGISTRY, Registry(display, {})
    text, _ = read_toml(path, display, "registry")
    return text, parse_registry(text, display)


def read_records(request: ImportRequest, registry: Registry) -> list[SourceFlag]:
    """The source's records, given the registry (the git source fills only missing dates)."""
    source = find_source(request.given.source)
    return source.read(replace(request.given, registry=registry))


def import_registry(request: ImportRequest) -> tuple[list[str], int]:
    """Merge the source into flags.toml (unless checking or a dry run); the report and exit code."""
    text, registry = read_registry(request.registry, request.display)
    records = read_records(request, registry)
    plan = plan_merge(registry, records, request.given.source, request.overwrite)
    lines = render_plan(plan, request.display)
    if request.check:
        verdict = (f"{request.display} disagrees with {plan.source}." if plan.disagrees
                   else f"{request.display} agrees with {plan.source}.")
        return [*lines, verdict], 1 if plan.disagrees else 0
    if not plan.changes:
        lines.append(f"Nothing to change in {request.display}.")
    elif request.dry_run:
        apply_plan(text, plan, request.display)  # a plan that cannot be written fails here too
        lines.append(f"Dry run: {request.display} not written.")
    else:
        data = apply_plan(text, plan, request.display).encode("utf-8")
        bom = b"\xef\xbb\xbf" if _has_bom(request.registry) else b""
        write_atomically(request.registry, bom + data)
        lines.append(f"Wrote {request.display}.")
    return lines, 1 if request.sync and plan.disagrees else 0


def _has_bom(path: Path) -> bool:
    return path.exists() and path.read_bytes().startswith(b"\xef\xbb\xbf")


def render_plan(plan: MergePlan, display: str) -> list[str]:
    """What the merge adds, updates and leaves alone, and why; one line each, then a summary."""
    lines = [f"added '{new.key}' ({new.entry}): "
             + ", ".join(f"{name} = {_value(value)}" for name, value in new.values)
             for new in plan.added]
    for change in plan.updated:
        if change.new is None:
            lines.append(f"updated '{change.key}': removed {change.field} = {_value(change.old)} "
                         f"({change.origin})")
        else:
            was = "" if change.old is None else f" (was {_value(change.old)})"
            lines.append(f"updated '{change.key}': {change.field} = {_value(change.new)}{was} "
                         f"from {plan.source} {change.origin}")
    lines += [f"left alone '{kept.key}' {kept.field}: {kept.reason}" for kept in plan.kept]
    lines += [f"note: {note}" for note in plan.notes]
    if plan.missing and plan.source not in ("git", "annotations"):
        shown = ", ".join(plan.missing[:_SHOWN_MISSING])
        more = len(plan.missing) - _SHOWN_MISSING
        lines.append(f"note: {len(plan.missing)} flag(s) of {display} are not in {plan.source}: "
                     f"{shown}{f' and {more} more' if more > 0 else ''}")
    lines.append(f"{plan.source}: {len(plan.added)} added, {len(plan.updated)} updated, "
                 f"{len(plan.kept)} left alone as written, {len(plan.agreed)} already agree.")
    return lines


def _value(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)
