"""Parsing with the project's target Python: `target-version`, `requires-python`, libcst fallback."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from flagdebt import astscan
from flagdebt.config import load_config
from flagdebt.grammar import cst_config, from_requires_python, parse_target
from flagdebt.model import CallPattern, FlagdebtError
from flagdebt.project import ProjectIndex
from flagdebt.scanner import scan_paths
from flagdebt.sites import call_sites

from conftest import write_tree

PATTERNS = (CallPattern(("flag_enabled",)),)
NEWER = textwrap.dedent("""\
    from app.flags import flag_enabled

    type Handler = Callable[[int], str]


    def first[T](items: list[T]) -> T | None:
        if flag_enabled("generic-first"):
            return items[0] if items else None
        return None


    class Box[T]:
        compact = flag_enabled("compact-box")
    """)
OLD_PYTHON = sys.version_info < (3, 12)


@pytest.mark.parametrize(("text", "expected"), [
    ("py310", (3, 10)), ("py312", (3, 12)), ("py39", (3, 9)), (" py314 ", (3, 14)),
    ("3.12", None), ("py2", None), ("python312", None), ("py3", None),
])
def test_parse_target(text: str, expected) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize(("spec", "expected"), [
    (">=3.10", (3, 10)), (">=3.8,<4", (3, 8)), ("~=3.11", (3, 11)), ("==3.12.*", (3, 12)),
    (">3.10", (3, 11)), ("<4,>=3.9", (3, 9)), (">=3.9, !=3.10.1", (3, 9)), ("*", None),
])
def test_target_from_requires_python(spec: str, expected) -> None:
    assert from_requires_python(spec) == expected


def test_cst_config_clamps_to_what_libcst_knows() -> None:
    assert cst_config((3, 12)).python_version == "3.12"
    assert cst_config((3, 99)).python_version.startswith("3.")
    assert cst_config(None).python_version >= "3.12"


def config_of(tmp_path: Path, text: str):
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_config(tmp_path)


def test_config_target_version(tmp_path: Path) -> None:
    assert config_of(tmp_path, '[tool.flagdebt]\ntarget-version = "py312"\n').target_version == (3, 12)


def test_config_target_defaults_to_requires_python(tmp_path: Path) -> None:
    text = '[project]\nname = "x"\nrequires-python = ">=3.11"\n[tool.flagdebt]\n'
    assert config_of(tmp_path, text).target_version == (3, 11)
    both = text + 'target-version = "py313"\n'
    assert config_of(tmp_path, both).target_version == (3, 13)
    assert config_of(tmp_path, "[tool.flagdebt]\n").target_version is None  # the newest grammar


@pytest.mark.parametrize("value", ['"3.12"', '"py2"', "312"])
def test_config_rejects_a_bad_target_version(tmp_path: Path, value: str) -> None:
    with pytest.raises(FlagdebtError) as error:
        config_of(tmp_path, f"[tool.flagdebt]\ntarget-version = {value}\n")
    assert "'target-version': expected 'py3X' like 'py310' or 'py312'" in str(error.value)
    assert "pyproject.toml:2" in str(error.value)


@pytest.mark.parametrize("target", [None, (3, 12)], ids=["newest", "py312"])
def test_newer_syntax_is_scanned_with_libcst(target) -> None:
    scan = astscan.scan_source(NEWER, "m.py", PATTERNS, target=target)
    assert scan.error is None
    assert [(s.line, s.key) for s in call_sites(scan, lambda q: None)] == [
        (7, "generic-first"), (13, "compact-box")]


@pytest.mark.skipif(not OLD_PYTHON, reason="the running Python parses 3.12 syntax itself")
def test_newer_syntax_than_the_target_is_a_parse_error() -> None:
    # The running Python's own version as the target: no libcst fallback, whose parser does
    # not hold `type X = ...` to the version it is given.
    scan = astscan.scan_source(NEWER, "m.py", PATTERNS, target=sys.version_info[:2])
    assert scan.error is not None and scan.error.code == "FD900"


def test_a_broken_file_is_still_a_parse_error() -> None:
    scan = astscan.scan_source("def f(:\n    flag_enabled('x')\n", "m.py", PATTERNS)
    assert scan.error is not None and scan.error.code == "FD900"


def test_a_constant_in_a_newer_module_resolves(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "app/__init__.py": "",
        "app/keys.py": 'type Key = str\nFAST: Key = "fast-lane"\n',
        "app/views.py": "from app.keys import FAST\nflag_enabled(FAST)\n",
    })
    views = tmp_path / "app" / "views.py"
    result = scan_paths([views], ["views.py"], PATTERNS, ProjectIndex([tmp_path]), jobs=1)
    assert [(s.key, s.spelling) for s in result.sites] == [("fast-lane", "FAST")]


CHECK_PROJECT = {
    "flags.toml": '[flags.generic-first]\ntype = "release"\nowner = "web"\ncreated = 2026-06-01\n'
                  '[flags.compact-box]\ntype = "release"\nowner = "web"\ncreated = 2026-06-01\n',
    "app/__init__.py": "", "app/generic.py": NEWER,
}


@pytest.mark.parametrize("pyproject", [
    '[tool.flagdebt]\ntarget-version = "py312"\n',
    '[project]\nname = "x"\nrequires-python = ">=3.12"\n[tool.flagdebt]\n',
    "[tool.flagdebt]\n",
], ids=["target-version", "requires-python", "newest"])
def test_check_accepts_a_codebase_on_a_newer_python(run, tmp_path: Path, pyproject: str) -> None:
    write_tree(tmp_path, {**CHECK_PROJECT, "pyproject.toml": pyproject})
    result = run(tmp_path, "check", "--today", "2026-07-01")
    assert "FD900" not in result.output
    assert "2 call sites" in result.output and result.exit_code == 0, result.output


@pytest.mark.skipif(not OLD_PYTHON, reason="the running Python parses 3.12 syntax itself")
def test_check_reports_syntax_newer_than_requires_python(run, tmp_path: Path) -> None:
    pyproject = '[project]\nname = "x"\nrequires-python = ">=3.10"\n[tool.flagdebt]\n'
    write_tree(tmp_path, {**CHECK_PROJECT, "pyproject.toml": pyproject})
    result = run(tmp_path, "check", "--today", "2026-07-01")
    assert "app/generic.py:3:" in result.output and "FD900" in result.output


def test_remove_in_a_newer_file(run, tmp_path: Path) -> None:
    write_tree(tmp_path, {**CHECK_PROJECT, "pyproject.toml": '[tool.flagdebt]\ntarget-version = "py312"\n'})
    before = (tmp_path / "app" / "generic.py").read_bytes()
    result = run(tmp_path, "remove", "generic-first", "--value", "on")
    if OLD_PYTHON:  # the codemod needs the running Python to parse the file: it says so
        assert result.exit_code == 1
        assert "app/generic.py:7:" in result.output and "(line 6)" in result.output
        assert "cannot parse: run flagdebt under the project's Python" in result.output
        assert (tmp_path / "app" / "generic.py").read_bytes() == before
    else:
        assert result.exit_code == 0, result.output
        assert "return items[0] if items else None" in (tmp_path / "app" / "generic.py").read_text()


MIXED = textwrap.dedent("""\
    from app.flags import flag_enabled
    from app.types import Callable, Payload

    type Handler = Callable[[Payload], str]


    def first[T](items: list[T]) -> T | None:  # generic, untouched
        return items[0] if items else None


    def send(payload):
        if flag_enabled("fast-send"):
            return "fast"
        return Payload(payload)
    """)


def test_remove_rewrites_the_rest_of_a_newer_file(run, tmp_path: Path) -> None:
    """Statements only a newer Python parses stay byte for byte, and what they use stays."""
    write_tree(tmp_path, {"app/__init__.py": "", "app/mixed.py": MIXED,
                          "pyproject.toml": '[tool.flagdebt]\ntarget-version = "py312"\n'})
    result = run(tmp_path, "remove", "fast-send", "--value", "on")
    assert result.exit_code == 0, result.output
    after = (tmp_path / "app" / "mixed.py").read_text()
    assert after == MIXED.replace("from app.flags import flag_enabled\n", "").replace(
        '    if flag_enabled("fast-send"):\n        return "fast"\n    return Payload(payload)\n',
        '    return "fast"\n')  # Payload: still read by the type statement


@pytest.mark.skipif(not OLD_PYTHON, reason="the running Python parses 3.12 syntax itself")
def test_stand_ins_keep_lines_and_names() -> None:
    from flagdebt.grammar import parse_module, stand_ins

    masked = stand_ins(MIXED, None)
    assert masked is not None
    text, replaced = masked
    assert replaced == [range(4, 5), range(7, 9)]
    assert len(text.splitlines()) == len(MIXED.splitlines())
    lines = text.splitlines()
    assert lines[3] == "(type, Handler, Callable, Payload, str,)" and lines[7] == ""
    assert lines[6].startswith("(first, T, items, list,") and lines[10:] == MIXED.splitlines()[10:]
    tree = parse_module(MIXED)
    assert [node.lineno for node in tree.body] == [1, 2, 4, 7, 11]
    with pytest.raises(SyntaxError):  # a project on 3.10 may not use 3.12 syntax
        parse_module(MIXED, (3, 10))
