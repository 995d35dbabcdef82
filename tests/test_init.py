"""Tests for `flagdebt init`: the starter flags.toml and the [tool.flagdebt] table."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from flagdebt.cli import cli
from flagdebt.config import load_config
from flagdebt.init import toml_key
from flagdebt.model import CallPattern
from flagdebt.registry import load_registry

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

PYPROJECT = '[project]\nname = "shop"\n'

CHECKOUT = """\
import waffle
from shop.flags import Feature, flag_enabled

NEW_CHECKOUT = "new-checkout"


def checkout(request, name):
    if flag_enabled(NEW_CHECKOUT) and flag_enabled("checkout.v2"):
        return waffle.flag_is_active(request, "beta")
    return flag_enabled(name) or flag_enabled(Feature.DARK)


class Page:
    def render(self):
        return flag_enabled("new-checkout")
"""

REGISTRY = """\
# The feature-flag registry that `flagdebt check` reads, written by `flagdebt init`
# from the flag reads found in the code. Review every entry: correct its type
# (release, experiment, ops or permission), then add owner and created. Until then
# `flagdebt check` reports FD005 (incomplete-flag). Record the day a flag is fully
# rolled out (rolled_out = 2026-09-01) or rolled back (rolled_back = ...).

[flags.beta]
type = "release"  # TODO: review (release, experiment, ops or permission)
# TODO: owner, created
# read at shop/checkout.py:9 (checkout)

[flags."checkout.v2"]
type = "release"  # TODO: review (release, experiment, ops or permission)
# TODO: owner, created
# read at shop/checkout.py:8 (checkout)

[flags.new-checkout]
type = "release"  # TODO: review (release, experiment, ops or permission)
# TODO: owner, created
# read at shop/checkout.py:8 (checkout), shop/checkout.py:15 (Page.render)

# Keys written as names flagdebt could not resolve to a string. Register each
# under its real key with the name as an alias, e.g. aliases = ["Feature.NAME"]:
#   Feature.DARK, read at shop/checkout.py:10 (checkout)

# Reads whose key is a runtime value (FD006); register their flags by hand:
#   shop/checkout.py:10 (checkout): flag_enabled(name)
"""

CONFIG = """
[tool.flagdebt]
# Written by `flagdebt init`; the registry is flags.toml next to this file.
presets = ["django-waffle"]  # found in the dependencies or imports
calls = ["flag_enabled", "waffle.flag_is_active:1"]
# sprint-days = 14
# max-sprints = { release = 4, experiment = 2 }
"""


def project(root: Path, pyproject: str | bytes | None = PYPROJECT) -> Path:
    """A project with shop/checkout.py and, unless None, the given pyproject.toml."""
    (root / "shop").mkdir()
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "flags.py").write_text("def flag_enabled(name): ...\n")
    (root / "shop" / "checkout.py").write_text(CHECKOUT, encoding="utf-8")
    if isinstance(pyproject, str):
        (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    elif isinstance(pyproject, bytes):
        (root / "pyproject.toml").write_bytes(pyproject)
    return root


def init(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["init", str(root), *args])


def test_writes_registry_and_appends_config(tmp_path: Path) -> None:
    root = project(tmp_path)
    result = init(root, "--call", "waffle.flag_is_active:1")
    assert result.exit_code == 0, result.output
    assert (root / "flags.toml").read_text(encoding="utf-8") == REGISTRY
    assert (root / "pyproject.toml").read_text(encoding="utf-8") == PYPROJECT + CONFIG
    assert (
        "Wrote " in result.output and "with 3 flags found in the code." in result.output
    )
    assert (
        "2 reads without a string key: see the comments at the end of " in result.output
    )
    assert "Added [tool.flagdebt] with presets django-waffle to " in result.output


def test_written_files_load(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert init(root, "--call", "waffle.flag_is_active:1").exit_code == 0
    registry = load_registry(root / "flags.toml")
    assert list(registry.flags) == ["beta", "checkout.v2", "new-checkout"]
    assert {flag.type for flag in registry.flags.values()} == {"release"}
    assert {flag.owner for flag in registry.flags.values()} == {None}
    config = load_config(root)
    assert config.presets == ("django-waffle",)  # checkout.py imports waffle
    assert [pattern.spelled for pattern in config.calls][:2] == [
        "flag_enabled",
        "waffle.flag_is_active:1",
    ]


def test_check_then_asks_for_owner_and_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path)
    assert init(root, "--call", "waffle.flag_is_active:1").exit_code == 0
    monkeypatch.chdir(root)
    result = CliRunner().invoke(
        cli, ["check", "--select", "FD005", "--today", "2026-11-27"]
    )
    assert result.exit_code == 1
    assert [line.split()[1] for line in result.output.splitlines()[:3]] == ["FD005"] * 3
    assert "flag 'beta' has no owner, created in the registry" in result.output


def test_refuses_to_overwrite_the_registry(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "flags.toml").write_text("[flags]\n")
    result = init(root)
    assert result.exit_code == 2
    assert (
        "flags.toml: already exists; flagdebt init does not overwrite it"
        in result.output
    )
    assert (root / "flags.toml").read_text() == "[flags]\n"
    assert (root / "pyproject.toml").read_text() == PYPROJECT


def test_existing_table_is_left_and_its_settings_used(tmp_path: Path) -> None:
    text = (
        PYPROJECT
        + '\n[tool.flagdebt]\nregistry = "config/flags.toml"\ncalls = ["waffle.flag_is_active:1"]\n'
    )
    root = project(tmp_path, text)
    (root / "config").mkdir()
    result = init(root)
    assert result.exit_code == 0, result.output
    assert (
        "pyproject.toml already has [tool.flagdebt]; left it unchanged."
        in result.output
    )
    assert (root / "pyproject.toml").read_text() == text
    assert list(load_registry(root / "config" / "flags.toml").flags) == ["beta"]
    assert not (root / "flags.toml").exists()


def test_registry_named_by_existing_table_is_not_overwritten(tmp_path: Path) -> None:
    root = project(
        tmp_path, PYPROJECT + '[tool.flagdebt]\nregistry = "flags/registry.toml"\n'
    )
    (root / "flags").mkdir()
    (root / "flags" / "registry.toml").write_text("")
    result = init(root)
    assert result.exit_code == 2
    assert "registry.toml: already exists" in result.output


def test_without_pyproject_writes_flagdebt_toml(tmp_path: Path) -> None:
    """A setup.py project: a new pyproject.toml would change how pip builds it, so the config
    goes to flagdebt.toml ([tool.flagdebt]'s keys at the top level), which check reads."""
    root = project(tmp_path, None)
    result = init(root, "--call", "waffle.flag_is_active:1")
    assert result.exit_code == 0, result.output
    assert "Wrote the config to " in result.output
    assert ("flagdebt.toml with presets django-waffle (not to a new pyproject.toml, which "
            "would change how pip builds the project).") in result.output
    assert not (root / "pyproject.toml").exists()
    assert (root / "flagdebt.toml").read_text(encoding="utf-8") == \
        CONFIG.removeprefix("\n[tool.flagdebt]\n")
    assert (root / "flags.toml").read_text(encoding="utf-8") == REGISTRY
    config = load_config(root / "shop")
    assert config.config_path == root / "flagdebt.toml" and config.presets == ("django-waffle",)
    assert CallPattern(("waffle", "flag_is_active"), 1) in config.calls
    again = init(root, "--preset", "openfeature")
    assert again.exit_code == 0, again.output
    assert "flagdebt.toml; " in again.output and "already exists, left as it was" in again.output
    text = (root / "flagdebt.toml").read_text(encoding="utf-8")
    assert 'presets = ["django-waffle", "openfeature"]' in text
    assert text.startswith("# Written by `flagdebt init`")


@pytest.mark.parametrize(
    ("original", "addition"),
    [
        (b'[project]\nname = "shop"', b"\n\n[tool.flagdebt]\n"),
        (b'[project]\r\nname = "shop"\r\n', b"\r\n[tool.flagdebt]\r\n"),
        (b'\xef\xbb\xbf[project]\nname = "shop"\n', b"\n[tool.flagdebt]\n"),
        (b"", b"[tool.flagdebt]\n"),
    ],
    ids=["no-final-newline", "crlf", "bom", "empty"],
)
def test_append_keeps_existing_bytes(
    tmp_path: Path, original: bytes, addition: bytes
) -> None:
    root = project(tmp_path, original)
    assert init(root).exit_code == 0
    written = (root / "pyproject.toml").read_bytes()
    assert written.startswith(original + addition)
    load_config(root)


def test_inline_tool_table_is_not_touched(tmp_path: Path) -> None:
    text = "tool = { black = { line-length = 99 } }\n" + PYPROJECT
    root = project(tmp_path, text)
    result = init(root)
    assert result.exit_code == 0, result.output
    assert "could not add [tool.flagdebt] to it safely" in result.output
    assert (root / "pyproject.toml").read_text() == text


def test_invalid_pyproject_stops_before_writing(tmp_path: Path) -> None:
    root = project(tmp_path, "[project\n")
    result = init(root)
    assert result.exit_code == 2
    assert "pyproject.toml:1: invalid TOML" in result.output
    assert not (root / "flags.toml").exists()


def test_empty_project_gets_an_example(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    result = init(tmp_path)
    assert result.exit_code == 0, result.output
    assert "with 0 flags found in the code." in result.output
    assert (
        "# No flag reads were found. Register each flag like this:"
        in (tmp_path / "flags.toml").read_text()
    )
    assert load_registry(tmp_path / "flags.toml").flags == {}


def test_unparsable_file_is_reported(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "shop" / "broken.py").write_text('flag_enabled("x"\n')
    result = init(root)
    assert result.exit_code == 0, result.output
    assert "shop/broken.py:1: could not parse file, skipped" in result.output


def test_path_must_be_a_folder(tmp_path: Path) -> None:
    result = init(tmp_path / "missing")
    assert result.exit_code == 2
    assert "missing: not a folder" in result.output


@pytest.mark.parametrize(
    "key",
    [
        "new-checkout",
        "new_checkout2",
        "checkout.v2",
        'say "hi"',
        "back\\slash",
        "tab\there",
        "del\x7f",
        "ünïcode",
        "",
    ],
    ids=[
        "bare",
        "underscore",
        "dotted",
        "quotes",
        "backslash",
        "tab",
        "del",
        "unicode",
        "empty",
    ],
)
def test_toml_key_round_trips(key: str) -> None:
    assert tomllib.loads(f"[flags.{toml_key(key)}]\n") == {"flags": {key: {}}}
