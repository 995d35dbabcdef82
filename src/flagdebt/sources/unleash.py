"""Unleash: a live server's admin API, or a saved export of it, as registry records."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flagdebt.model import FlagdebtError
from flagdebt.sources import Filled, SourceFlag, SourceInput, make_flag, put
from flagdebt.sources.reading import Entry, entries, load_json, parse_json, top_list

NAME = "unleash"
TOKEN_VARIABLE = "UNLEASH_API_TOKEN"
TYPES = {
    "release": "release",
    "experiment": "experiment",
    "operational": "ops",
    "kill-switch": "ops",
    "permission": "permission",
}
OWNER_TAG_TYPES = ("owner", "team")
TIMEOUT = 30.0
WORKERS = 8
SEARCH_PAGE = 100


def read(given: SourceInput) -> list[SourceFlag]:
    """Records from `--url` (or a URL given as the location), else from an export file."""
    url = given.url
    if url is None and given.location and given.location.startswith(("http://", "https://")):
        url = given.location
    if url is not None:
        token = given.environ.get(TOKEN_VARIABLE, "").strip()
        if not token:
            raise FlagdebtError(f"{NAME}: {TOKEN_VARIABLE} is not set: export an admin API token "
                                f"for {url} in the environment")
        return parse_export(fetch_export(url, given.project or "default", token), url, given)
    if not given.location:
        raise FlagdebtError(f"{NAME}: give --url http://HOST:4242 or an export file")
    return parse_export(load_json(Path(given.location), NAME, given.location), given.location, given)


def parse_export(data: object, display: str, given: SourceInput) -> list[SourceFlag]:
    """Records from the JSON of the project features list, the search API or an export."""
    features = top_list(data, "features", NAME, display)
    extra = _export_tags(data, display)
    return [_record(entry, extra.get(str(entry.data.get("name")), []), given)
            for entry in entries(features, NAME, display, "features", "name")]


def _export_tags(data: object, display: str) -> dict[str, list[tuple[str, str]]]:
    """The `featureTags` list of a features-batch export, by feature name."""
    assert isinstance(data, dict)
    found: dict[str, list[tuple[str, str]]] = {}
    for entry in entries(Entry(NAME, display, data).items("featureTags"), NAME, display,
                         "featureTags", "featureName"):
        name = entry.text("featureName", required=True)
        kind = entry.text("tagType") or "simple"
        found.setdefault(name or "", []).append((kind, entry.text("tagValue", required=True) or ""))
    return found


def _record(entry: Entry, extra_tags: list[tuple[str, str]], given: SourceInput) -> SourceFlag:
    key = entry.text("name", required=True) or ""
    entry.boolean("stale")
    filled: Filled = {}
    notes: list[str] = []
    kind = entry.text("type")
    if kind is not None and kind in TYPES:
        filled["type"] = (TYPES[kind], f"type {kind}")
    elif kind is not None:
        notes.append(f"type '{kind}' has no registry type")
    tags = _tags(entry) + extra_tags
    owner = _owner(entry, tags)
    if owner is not None:
        filled["owner"] = owner
    put(filled, "created", entry.timestamp("createdAt"), "createdAt")
    put(filled, "description", entry.text("description"), "description")
    stages = _stages(entry)
    filled.update(_final_state(stages))
    estimated = _archived(entry, stages, filled, given)
    return make_flag(key, entry.where, filled, [f"{k}:{v}" for k, v in tags], estimated, notes)


def _tags(entry: Entry) -> list[tuple[str, str]]:
    found = []
    for number, value in enumerate(entry.items("tags")):
        if isinstance(value, str):
            found.append(("simple", value))
            continue
        tag = entry.child(f"tags[{number}]", value)
        found.append((tag.text("type") or "simple", str(tag.text("value", required=True))))
    return found


def _owner(entry: Entry, tags: list[tuple[str, str]]) -> tuple[object, str] | None:
    for kind, value in tags:
        if kind.lower() in OWNER_TAG_TYPES and value.strip():
            return value.strip(), f"tag {kind}:{value}"
    creator = entry.data.get("createdBy")
    if isinstance(creator, str) and creator.strip():
        return creator.strip(), "createdBy"
    if creator is None:
        return None
    person = entry.child("'createdBy'", creator)
    number = person.number("id")
    if number is not None and number < 0:  # a system or API-token user, not a person
        return None
    for name in ("name", "username", "email"):
        found = person.text(name)
        if found and found.strip():
            return found.strip(), f"createdBy.{name}"
    return None


def _stages(entry: Entry) -> list[Entry]:
    """The lifecycle stages: the lifecycle endpoint's list, or the one current stage."""
    value = entry.data.get("lifecycle")
    if value is None:
        return []
    listed = value if isinstance(value, list) else [value]
    stages = [entry.child(f"lifecycle[{n}]", stage) for n, stage in enumerate(listed)]
    for stage in stages:
        stage.text("stage", required=True)
        stage.timestamp("enteredStageAt")
    return stages


def _final_state(stages: list[Entry]) -> Filled:
    for stage in stages:
        if stage.text("stage") != "completed":
            continue
        status = stage.text("status")
        day = stage.timestamp("enteredStageAt")
        if day is None or status not in ("kept", "discarded"):
            continue
        name = "rolled_out" if status == "kept" else "rolled_back"
        return {name: (day, f"lifecycle completed ({status}) enteredStageAt")}
    return {}


def _archived(entry: Entry, stages: list[Entry], filled: Filled, given: SourceInput) -> list[str]:
    day = entry.timestamp("archivedAt")
    if day is not None:
        filled["archived"] = (day, "archivedAt")
        return []
    for stage in stages:
        stage_day = stage.timestamp("enteredStageAt")
        if stage.text("stage") == "archived" and stage_day is not None:
            filled["archived"] = (stage_day, "lifecycle archived enteredStageAt")
            return []
    if entry.boolean("archived"):
        filled["archived"] = (given.today, "archived (no date given: today)")
        return ["archived"]
    return []


# The live server.


class _Client:
    """GET requests to one Unleash server with an admin token; errors are one line."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/")
        self.token = token

    def get(self, path: str, missing_ok: bool = False) -> object:
        url = self.base + path
        request = urllib.request.Request(url, headers={"Authorization": self.token,
                                                       "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            if missing_ok and error.code == 404:
                return None
            raise FlagdebtError(_http_error(url, error)) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise FlagdebtError(f"{NAME}: cannot reach {url}: {reason}") from None
        return parse_json(body.decode("utf-8", "replace"), NAME, url)


def _http_error(url: str, error: urllib.error.HTTPError) -> str:
    if error.code in (401, 403):
        return (f"{NAME}: {url}: HTTP {error.code} {error.reason}: the server refused "
                f"{TOKEN_VARIABLE} (it needs an admin token)")
    return f"{NAME}: {url}: HTTP {error.code} {error.reason}"


def fetch_export(base: str, project: str, token: str) -> dict[str, object]:
    """The project's features, archived ones too, with tags, creator and lifecycle stages."""
    client = _Client(base, token)
    quoted = urllib.parse.quote(project, safe="")
    active = _features(client, f"/api/admin/projects/{quoted}/features")
    archived = _archived_features(client, quoted)
    with ThreadPoolExecutor(WORKERS) as pool:
        details = list(pool.map(lambda f: _details(client, quoted, f[0], f[1]),
                                [(feature, False) for feature in active]
                                + [(feature, True) for feature in archived]))
    return {"version": 1, "features": details}


def _features(client: _Client, path: str, answer: object = None) -> list[Mapping[str, object]]:
    listed = top_list(answer if answer is not None else client.get(path), "features", NAME,
                      client.base + path)
    return [entry.data for entry in entries(listed, NAME, client.base + path, "features", "name")]


def _archived_features(client: _Client, project: str) -> list[Mapping[str, object]]:
    """The archive endpoint's list; servers without it are asked through the search API."""
    path = f"/api/admin/archive/features/{project}"
    answer = client.get(path, missing_ok=True)
    if answer is not None:
        return _features(client, path, answer)
    found: list[Mapping[str, object]] = []
    while True:
        page = (f"/api/admin/search/features?project=IS:{project}&archived=IS:true"
                f"&limit={SEARCH_PAGE}&offset={len(found)}")
        listed = _features(client, page)
        found += listed
        if len(listed) < SEARCH_PAGE:
            return found


def _details(client: _Client, project: str, feature: Mapping[str, object],
             archived: bool) -> dict[str, object]:
    name = feature.get("name")
    if not isinstance(name, str) or not name:
        return dict(feature)  # reported by the parser, with its place
    path = f"/api/admin/projects/{project}/features/{urllib.parse.quote(name, safe='')}"
    merged = dict(feature)
    if not archived:
        detail = client.get(path, missing_ok=True)
        if isinstance(detail, dict) and "createdBy" in detail:
            merged["createdBy"] = detail["createdBy"]
    stages = client.get(path + "/lifecycle", missing_ok=True)
    if stages is not None:
        merged["lifecycle"] = stages
    tags = client.get(f"/api/admin/features/{urllib.parse.quote(name, safe='')}/tags", missing_ok=True)
    if isinstance(tags, dict) and "tags" in tags:
        merged["tags"] = tags["tags"]
    elif tags is not None:
        merged["tags"] = json.dumps(tags)  # not a list: the parser names it
    return merged
