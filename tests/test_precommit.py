"""End to end: this repository's pre-commit hooks, installed by the real pre-commit, block a commit.

pre-commit clones a hook repository at a commit, so the working tree of this checkout (tracked
and untracked files, as on disk) is committed into a temporary repository first. One
PRE_COMMIT_HOME serves the whole module, so flagdebt is pip-installed into a hook
environment only once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TODAY = "2026-11-27"
TIMEOUT = 900

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None, reason="git is not installed"
)

PYPROJECT = """\
[project]
name = "shop"
version = "1.0"

[tool.flagdebt]
sprint-days = 14
"""

EXPIRED_REGISTRY = """\
[flags.new-checkout]
type = "release"
owner = "payments"
created = 2025-01-06
rolled_out = 2025-02-03
"""

FRESH_REGISTRY = """\
[flags.new-checkout]
type = "release"
owner = "payments"
created = 2026-11-02
"""

CHECKOUT = """\
from shop.flags import flag_enabled


def checkout(cart: list[str]) -> str:
    if flag_enabled("new-checkout"):
        return "new:" + ",".join(cart)
    return "old:" + ",".join(cart)
"""

FLAGS_MODULE = """\
def flag_enabled(name: str) -> bool:
    return False
"""


def run(
    args: list[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing stdout and stderr together as text."""
    return subprocess.run(
        args,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def git(cwd: Path, env: dict[str, str], *args: str) -> str:
    """Run git and return its output; fail the test when it fails."""
    done = run(["git", *args], cwd, env)
    assert done.returncode == 0, f"git {' '.join(args)} failed:\n{done.stdout}"
    return done.stdout.strip()


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment isolated from the caller's git and pre-commit settings."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / "gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test\n\temail = test@example.com\n"
        "[init]\n\tdefaultBranch = main\n",
        encoding="utf-8",
    )
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "PRE_COMMIT")) and key != "SKIP"
    }
    return {
        **kept,
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
        "PRE_COMMIT_COLOR": "never",
    }


@pytest.fixture(scope="module")
def hooks_rev(
    tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]
) -> tuple[Path, str]:
    """This checkout's working tree committed into a fresh repository: (its path, the sha)."""
    listed = git(
        REPO, env, "ls-files", "-z", "--cached", "--others", "--exclude-standard"
    )
    target = tmp_path_factory.mktemp("flagdebt-hooks")
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git(target, env, "init", "-q")
    git(target, env, "add", "-A")
    git(target, env, "commit", "-q", "--no-verify", "-m", "working tree under test")
    return target, git(target, env, "rev-parse", "HEAD")


def make_project(
    root: Path, registry: str, hooks: tuple[Path, str], env: dict[str, str]
) -> Path:
    """A git repository with pyproject, flags.toml, a flag read and the hooks installed."""
    repo, sha = hooks
    files = {
        "pyproject.toml": PYPROJECT,
        "flags.toml": registry,
        "shop/__init__.py": "",
        "shop/flags.py": FLAGS_MODULE,
        "shop/checkout.py": CHECKOUT,
        ".pre-commit-config.yaml": textwrap.dedent(f"""\
            repos:
              - repo: {repo.as_posix()}
                rev: {sha}
                hooks:
                  - id: flagdebt
                    args: [--today, "{TODAY}"]
                  - id: flagdebt-registry
            """),
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    git(root, env, "init", "-q")
    installed = run([sys.executable, "-m", "pre_commit", "install"], root, env)
    assert installed.returncode == 0, installed.stdout
    git(root, env, "add", "-A")
    return root


def commit(
    root: Path, env: dict[str, str], message: str
) -> subprocess.CompletedProcess[str]:
    """`git commit`, which runs the installed pre-commit hook."""
    return run(["git", "commit", "-m", message], root, env)


def has_commits(root: Path, env: dict[str, str]) -> bool:
    return (
        run(["git", "rev-parse", "--verify", "-q", "HEAD"], root, env).returncode == 0
    )


def test_expired_flag_blocks_the_commit_until_it_is_removed(
    tmp_path: Path, hooks_rev: tuple[Path, str], env: dict[str, str]
) -> None:
    project = make_project(tmp_path, EXPIRED_REGISTRY, hooks_rev, env)

    blocked = commit(project, env, "add checkout")
    assert blocked.returncode != 0, blocked.stdout
    assert "- hook id: flagdebt\n- exit code: 1" in blocked.stdout
    assert (
        "shop/checkout.py:5:8: FD001 flag 'new-checkout' expired on 2025-03-31"
        in blocked.stdout
    )
    assert not has_commits(project, env)

    removed = run(
        [sys.executable, "-m", "flagdebt", "remove", "new-checkout"], project, env
    )
    assert removed.returncode == 0, removed.stdout
    assert "flag_enabled" not in (project / "shop" / "checkout.py").read_text(
        encoding="utf-8"
    )
    git(project, env, "add", "-A")

    done = commit(project, env, "add checkout, new-checkout removed")
    assert done.returncode == 0, done.stdout
    assert has_commits(project, env)


def test_bad_registry_is_rejected_by_the_registry_hook(
    tmp_path: Path, hooks_rev: tuple[Path, str], env: dict[str, str]
) -> None:
    project = make_project(tmp_path, FRESH_REGISTRY, hooks_rev, env)
    first = commit(project, env, "add checkout")
    assert first.returncode == 0, first.stdout

    registry = project / "flags.toml"
    registry.write_text(
        FRESH_REGISTRY.replace("2026-11-02", '"last week"'), encoding="utf-8"
    )
    git(project, env, "add", "flags.toml")
    rejected = commit(project, env, "break the registry")

    assert rejected.returncode != 0, rejected.stdout
    assert "- hook id: flagdebt-registry\n- exit code: 2" in rejected.stdout
    assert (
        "flags.toml:4: flag 'new-checkout': 'created' must be a date like 2026-09-01, "
        'got string "last week"'
    ) in rejected.stdout
    assert git(project, env, "rev-list", "--count", "HEAD") == "1"
