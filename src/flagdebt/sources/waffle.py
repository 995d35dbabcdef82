"""django-waffle: the flags, switches and samples of `manage.py dumpdata waffle` as records."""

from __future__ import annotations

from pathlib import Path

from flagdebt.model import FlagdebtError
from flagdebt.sources import Filled, SourceFlag, SourceInput, make_flag, put
from flagdebt.sources.reading import Entry, describe_json, load_json

NAME = "django-waffle"
# Flags roll a feature out; switches are on/off operational toggles; samples are random splits.
MODELS = {"waffle.flag": "release", "waffle.switch": "ops", "waffle.sample": "experiment"}


def read(given: SourceInput) -> list[SourceFlag]:
    """Records from a dumpdata JSON file; rows of other models are skipped."""
    if not given.location:
        raise FlagdebtError(f"{NAME}: give the file `manage.py dumpdata waffle --format json` wrote")
    data = load_json(Path(given.location), NAME, given.location)
    if not isinstance(data, list):
        raise FlagdebtError(f"{NAME}: {given.location}: expected the JSON list dumpdata writes, "
                            f"got {describe_json(data)}")
    records = []
    for number, row in enumerate(data):
        place = f"{given.location}: item {number}"
        if not isinstance(row, dict):
            raise FlagdebtError(f"{NAME}: {place}: must be an object, got {describe_json(row)}")
        model = Entry(NAME, place, row).text("model", required=True)
        if model in MODELS:
            records.append(_record(Entry(NAME, f"{place} ({model})", row), model or ""))
    return records


def _record(row: Entry, model: str) -> SourceFlag:
    fields = row.child("'fields'", row.data.get("fields"))
    key = fields.text("name", required=True) or ""
    fields = Entry(NAME, f"{row.where[:-1]} '{key}')", fields.data)
    filled: Filled = {"type": (MODELS[model], model)}
    created = fields.timestamp("created")
    modified = fields.timestamp("modified")
    put(filled, "created", created, "created")
    put(filled, "description", fields.text("note"), "note")
    fields.boolean("active")
    _check_percent(fields)
    everyone = fields.boolean("everyone") if model == "waffle.flag" else None
    if everyone is not None and modified is not None:
        name = "rolled_out" if everyone else "rolled_back"
        filled[name] = (modified, f"everyone={everyone}, modified")
    return make_flag(key, fields.where, filled)


def _check_percent(fields: Entry) -> None:
    value = fields.data.get("percent")
    if isinstance(value, str):
        try:
            float(value)
            return
        except ValueError:
            pass
    elif value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return
    fields.fail(f"'percent' must be a number, got {describe_json(value)}")
