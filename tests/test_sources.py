"""Registry sources read from export files: mappings, goldens, and every kind of bad input."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import FIXTURES, check_golden

from flagdebt.model import FlagdebtError
from flagdebt.sources import SOURCES, SourceFlag, SourceInput

TODAY = date(2026, 11, 27)
SOURCE_FILES = FIXTURES / "sources"
GOOD = {
    "unleash": "export.json",
    "launchdarkly": "flags.json",
    "flagsmith": "features.json",
    "django-waffle": "dump.json",
}


def read(source: str, name: str) -> dict[str, SourceFlag]:
    location = str(SOURCE_FILES / source / name)
    records = SOURCES[source].read(SourceInput(source, TODAY, location))
    return {record.key: record for record in records}


def test_unleash_mapping() -> None:
    flags = read("unleash", "export.json")
    reorder = flags["quick-reorder"]
    assert (reorder.type, reorder.owner, reorder.created) == ("release", "checkout-crew",
                                                               date(2026, 2, 11))
    assert reorder.rolled_out == date(2026, 4, 20)
    assert reorder.origin("rolled_out") == "lifecycle completed (kept) enteredStageAt"
    upsell = flags["gift-wrap-upsell"]
    assert (upsell.type, upsell.rolled_back, upsell.owner) == ("experiment", date(2026, 3, 31),
                                                               "Tomasz Wrona")
    breaker = flags["inventory-sync-breaker"]
    assert (breaker.type, breaker.owner, breaker.description) == ("ops", None, None)
    assert flags["search-cache-ttl"].type == "ops"
    assert flags["search-cache-ttl"].owner == "ops-bot@example.invalid"
    assert flags["wholesale-pricing"].owner == "b2b-team"
    banner = flags["old-banner"]
    assert (banner.archived, banner.rolled_out) == (date(2026, 1, 15), date(2025, 12, 1))


def test_launchdarkly_mapping() -> None:
    flags = read("launchdarkly", "flags.json")
    search = flags["smart-search"]
    assert (search.type, search.owner, search.created) == ("release", "discovery", date(2026, 1, 2))
    assert flags["beta-reports"].type == "permission"  # temporary: false, no type tag
    assert flags["beta-reports"].owner == "lee@example.invalid"
    assert flags["payments-circuit"].type == "ops"  # the kill-switch tag wins over temporary
    assert flags["checkout-copy-test"].type == "experiment"
    assert flags["legacy-footer"].archived == date(2025, 11, 1)


def test_flagsmith_mapping() -> None:
    flags = read("flagsmith", "features.json")
    dark = flags["dark_mode"]
    assert (dark.type, dark.owner, dark.created) == ("release", "web-platform", date(2026, 3, 14))
    assert flags["pricing_page_variant"].type == "experiment"
    assert flags["pricing_page_variant"].owner == "noor@example.invalid"
    assert flags["maintenance_mode"].type == "ops"
    retired = flags["retired_widget"]
    assert retired.archived == TODAY and "archived" in retired.estimated


def test_waffle_mapping() -> None:
    flags = read("django-waffle", "dump.json")
    assert flags["new_editor"].rolled_out == date(2026, 3, 3)
    assert flags["legacy_import"].rolled_back == date(2026, 2, 14)
    smart = flags["smart_tags"]
    assert (smart.rolled_out, smart.rolled_back, smart.type) == (None, None, "release")
    assert flags["email_digest_enabled"].type == "ops"
    assert flags["log_sampling"].type == "experiment"
    assert "beta-testers" not in flags  # rows of other models are skipped


@pytest.mark.parametrize("source", sorted(GOOD))
def test_import_golden(source: str, run, tmp_path: Path) -> None:
    """Each good export imported into a registry with a hand-written entry and comments."""
    registry = tmp_path / "flags.toml"
    shutil.copy(SOURCE_FILES / "registry.toml", registry)
    export = SOURCE_FILES / source / GOOD[source]
    result = run(tmp_path, "registry", "import", "--from", source, str(export),
                 "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    check_golden(SOURCE_FILES / source / "expected.toml", registry.read_text(encoding="utf-8"))


BAD = [
    ("unleash", "truncated.json", "truncated.json:"),
    ("unleash", "wrong-types.json", "features[1] 'bad-date': 'createdAt' must be a string"),
    ("unleash", "duplicates.json", "duplicate key 'twice'"),
    ("launchdarkly", "truncated.json", "invalid JSON"),
    ("launchdarkly", "wrong-types.json", "items[1] 'stringy-date': 'creationDate' must be a number"),
    ("launchdarkly", "duplicates.json", "duplicate key 'same'"),
    ("flagsmith", "truncated.json", "(truncated?)"),
    ("flagsmith", "wrong-types.json", "'is_archived' must be true, false or null"),
    ("flagsmith", "duplicates.json", "duplicate key 'dup'"),
    ("django-waffle", "truncated.json", "invalid JSON"),
    ("django-waffle", "wrong-types.json", "item 1 (waffle.flag 'bad_everyone'): 'everyone'"),
    ("django-waffle", "duplicates.json", "duplicate key 'shared_name'"),
    ("unleash", "missing.json", "file not found"),
    ("flagsmith", "one-page.json", "holds 1 of 120 flags ('count')"),
    ("launchdarkly", "one-page.json", "holds 1 of 40 flags ('totalCount')"),
]


@pytest.mark.parametrize(("source", "name", "message"), BAD, ids=[f"{s}-{n}" for s, n, _ in BAD])
def test_bad_input_leaves_registry_untouched(source: str, name: str, message: str, run,
                                             tmp_path: Path) -> None:
    registry = tmp_path / "flags.toml"
    shutil.copy(SOURCE_FILES / "registry.toml", registry)
    before = registry.read_bytes()
    result = run(tmp_path, "registry", "import", "--from", source, str(SOURCE_FILES / source / name))
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("flagdebt: error:")]
    assert len(errors) == 1 and message in errors[0], result.output
    assert errors[0].startswith(f"flagdebt: error: {source}: ")
    assert registry.read_bytes() == before


@pytest.mark.parametrize(("text", "message"), [
    ("[1, 2]", "expected a JSON object with 'features'"),
    ('{"features": {}}', "'features' must be a list"),
    ('{"flags": []}', "no 'features' list"),
    ('{"features": [3]}', "features[0]: must be an object"),
    ('{"features": [{"type": "release"}]}', "features[0]: 'name' is missing"),
    ('{"features": [{"name": "x", "lifecycle": [{"stage": "completed", "enteredStageAt": "soon"}]}]}',
     "'enteredStageAt' must be an ISO 8601 timestamp"),
    ('{"features": [{"name": "x", "tags": [{"type": "simple"}]}]}', "'value' is missing"),
    ("", "empty, expected JSON"),
])
def test_unleash_shapes(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FlagdebtError, match=None) as caught:
        SOURCES["unleash"].read(SourceInput("unleash", TODAY, str(path)))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_unleash_url_needs_token_from_environment() -> None:
    given = SourceInput("unleash", TODAY, url="http://127.0.0.1:9", environ={})
    with pytest.raises(FlagdebtError, match="UNLEASH_API_TOKEN is not set"):
        SOURCES["unleash"].read(given)


def test_unleash_unreachable_server() -> None:
    given = SourceInput("unleash", TODAY, url="http://127.0.0.1:9",
                        environ={"UNLEASH_API_TOKEN": "x"})
    with pytest.raises(FlagdebtError, match=r"^unleash: cannot reach http://127.0.0.1:9/"):
        SOURCES["unleash"].read(given)
