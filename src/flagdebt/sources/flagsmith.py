"""Flagsmith: the JSON of the REST API's feature list (`results[]`) as registry records."""

from __future__ import annotations

from pathlib import Path

from flagdebt.model import FlagdebtError
from flagdebt.sources import Filled, SourceFlag, SourceInput, make_flag, put, put_type
from flagdebt.sources.reading import (
    Entry,
    check_complete,
    describe_json,
    entries,
    load_json,
    top_list,
)

NAME = "flagsmith"
FEATURE_TYPES = {"STANDARD": "release", "MULTIVARIATE": "experiment"}


def read(given: SourceInput) -> list[SourceFlag]:
    """Records from a saved `GET /api/v1/projects/{id}/features/` response (paged or a list)."""
    if not given.location:
        raise FlagdebtError(f"{NAME}: give the JSON file of the feature list "
                            "(GET /api/v1/projects/ID/features/)")
    data = load_json(Path(given.location), NAME, given.location)
    results = data if isinstance(data, list) else top_list(data, "results", NAME, given.location)
    check_complete(data, results, "count", NAME, given.location,
                   "save every page (?page=, ?page_size=) into one results list")
    return [_record(entry, given) for entry in entries(results, NAME, given.location, "results", "name")]


def _record(entry: Entry, given: SourceInput) -> SourceFlag:
    key = entry.text("name", required=True) or ""
    filled: Filled = {}
    tags = _tags(entry)
    kind = entry.text("type")
    mapped = FEATURE_TYPES.get(kind.upper()) if kind else None
    put_type(filled, tags, (mapped, f"type {kind}") if mapped else None)
    owner = _owner(entry)
    if owner is not None:
        filled["owner"] = owner
    put(filled, "created", entry.timestamp("created_date"), "created_date")
    put(filled, "description", entry.text("description"), "description")
    estimated = []
    if entry.boolean("is_archived"):
        filled["archived"] = (given.today, "is_archived (no date given: today)")
        estimated = ["archived"]
    return make_flag(key, entry.where, filled, tags, estimated)


def _tags(entry: Entry) -> list[str]:
    """Tag labels; the API lists tag ids (numbers), which name no type and are skipped."""
    labels = []
    for number, tag in enumerate(entry.items("tags")):
        if isinstance(tag, str):
            labels.append(tag)
        elif isinstance(tag, dict):
            labels.append(entry.child(f"tags[{number}]", tag).text("label", required=True) or "")
        elif isinstance(tag, bool) or not isinstance(tag, int):
            entry.fail(f"'tags[{number}]' must be a tag id or label, got {describe_json(tag)}")
    return labels


def _owner(entry: Entry) -> tuple[object, str] | None:
    for number, group in enumerate(entry.items("group_owners")):
        name = (entry.child(f"group_owners[{number}]", group).text("name") or "").strip()
        if name:
            return name, "group_owners.name"
    for number, person in enumerate(entry.items("owners")):
        email = (entry.child(f"owners[{number}]", person).text("email") or "").strip()
        if email:
            return email, "owners.email"
    return None
