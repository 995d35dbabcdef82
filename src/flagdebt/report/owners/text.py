"""The owner report as aligned plain-text tables, one per owner, for a terminal."""

from __future__ import annotations

from collections.abc import Sequence

from flagdebt.owners import FlagRow, OwnerGroup, OwnerReport, Unregistered
from flagdebt.report.owners import (
    age_phrase,
    count,
    due_phrase,
    notes,
    printable,
    summary_phrase,
)

HEADER = ("KEY", "TYPE", "STATE", "AGE", "DEADLINE", "DUE", "CALL SITES")
INDENT, DETAIL = "  ", "      "


def render_text(report: OwnerReport) -> str:
    """A title line, then per owner a table with each flag's files and removal command."""
    lines = [f"Flag report for {report.today.isoformat()} ({printable(report.registry)}): "
             f"{summary_phrase(report)}"]
    for group in report.groups:
        lines += ["", *_group(group)]
    if report.unregistered:
        lines += ["", *_unregistered(report.unregistered, report.registry)]
    if notes(report):
        lines += ["", *notes(report)]
    return "\n".join(lines) + "\n"


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows as left-aligned columns, two spaces apart, without trailing blanks."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [INDENT + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            for row in rows]


def _sites_cell(sites: int, files: Sequence[str]) -> str:
    return f"{sites} in {count(len(files), 'file')}" if sites else "none"


def _cells(row: FlagRow) -> tuple[str, ...]:
    end = row.deadline.isoformat() if row.deadline else "-"
    return (printable(row.key), printable(row.flag.type or "-"), row.state, age_phrase(row),
            end, due_phrase(row), _sites_cell(len(row.sites), row.files))


def _details(files: Sequence[str], command: str | None) -> list[str]:
    lines = [f"{DETAIL}files: {', '.join(printable(path) for path in files)}"] if files else []
    return lines + ([f"{DETAIL}run:   {printable(command)}"] if command else [])


def _group(group: OwnerGroup) -> list[str]:
    title = (f"{printable(group.label)}: {count(len(group.rows), 'flag')}, "
             f"{len(group.removable)} removable now")
    table = _table([HEADER, *(_cells(row) for row in group.rows)])
    lines = [title, table[0]]
    for row, line in zip(group.rows, table[1:], strict=True):
        lines += [line, *_details(row.files, row.command)]
    return lines


def _unregistered(strays: Sequence[Unregistered], registry: str) -> list[str]:
    title = f"unregistered: {count(len(strays), 'key')} read in code but not in {printable(registry)}"
    cells = [(printable(stray.key), _sites_cell(len(stray.sites), stray.files)) for stray in strays]
    table = _table([("KEY", "CALL SITES"), *cells])
    lines = [title, table[0]]
    for stray, line in zip(strays, table[1:], strict=True):
        lines += [line, *_details(stray.files, None)]
    return lines
