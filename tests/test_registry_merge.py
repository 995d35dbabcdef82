"""Merging source records into flags.toml: gaps filled, people's values kept, every layout."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import FIXTURES

from flagdebt.model import Registry
from flagdebt.registry import load_registry, parse_registry
from flagdebt.registry_merge import apply_plan, plan_merge
from flagdebt.sources import SourceFlag

WAFFLE = str(FIXTURES / "sources" / "django-waffle" / "dump.json")
D = date


def record(key: str, **values: object) -> SourceFlag:
    return SourceFlag(key=key, entry=f"item '{key}'", **values)  # type: ignore[arg-type]


def merged(text: str, records: list[SourceFlag], overwrite: bool = False) -> str:
    plan = plan_merge(parse_registry(text, "flags.toml"), records, "test", overwrite)
    return apply_plan(text, plan, "flags.toml")


def test_fills_gaps_and_keeps_written_values() -> None:
    text = '[flags.a]\ntype = "release"  # decided in review\nowner = "web"\n'
    plan = plan_merge(parse_registry(text, "f"), [record("a", type="ops", owner="web",
                                                         created=D(2026, 1, 2))], "test")
    assert [(c.field, c.new) for c in plan.updated] == [("created", D(2026, 1, 2))]
    assert [(k.field, k.ours, k.theirs) for k in plan.kept] == [("type", "release", "ops")]
    assert "--overwrite" in plan.kept[0].reason
    assert merged(text, [record("a", type="ops", created=D(2026, 1, 2))]) == (
        '[flags.a]\ntype = "release"  # decided in review\nowner = "web"\ncreated = 2026-01-02\n')


def test_overwrite_replaces_and_keeps_the_comment() -> None:
    text = '[flags.a]\ntype = "release"  # decided in review\n'
    assert merged(text, [record("a", type="ops")], overwrite=True) == (
        '[flags.a]\ntype = "ops"  # decided in review\n')


def test_rolled_back_never_joins_a_rolled_out() -> None:
    text = "[flags.a]\nrolled_out = 2026-03-01\n"
    plan = plan_merge(parse_registry(text, "f"), [record("a", rolled_back=D(2026, 4, 1))], "test")
    assert not plan.updated and plan.kept[0].field == "rolled_back"
    assert merged(text, [record("a", rolled_back=D(2026, 4, 1))], overwrite=True) == (
        "[flags.a]\nrolled_back = 2026-04-01\n")


def test_a_date_before_created_is_left_out() -> None:
    text = "[flags.a]\ncreated = 2026-05-01\n"
    plan = plan_merge(parse_registry(text, "f"), [record("a", rolled_out=D(2026, 4, 1))], "test")
    assert not plan.updated
    assert plan.kept[0].reason == "'rolled_out' (2026-04-01) would be before 'created' (2026-05-01)"


def test_estimated_archive_date_agrees_with_any_recorded_one() -> None:
    text = "[flags.a]\narchived = 2026-01-01\n"
    archived = record("a", archived=D(2026, 11, 27), estimated=frozenset({"archived"}))
    plan = plan_merge(parse_registry(text, "f"), [archived], "test", overwrite=True)
    assert not plan.disagrees and plan.agreed == ("a",)


def test_a_key_known_by_alias_updates_that_flag() -> None:
    text = '[flags.new-editor]\naliases = ["new_editor"]\n'
    out = merged(text, [record("new_editor", created=D(2026, 1, 10))])
    assert out == '[flags.new-editor]\naliases = ["new_editor"]\ncreated = 2026-01-10\n'


@pytest.mark.parametrize(("text", "expected"), [
    ("[flags.a]\r\ntype = \"ops\"\r\n", "[flags.a]\r\ntype = \"ops\"\r\ncreated = 2026-01-02\r\n"),
    ("[flags.a]\ntype = \"ops\"", "[flags.a]\ntype = \"ops\"\ncreated = 2026-01-02"),
    ("[flags.a]\r\ntype = \"ops\"", "[flags.a]\r\ntype = \"ops\"\r\ncreated = 2026-01-02"),
    ("[flags.a]\ntype = \"ops\"\n# about b\n\n[flags.b]\n",
     "[flags.a]\ntype = \"ops\"\ncreated = 2026-01-02\n# about b\n\n[flags.b]\n"),
    ("flags.a.type = \"ops\"\n", "flags.a.type = \"ops\"\nflags.a.created = 2026-01-02\n"),
    ('[flags]\na = { type = "ops" }\n', '[flags]\na = { type = "ops", created = 2026-01-02}\n'),
], ids=["crlf", "no-final-newline", "crlf-no-final-newline", "comment-before-next", "dotted",
        "inline"])
def test_layouts(text: str, expected: str) -> None:
    assert merged(text, [record("a", created=D(2026, 1, 2))]) == expected


def test_new_flags_into_an_empty_registry() -> None:
    out = merged("# just a header\n", [record("z-b", type="ops"), record("a.b", created=D(2026, 1, 1))])
    assert out == ('# just a header\n\n[flags."a.b"]\ncreated = 2026-01-01\n# TODO: type, owner\n\n'
                   '[flags.z-b]\ntype = "ops"\n# TODO: owner, created\n')
    assert set(parse_registry(out, "f").flags) == {"a.b", "z-b"}


# Through the CLI.

REGISTRY = """\
# Flags of the blog. Keep this comment.

[flags.new_editor]
type = "release"
owner = "editors"   # the editors' team
created = 2026-01-01
"""


def write_registry(tmp_path: Path) -> Path:
    path = tmp_path / "flags.toml"
    path.write_text(REGISTRY, encoding="utf-8")
    return path


def test_dry_run_writes_nothing(run, tmp_path: Path) -> None:
    path = write_registry(tmp_path)
    result = run(tmp_path, "registry", "import", "--from", "django-waffle", WAFFLE, "--dry-run")
    assert result.exit_code == 0
    assert path.read_text(encoding="utf-8") == REGISTRY
    assert "added 'legacy_import'" in result.output
    assert "left alone 'new_editor' created: flags.toml has 2026-01-01, django-waffle has 2026-01-10" \
        in result.output
    assert result.output.rstrip().endswith("Dry run: flags.toml not written.")


def test_import_writes_and_preserves_comments(run, tmp_path: Path) -> None:
    path = write_registry(tmp_path)
    result = run(tmp_path, "registry", "import", "--from", "django-waffle", WAFFLE)
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert text.startswith(REGISTRY + 'description = "Rich text editor for posts"\n'
                                      "rolled_out = 2026-03-03\n\n[flags.email_digest_enabled]\n")
    flags = load_registry(path).flags
    assert flags["new_editor"].created == D(2026, 1, 1)
    assert flags["legacy_import"].rolled_back == D(2026, 2, 14)
    again = run(tmp_path, "registry", "import", "--from", "django-waffle", WAFFLE)
    assert "Nothing to change in flags.toml." in again.output
    assert path.read_text(encoding="utf-8") == text


def test_check_and_sync_exit_codes(run, tmp_path: Path) -> None:
    path = write_registry(tmp_path)
    check = run(tmp_path, "registry", "import", "--from", "django-waffle", WAFFLE, "--check")
    assert check.exit_code == 1
    assert check.output.rstrip().endswith("flags.toml disagrees with django-waffle.")
    assert path.read_text(encoding="utf-8") == REGISTRY
    sync = run(tmp_path, "registry", "sync", "--from", "django-waffle", WAFFLE, "--overwrite")
    assert sync.exit_code == 1 and "Wrote flags.toml." in sync.output
    assert load_registry(path).flags["new_editor"].created == D(2026, 1, 10)
    assert "# the editors' team" in path.read_text(encoding="utf-8")
    for command in (("import", "--check"), ("sync",)):
        agreed = run(tmp_path, "registry", *command, "--from", "django-waffle", WAFFLE)
        assert agreed.exit_code == 0, agreed.output


def test_import_creates_a_missing_registry(run, tmp_path: Path) -> None:
    result = run(tmp_path, "registry", "import", "--from", "django-waffle", WAFFLE)
    assert result.exit_code == 0
    assert len(load_registry(tmp_path / "flags.toml").flags) == 5


def test_invalid_registry_is_reported_not_rewritten(run, tmp_path: Path) -> None:
    path = tmp_path / "flags.toml"
    path.write_text("[flags.a]\ntype = \"sometimes\"\n", encoding="utf-8")
    result = run(tmp_path, "registry", "import", "--from", "django-waffle", WAFFLE)
    assert result.exit_code == 2
    assert "flags.toml:2: flag 'a': 'type' must be one of" in result.output
    assert path.read_text(encoding="utf-8") == "[flags.a]\ntype = \"sometimes\"\n"


def test_unknown_source_is_a_usage_error(run, tmp_path: Path) -> None:
    result = run(tmp_path, "registry", "import", "--from", "splitio", "x.json")
    assert result.exit_code == 2


def test_registry_object_is_unchanged_type() -> None:
    assert isinstance(parse_registry("", "f"), Registry)
