"""`registry import --from unleash` against a real Unleash server (see unleash_server.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT, check_golden
from unleash_server import Server, Unavailable, running_unleash

from flagdebt.registry import load_registry
from flagdebt.sources.reading import parse_timestamp

TYPES = ("release", "experiment", "operational", "kill-switch", "permission")
REGISTRY = """\
# The live test's registry: the comment and the hand-written values must survive.

[flags.live-permission]
owner = "accounts"   # written by hand
type = "release"     # wrong on purpose: only --overwrite may take Unleash's type
"""


@pytest.fixture(scope="session")
def unleash_server() -> Iterator[tuple[Server, dict[str, dict[str, date]]]]:
    try:
        with running_unleash(ROOT / ".cache" / "unleash") as server:
            yield server, seed(server)
    except Unavailable as reason:
        pytest.skip(str(reason))


def seed(server: Server) -> dict[str, dict[str, date]]:
    """Flags of every type, two completed lifecycles, one archived; the dates Unleash gave."""
    server.call("POST", "/api/admin/tag-types", {"name": "owner", "description": "owning team"})
    dates: dict[str, dict[str, date]] = {}
    for kind in TYPES:
        created = create(server, f"live-{kind}", kind, f"Live test flag of type {kind}")
        dates[f"live-{kind}"] = {"created": created}
    dates["live-retired"] = {"created": create(server, "live-retired", "release", "")}
    server.call("POST", "/api/admin/features/live-release/tags", {"type": "owner", "value": "storefront"})
    base = "/api/admin/projects/default/features"
    for name, status in (("live-release", "kept"), ("live-experiment", "discarded")):
        server.call("POST", f"{base}/{name}/lifecycle/complete", {"status": status})
        stages = server.call("GET", f"{base}/{name}/lifecycle")
        assert isinstance(stages, list)
        entered = next(s["enteredStageAt"] for s in stages if s["stage"] == "completed")
        dates[name]["completed"] = utc_day(entered)
    server.call("DELETE", f"{base}/live-retired")
    archive = server.call("GET", "/api/admin/archive/features/default")
    assert isinstance(archive, dict)
    dates["live-retired"]["archived"] = utc_day(archive["features"][0]["archivedAt"])
    return dates


def create(server: Server, name: str, kind: str, description: str) -> date:
    made = server.call("POST", "/api/admin/projects/default/features",
                       {"name": name, "type": kind, "description": description})
    assert isinstance(made, dict)
    return utc_day(made["createdAt"])


def utc_day(text: str) -> date:
    day = parse_timestamp(text)
    assert day is not None
    return day


def import_from(run, tmp_path: Path, server: Server, *extra: str):
    return run(tmp_path, "registry", "import", "--from", "unleash", "--url", server.url,
               "--project", "default", *extra)


def test_live_import_matches_golden(unleash_server, run, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    server, dates = unleash_server
    monkeypatch.setenv("UNLEASH_API_TOKEN", server.token)
    registry = tmp_path / "flags.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    result = import_from(run, tmp_path, server)
    assert result.exit_code == 0, result.output
    flags = load_registry(registry).flags
    for key, known in dates.items():
        assert flags[key].created == known["created"], key
    assert flags["live-release"].rolled_out == dates["live-release"]["completed"]
    assert flags["live-experiment"].rolled_back == dates["live-experiment"]["completed"]
    assert flags["live-retired"].archived == dates["live-retired"]["archived"]
    assert "left alone 'live-permission' type: flags.toml has \"release\", unleash has " \
           "\"permission\" (--overwrite takes it)" in result.output
    text = re.sub(r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD", registry.read_text(encoding="utf-8"))
    check_golden(FIXTURES / "sources" / "unleash" / "live-expected.toml", text)


def test_live_check_and_sync(unleash_server, run, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    server, _ = unleash_server
    monkeypatch.setenv("UNLEASH_API_TOKEN", server.token)
    registry = tmp_path / "flags.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    check = import_from(run, tmp_path, server, "--check")
    assert check.exit_code == 1 and registry.read_text(encoding="utf-8") == REGISTRY
    assert "added 'live-kill-switch'" in check.output
    sync = run(tmp_path, "registry", "sync", "--from", "unleash", "--url", server.url, "--overwrite")
    assert sync.exit_code == 1, sync.output
    assert load_registry(registry).flags["live-permission"].type == "permission"
    assert "# written by hand" in registry.read_text(encoding="utf-8")
    again = import_from(run, tmp_path, server, "--check")
    assert again.exit_code == 0, again.output
    assert again.output.rstrip().endswith("flags.toml agrees with unleash.")


@pytest.mark.parametrize("token", ["*:*.not-a-real-token", "default:development.wrong"])
def test_live_refused_token(unleash_server, run, tmp_path: Path, token: str,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    server, _ = unleash_server
    monkeypatch.setenv("UNLEASH_API_TOKEN", token)
    registry = tmp_path / "flags.toml"
    registry.write_text(REGISTRY, encoding="utf-8")
    result = import_from(run, tmp_path, server)
    assert result.exit_code == 2
    assert "HTTP 401" in result.output and "UNLEASH_API_TOKEN" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert registry.read_text(encoding="utf-8") == REGISTRY
