"""Shared test helpers: run the CLI in a folder, write small projects."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from flagdebt import quickcheck
from flagdebt.cli import cli

ROOT = Path(__file__).parent.parent
FIXTURES = ROOT / "fixtures"
UPDATE_GOLDEN = os.environ.get("FLAGDEBT_UPDATE_GOLDEN") == "1"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch):
    """Run `flagdebt ARGS` with the given working directory; returns click's Result."""

    def invoke(cwd: Path, *args: str) -> Result:
        monkeypatch.chdir(cwd)
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
        params = quickcheck.parse(args)
        if params is not None:  # the program runs this command line without click
            assert quick_check(params) == (result.exit_code, result.stdout, result.stderr), args
        return result

    return invoke


def quick_check(params: dict[str, object]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `check` run as `flagdebt.quickcheck` runs it."""
    with CliRunner().isolation() as (stdout, stderr, _):
        code = quickcheck.run(params)
        return code, stdout.getvalue().decode(), stderr.getvalue().decode()


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (relative path -> text) below root and return root."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def check_golden(path: Path, text: str) -> None:
    """Compare with a golden file; FLAGDEBT_UPDATE_GOLDEN=1 rewrites it."""
    if UPDATE_GOLDEN:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Path]:
    """A copy of examples/shop that a test may rewrite."""
    import shutil

    target = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", target)
    yield target
