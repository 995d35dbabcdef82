"""LaunchDarkly: the JSON of the REST API's flag list (`items[]`) as registry records."""

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

NAME = "launchdarkly"


def read(given: SourceInput) -> list[SourceFlag]:
    """Records from a saved `GET /api/v2/flags/{projectKey}` response."""
    if not given.location:
        raise FlagdebtError(f"{NAME}: give the JSON file of the flag list (GET /api/v2/flags/PROJECT)")
    data = load_json(Path(given.location), NAME, given.location)
    items = top_list(data, "items", NAME, given.location)
    check_complete(data, items, "totalCount", NAME, given.location,
                   "save every page (the API's ?limit= and ?offset=) into one items list")
    return [_record(entry, given) for entry in entries(items, NAME, given.location, "items", "key")]


def _record(entry: Entry, given: SourceInput) -> SourceFlag:
    key = entry.text("key", required=True) or ""
    entry.text("kind")
    entry.items("variations")
    tags = _tags(entry)
    filled: Filled = {}
    temporary = entry.boolean("temporary")
    put_type(filled, tags, None if temporary is None else
             ("release" if temporary else "permission", f"temporary={temporary}"))
    owner = _owner(entry)
    if owner is not None:
        filled["owner"] = owner
    put(filled, "created", entry.millis("creationDate"), "creationDate")
    put(filled, "description", entry.text("description"), "description")
    estimated = []
    archived_day = entry.millis("archivedDate")
    if entry.boolean("archived"):
        if archived_day is None:
            archived_day, estimated = given.today, ["archived"]
        filled["archived"] = (archived_day, "archivedDate" if not estimated else "archived (today)")
    return make_flag(key, entry.where, filled, tags, estimated)


def _tags(entry: Entry) -> list[str]:
    tags = entry.items("tags")
    for number, tag in enumerate(tags):
        if not isinstance(tag, str):
            entry.fail(f"'tags[{number}]' must be a string, got {describe_json(tag)}")
    return [str(tag) for tag in tags]


def _owner(entry: Entry) -> tuple[object, str] | None:
    team = entry.table("_maintainerTeam")
    if team is not None:
        found = Entry(entry.source, entry.where, team)
        for name in ("key", "name"):
            value = (found.text(name) or "").strip()
            if value:
                return value, f"_maintainerTeam.{name}"
    team_key = (entry.text("maintainerTeamKey") or "").strip()
    if team_key:
        return team_key, "maintainerTeamKey"
    person = entry.table("_maintainer")
    if person is not None:
        value = (Entry(entry.source, entry.where, person).text("email") or "").strip()
        if value:
            return value, "_maintainer.email"
    return None
