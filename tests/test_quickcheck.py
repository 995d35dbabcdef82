"""`flagdebt.quickcheck`: pre-commit's `flagdebt check FILE…` without click, same results.

Every `check` run through the `run` fixture (conftest) is also run the quick way and must
give the same exit code, stdout and stderr; here the parse itself is compared with click's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flagdebt import quickcheck
from flagdebt.cli import cli

CHECK = cli.commands["check"]
TOKENS = [
    *quickcheck.OPTIONS, "-h", "--help", "--version", "--", "-", "", "--unknown", "-x", "--no-such",
    "--format=json", "--format=JSON", "--today=2026-01-02", "--today=", "--exit-zero=1",
    "--select=FD001", "--call=a:b=1", "--output=-", "--no-cache=",
    "json", "text", "sarif", "JSON", "2026-11-27", "2026-13-01", "20261127", "2026-W01",
    "FD001", "fd00", "FD9", "FD999", "FD001,FD002", "FD", "E501", "flag_enabled", "a:1",
    "app.py", "src", "-app.py", "a=b", "check", "report.json", "flags.toml", " ", "é.py",
]


def click_params(argv: list[str]) -> dict[str, object]:
    """The parameters click passes to `check` for `flagdebt ARGV` (ARGV starts with check)."""
    parent = click.Context(cli, info_name="flagdebt", **cli.context_settings)
    with CHECK.make_context("check", argv[1:], parent=parent) as context:
        return dict(context.params)


def test_the_options_are_exactly_checks() -> None:
    """A new option of `check` must be added to quickcheck.OPTIONS (or declined there)."""
    kinds = {}
    for param in CHECK.params:
        if isinstance(param, click.Option) and param.name != "_click_default_help":
            assert len(param.opts) == 1 and not param.secondary_opts, param.opts
            kind = "flag" if param.is_flag else "many" if param.multiple else \
                "day" if param.type.name == "YYYY-MM-DD" else \
                "format" if isinstance(param.type, click.Choice) else "path"
            kinds[param.opts[0]] = (param.name, kind)
            assert param.envvar is None
    assert kinds == quickcheck.OPTIONS
    arguments = [param.name for param in CHECK.params if isinstance(param, click.Argument)]
    assert arguments == ["paths"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=7), st.booleans())
def test_an_accepted_command_line_parses_as_click_parses_it(tokens: list[str], first: bool) -> None:
    argv = ["check", *tokens] if first else tokens
    params = quickcheck.parse(argv)
    if params is None:
        return
    assert argv[0] == "check"
    assert params == click_params(argv)


@pytest.mark.parametrize("argv, expected", [
    (["check", "a.py", "b.py"], {"paths": (Path("a.py"), Path("b.py"))}),
    (["check", "--today", "2026-11-27", "a.py"], {"today": date(2026, 11, 27)}),
    (["check", "--select", "FD001", "--select=fd002,FD003"], {"select": ("FD001", "fd002,FD003")}),
    (["check", "--", "-odd.py", "--help"], {"paths": (Path("-odd.py"), Path("--help"))}),
    (["check", "--format=json", "--exit-zero"], {"fmt": "json", "exit_zero": True}),
])
def test_plain_command_lines_are_taken(argv: list[str], expected: dict[str, object]) -> None:
    params = quickcheck.parse(argv)
    assert params is not None
    assert {name: params[name] for name in expected} == expected
    assert params == click_params(argv)


@pytest.mark.parametrize("argv", [
    [], ["remove", "x"], ["--version"], ["check", "--help"], ["check", "-h"], ["check", "-x"],
    ["check", "--today", "2026-02-30"], ["check", "--today"], ["check", "--format", "yaml"],
    ["check", "--output", "-"], ["check", ""], ["check", "--exit-zero=yes"],
    ["check", "--select", "FD1234"], ["check", "--ignore", "E501"],
    ["check", "--baseline", "b.json", "--write-baseline", "c.json"],
])
def test_anything_else_is_left_to_click(argv: list[str]) -> None:
    assert quickcheck.parse(argv) is None


def test_the_program_checks_files_without_importing_click(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flagdebt]\n")
    (tmp_path / "flags.toml").write_text('[flags.old]\ntype = "release"\nowner = "a"\n'
                                         'created = 2026-01-01\nremove_by = 2026-02-01\n')
    (tmp_path / "app.py").write_text('if flag_enabled("old"):\n    pass\n')
    program = [sys.executable, "-X", "importtime", "-m", "flagdebt"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    quick = subprocess.run([*program, "check", "app.py", "--today", "2026-11-27"],
                           cwd=tmp_path, capture_output=True, text=True, env=env)
    assert quick.returncode == 1
    assert "app.py:1:4: FD001" in quick.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in quick.stderr.splitlines()}
    assert "flagdebt.check" in imported and "click" not in imported
    helped = subprocess.run([*program, "check", "app.py", "--help"],
                            cwd=tmp_path, capture_output=True, text=True, env=env)
    assert helped.returncode == 0 and "Usage: flagdebt check" in helped.stdout
    assert "click" in {line.rsplit("|", 1)[-1].strip() for line in helped.stderr.splitlines()}


def test_ctrl_c_while_the_modules_load_is_one_line_and_130(tmp_path: Path) -> None:
    interrupted = (
        "import sys, flagdebt.quickcheck as quick\n"
        "def parse(argv):\n    raise KeyboardInterrupt\n"
        "quick.parse = parse\n"
        "sys.argv = ['flagdebt', 'check', 'app.py']\n"
        "from flagdebt.entry import run\nrun()\n"
    )
    done = subprocess.run([sys.executable, "-c", interrupted], cwd=tmp_path,
                          capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "Aborted.\n")
