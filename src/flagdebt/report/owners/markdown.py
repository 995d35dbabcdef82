"""The owner report as a removal issue: a title, then per owner a checklist and a table."""

from __future__ import annotations

import re
from collections.abc import Sequence

from flagdebt.owners import FlagRow, OwnerGroup, OwnerReport, Unregistered
from flagdebt.report.owners import (
    age_phrase,
    count,
    due_phrase,
    expiry_phrase,
    notes,
    printable,
    sites_phrase,
    summary_phrase,
)

SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&!])")
COLUMNS = ("Flag", "Type", "State", "Age", "Deadline", "Due", "Call sites", "Files")


def text(value: str) -> str:
    """Plain Markdown text: every character that could start markup is backslash-escaped."""
    return SPECIAL.sub(r"\\\1", printable(value))


def code(value: str) -> str:
    """An inline code span that holds `value` verbatim, whatever backticks it contains."""
    shown = printable(value)
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if shown[:1] in ("`", " ") or shown[-1:] in ("`", " ") else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def cell(value: str) -> str:
    """A table cell: GFM splits cells on every `|`, even inside code spans."""
    return value.replace("|", "\\|") if "|" in value else value


def render_markdown(report: OwnerReport) -> str:
    """An issue body to paste: title line, summary, per-owner sections, unregistered keys."""
    lines = [_title(report), "",
             f"From {code(report.registry)} by `flagdebt report` on {report.today.isoformat()}: "
             f"{summary_phrase(report)}. Overdue flags come first."]
    for group in report.groups:
        lines += ["", *_section(group)]
    if report.unregistered:
        lines += ["", *_unregistered(report.unregistered, report.registry)]
    for note in notes(report):
        lines += ["", text(note)]
    return "\n".join(lines) + "\n"


def _title(report: OwnerReport) -> str:
    scope = f" for {text(report.owner)}" if report.owner is not None else ""
    ready = count(len(report.removable), "flag")
    return f"# Flag removal{scope}: {ready} ready to remove ({report.today.isoformat()})"


def checklist_item(row: FlagRow) -> str:
    """`- [ ] Remove `key` (expired 31 days ago, 3 call sites in 2 files): `command``."""
    reason = f"{expiry_phrase(row)}, {sites_phrase(len(row.sites), row.files)}"
    return f"- [ ] Remove {code(row.key)} ({reason}): {code(row.command or '')}"


def _files(files: Sequence[str]) -> str:
    return ", ".join(code(path) for path in files) or "-"


def _row(row: FlagRow) -> str:
    values = (code(row.key), text(row.flag.type or "-"), row.state, age_phrase(row),
              row.deadline.isoformat() if row.deadline else "-", due_phrase(row),
              str(len(row.sites)), _files(row.files))
    return "| " + " | ".join(cell(value) for value in values) + " |"


def _section(group: OwnerGroup) -> list[str]:
    items = [checklist_item(row) for row in group.removable] or ["Nothing to remove yet."]
    header = ["| " + " | ".join(COLUMNS) + " |",
              "| --- | --- | --- | ---: | --- | --- | ---: | --- |"]
    return [f"## {text(group.label)}", "", *items, "", *header,
            *(_row(row) for row in group.rows)]


def _unregistered(strays: Sequence[Unregistered], registry: str) -> list[str]:
    rows = [f"| {cell(code(stray.key))} | {len(stray.sites)} | {cell(_files(stray.files))} |"
            for stray in strays]
    return ["## Unregistered flags", "",
            f"Read in code but not in {code(registry)}: register them or fix the keys.", "",
            "| Key | Call sites | Files |", "| --- | ---: | --- |", *rows]
