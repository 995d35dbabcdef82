"""The owner report as one JSON document with every field of every flag and call site."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from flagdebt.model import CallSite
from flagdebt.owners import FlagRow, OwnerGroup, OwnerReport, Unregistered


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def site_dict(site: CallSite) -> dict[str, Any]:
    """A call site's location and how the key is written there."""
    return {"path": site.path, "line": site.line, "col": site.col, "spelling": site.spelling}


def _sites(sites: Sequence[CallSite], files: Sequence[str]) -> dict[str, Any]:
    return {"call_sites": len(sites), "files": list(files),
            "sites": [site_dict(site) for site in sites]}


def row_dict(row: FlagRow) -> dict[str, Any]:
    """One flag's registry entry, computed state and call sites as plain JSON values."""
    flag = row.flag
    return {
        "key": flag.key, "owner": flag.owner, "type": flag.type, "aliases": list(flag.aliases),
        "state": row.state, "health": row.health, "overdue": row.overdue,
        "created": _day(flag.created), "rolled_out": _day(flag.rolled_out),
        "rolled_back": _day(flag.rolled_back), "remove_by": _day(flag.remove_by),
        "archived": _day(flag.archived), "deadline": _day(row.deadline),
        "age_days": row.age, "days_left": row.days_left,
        **_sites(row.sites, row.files),
        "removable": row.command is not None, "command": row.command,
        "registry_line": flag.line,
    }


def _group(group: OwnerGroup) -> dict[str, Any]:
    return {"owner": group.owner, "label": group.label, "flags": [row_dict(r) for r in group.rows]}


def _stray(stray: Unregistered) -> dict[str, Any]:
    return {"key": stray.key, **_sites(stray.sites, stray.files)}


def render_json(report: OwnerReport) -> str:
    """The whole report as one indented JSON document."""
    document = {
        "today": report.today.isoformat(),
        "registry": report.registry,
        "owner": report.owner,
        "summary": {
            "flags": len(report.rows), "overdue": len(report.overdue),
            "removable": len(report.removable),
            "call_sites": sum(len(row.sites) for row in report.rows),
            "unregistered": len(report.unregistered), "dynamic_sites": report.dynamic_sites,
        },
        "owners": [_group(group) for group in report.groups],
        "unregistered": [_stray(stray) for stray in report.unregistered],
        "unreadable_files": list(report.unreadable),
    }
    if report.mentions:
        document["docs_mentions"] = [{"flag": key, "path": path, "line": line}
                                     for key, path, line in report.mentions]
    return json.dumps(document, indent=2) + "\n"
