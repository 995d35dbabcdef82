"""Renderers of the owner report (`flagdebt report`) and the phrases they share."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

from flagdebt.owners import FlagRow, OwnerReport
from flagdebt.printable import printable as printable  # the renderers' import

OwnerRenderer = Callable[[OwnerReport], str]
OWNER_FORMATS = {
    "text": "flagdebt.report.owners.text:render_text",
    "markdown": "flagdebt.report.owners.markdown:render_markdown",
    "json": "flagdebt.report.owners.json:render_json",
    "html": "flagdebt.report.owners.html:render_html",
}


def owner_renderer(name: str) -> OwnerRenderer:
    """The render function of an owner-report format, imported only when it is used."""
    module, _, function = OWNER_FORMATS[name].partition(":")
    render: OwnerRenderer = getattr(importlib.import_module(module), function)
    return render


def count(number: int, noun: str) -> str:
    """`1 flag`, `3 flags`."""
    return f"{number} {noun}" + ("" if number == 1 else "s")


def due_phrase(row: FlagRow) -> str:
    """The table's due column: `31 days overdue`, `due today`, `12 days left`."""
    if row.flag.archived is not None:
        return f"archived {row.flag.archived.isoformat()}"
    if row.days_left is None:
        return "no deadline"
    if row.days_left < 0:
        return f"{count(-row.days_left, 'day')} overdue"
    return "due today" if row.days_left == 0 else f"{count(row.days_left, 'day')} left"


def expiry_phrase(row: FlagRow) -> str:
    """A checklist's reason: `expired 31 days ago`, `expires in 12 days`."""
    if row.flag.archived is not None or row.days_left is None:
        return due_phrase(row)
    if row.days_left < 0:
        return f"expired {count(-row.days_left, 'day')} ago"
    return "expires today" if row.days_left == 0 else f"expires in {count(row.days_left, 'day')}"


def sites_phrase(sites: int, files: Sequence[str]) -> str:
    """`3 call sites in 2 files`, or `no call sites`."""
    if not sites:
        return "no call sites"
    return f"{count(sites, 'call site')} in {count(len(files), 'file')}"


def age_phrase(row: FlagRow) -> str:
    """`179 days` since created, or `unknown`."""
    return "unknown" if row.age is None else count(row.age, "day")


def summary_phrase(report: OwnerReport) -> str:
    """`6 flags, 2 overdue, 3 removable now, 1 unregistered key`."""
    parts = [count(len(report.rows), "flag"), f"{len(report.overdue)} overdue",
             f"{len(report.removable)} removable now"]
    if report.unregistered:
        parts.append(count(len(report.unregistered), "unregistered key"))
    return ", ".join(parts)


def notes(report: OwnerReport) -> list[str]:
    """Sentences about what the report could not see."""
    found = []
    if report.dynamic_sites:
        found.append(f"{count(report.dynamic_sites, 'call site')} read a runtime key that "
                     "cannot be attributed to a flag.")
    if report.unreadable:
        paths = ", ".join(printable(path) for path in report.unreadable)
        found.append(f"{count(len(report.unreadable), 'file')} could not be parsed: {paths}.")
    by_flag: dict[str, list[str]] = {}
    for key, path, line in report.mentions:
        by_flag.setdefault(key, []).append(f"{printable(path)}:{line}")
    found += [f"Docs mention '{printable(key)}' at {', '.join(places)}."
              for key, places in by_flag.items()]
    return found
