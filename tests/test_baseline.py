"""Tests for flagdebt.baseline: writing, loading and applying a baseline of accepted findings."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path

import pytest

from flagdebt.baseline import (
    Entry,
    apply_baseline,
    count_entries,
    describe_fixed,
    load_baseline,
    write_baseline,
)
from flagdebt.check import run_check
from flagdebt.config import load_config
from flagdebt.files import discover
from flagdebt.model import Finding, FlagdebtError
from flagdebt.paths import display_path
from flagdebt.registry import load_registry

TODAY = date(2026, 11, 27)

REGISTRY = """\
[flags.new-checkout]
type = "release"
owner = "payments"
created = 2025-01-06
rolled_out = 2025-02-03

[flags.dark-mode]
type = "release"
owner = "web"
created = 2025-01-06
rolled_out = 2025-03-03
"""

APP = """\
from flags import flag_enabled


def checkout(cart):
    if flag_enabled("new-checkout"):
        return "new"
    return "old"


class Page:
    def render(self):
        return flag_enabled("dark-mode") and flag_enabled("dark-mode")


BANNER = flag_enabled("banner")
"""


def project(root: Path, app: str = APP) -> Path:
    """A project with pyproject, flags.toml and app.py."""
    (root / "pyproject.toml").write_text("[tool.flagdebt]\n", encoding="utf-8")
    (root / "flags.toml").write_text(REGISTRY, encoding="utf-8")
    (root / "app.py").write_text(textwrap.dedent(app), encoding="utf-8")
    return root


def check(root: Path) -> list[Finding]:
    """The findings of `flagdebt check` run in `root`, through the real scanner and rules."""
    config = load_config(root)
    registry = load_registry(config.registry_path, "flags.toml")
    files = discover((root,), config.root, config.excludes)
    displays = [display_path(path, root) for path in files]
    return run_check(config, registry, files, displays, TODAY, True).findings


def edit(root: Path, old: str, new: str) -> None:
    path = root / "app.py"
    path.write_text(
        path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8"
    )


def test_written_file_is_sorted_diff_friendly_json_without_lines(
    tmp_path: Path,
) -> None:
    findings = check(project(tmp_path))
    baseline = tmp_path / "flagdebt-baseline.json"
    assert write_baseline(baseline, findings) == 4
    assert baseline.read_text(encoding="utf-8") == textwrap.dedent("""\
        {
          "version": 1,
          "entries": [
            {
              "path": "app.py",
              "scope": "",
              "code": "FD003",
              "flag": "banner"
            },
            {
              "path": "app.py",
              "scope": "Page.render",
              "code": "FD001",
              "flag": "dark-mode",
              "count": 2
            },
            {
              "path": "app.py",
              "scope": "checkout",
              "code": "FD001",
              "flag": "new-checkout"
            }
          ]
        }
        """)


def test_round_trip(tmp_path: Path) -> None:
    findings = check(project(tmp_path))
    path = tmp_path / "baseline.json"
    write_baseline(path, findings)
    loaded = load_baseline(path)
    assert loaded.entries == count_entries(findings, tmp_path, tmp_path)
    assert loaded.size == len(findings)
    assert apply_baseline(findings, loaded) == ([], 0)


def test_lines_inserted_above_findings_still_match(tmp_path: Path) -> None:
    root = project(tmp_path)
    path = tmp_path / "baseline.json"
    write_baseline(path, check(root))
    edit(root, "from flags", '"""The app."""\n\nimport os\n\nfrom flags')
    edit(root, "    if flag_enabled", "    cart = list(cart)\n    if flag_enabled")
    moved = check(root)
    assert [f.line for f in moved if f.flag == "new-checkout"] == [10]
    assert apply_baseline(moved, load_baseline(path)) == ([], 0)


def test_a_new_read_in_another_scope_is_reported(tmp_path: Path) -> None:
    root = project(tmp_path)
    path = tmp_path / "baseline.json"
    write_baseline(path, check(root))
    edit(
        root,
        "class Page:",
        'def pay():\n    return flag_enabled("new-checkout")\n\n\nclass Page:',
    )
    new, fixed = apply_baseline(check(root), load_baseline(path))
    assert [(f.code, f.flag, f.scope) for f in new] == [
        ("FD001", "new-checkout", "pay")
    ]
    assert fixed == 0


def test_multiplicity_one_more_identical_read_is_new(tmp_path: Path) -> None:
    root = project(tmp_path)
    path = tmp_path / "baseline.json"
    write_baseline(path, check(root))
    edit(
        root,
        'and flag_enabled("dark-mode")',
        'and flag_enabled("dark-mode") and flag_enabled("dark-mode")',
    )
    new, fixed = apply_baseline(check(root), load_baseline(path))
    assert [(f.code, f.flag, f.scope) for f in new] == [
        ("FD001", "dark-mode", "Page.render")
    ]
    assert fixed == 0


def test_removed_reads_are_counted_as_fixed(tmp_path: Path) -> None:
    root = project(tmp_path)
    path = tmp_path / "baseline.json"
    write_baseline(path, check(root))
    edit(root, ' and flag_enabled("dark-mode")', "")
    edit(root, 'BANNER = flag_enabled("banner")', "BANNER = True")
    assert apply_baseline(check(root), load_baseline(path)) == ([], 2)


def test_describe_fixed() -> None:
    assert describe_fixed(1, "b.json") == (
        "1 baseline entry is fixed and can be dropped "
        "(rerun with --write-baseline b.json to update it)."
    )
    assert describe_fixed(3, "b.json").startswith("3 baseline entries are fixed")


def test_paths_are_relative_to_the_baseline_folder(tmp_path: Path) -> None:
    sub = tmp_path / "pkg"
    sub.mkdir()
    finding = Finding("pkg/app.py", 3, 5, "FD001", "new-checkout", "expired", scope="f")
    path = tmp_path / "baseline.json"
    write_baseline(path, [finding], cwd=tmp_path)
    from_sub = Finding("app.py", 9, 5, "FD001", "new-checkout", "expired", scope="f")
    absolute = Finding(
        str(sub / "app.py"), 9, 5, "FD001", "new-checkout", "x", scope="f"
    )
    loaded = load_baseline(path)
    assert set(loaded.entries) == {Entry("pkg/app.py", "f", "FD001", "new-checkout")}
    assert apply_baseline([from_sub], loaded, cwd=sub) == ([], 0)
    assert apply_baseline([absolute], loaded, cwd=sub) == ([], 0)
    assert apply_baseline([from_sub], loaded, cwd=tmp_path) == ([from_sub], 1)


def test_duplicate_entries_add_up(tmp_path: Path) -> None:
    row = {"path": "a.py", "scope": "", "code": "FD003", "flag": "x"}
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"version": 1, "entries": [row, {**row, "count": 2}]}))
    assert load_baseline(path).entries == {Entry("a.py", "", "FD003", "x"): 3}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{",
            "b.json:1: invalid JSON: Expecting property name enclosed in double quotes (column 2)",
        ),
        ("[]", 'b.json: expected an object like {"version": 1, "entries": [...]}'),
        ('{"version": 2, "entries": []}', "b.json: 'version' must be 1, got 2"),
        ('{"version": 1, "entries": [], "extra": 1}', "b.json: unknown key 'extra'"),
        ('{"version": 1}', "b.json: 'entries' must be a list of findings"),
        (
            '{"version": 1, "entries": [3]}',
            "b.json: entry 1: must be an object with path, scope, code and flag",
        ),
        (
            '{"version": 1, "entries": [{"path": "a.py", "scope": "", "code": "FD001"}]}',
            "b.json: entry 1: 'flag' must be a string, got null",
        ),
        (
            '{"version": 1, "entries": [{"path": "a.py", "scope": "", "code": "E501", "flag": "x"}]}',
            "b.json: entry 1: 'code' must be a rule code like FD001, got \"E501\"",
        ),
        (
            (
                '{"version": 1, "entries": [{"path": "a.py", "scope": "", "code": "FD001", "flag": "x",'
                ' "count": 0, "line": 3}]}'
            ),
            (
                "b.json: entry 1: unknown key 'line'\nb.json: entry 1: 'count' must be a positive integer, "
                "got 0"
            ),
        ),
    ],
    ids=[
        "invalid-json",
        "not-an-object",
        "version",
        "unknown-top-key",
        "no-entries",
        "entry-not-object",
        "missing-field",
        "bad-code",
        "bad-count-and-line",
    ],
)
def test_bad_files_are_errors_naming_the_file(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "b.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FlagdebtError) as error:
        load_baseline(path, "b.json")
    assert str(error.value) == message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FlagdebtError, match=r"^b\.json: baseline not found$"):
        load_baseline(tmp_path / "b.json", "b.json")


def test_unwritable_file(tmp_path: Path) -> None:
    with pytest.raises(FlagdebtError, match="cannot write baseline"):
        write_baseline(tmp_path / "missing" / "b.json", [])
