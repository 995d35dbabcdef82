"""The first rewrite pass of `remove` in child processes gives exactly the sequential result."""

from __future__ import annotations

from pathlib import Path

import pytest

import flagdebt.removal
import flagdebt.workers
from conftest import write_tree

REGISTRY = """\
[flags.fast-search]
type = "release"
created = 2026-01-01
rolled_out = 2026-03-01
"""

HELPERS = """\
from app.flags import flag_enabled


def use_fast_search():
    return flag_enabled("fast-search")
"""

VIEW = """\
from app.flags import flag_enabled
from app.helpers import use_fast_search


def search_{n}(query):
    results = []
    if flag_enabled("fast-search"):
        results = ["fast", query]
    else:
        results = ["slow", query]
    limit = 10 if use_fast_search() else 5
    return results[:limit]
"""

BROKEN = "def broken(:\n    flag_enabled('fast-search')\n"

TEST = """\
from unittest import mock

from app.views_0 import search_0


@mock.patch("app.views_0.flag_enabled", return_value=False)
def test_slow(_):
    assert search_0("q")[0] == "slow"


def test_fast():
    assert search_0("q")[0] == "fast"
"""


def project(root: Path, broken: bool = False) -> Path:
    files = {"pyproject.toml": "[tool.flagdebt]\n", "flags.toml": REGISTRY,
             "app/__init__.py": "", "app/flags.py": "def flag_enabled(name):\n    return True\n",
             "app/helpers.py": HELPERS, "tests/test_views.py": TEST}
    files.update({f"app/views_{n}.py": VIEW.format(n=n) for n in range(6)})
    if broken:
        files["app/views_broken.py"] = BROKEN
    return write_tree(root, files)


@pytest.mark.parametrize("broken", [False, True], ids=["all-rewritable", "one-unparsable"])
def test_parallel_and_sequential_first_passes_agree(run, tmp_path: Path, broken: bool,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = []
    started = []
    real = flagdebt.workers.worker_processes

    def counting(*args: object, **kwargs: object) -> object:
        started.append(args[1])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(flagdebt.workers, "worker_processes", counting)
    for threshold in (1, 10**9):
        monkeypatch.setattr(flagdebt.removal, "PARALLEL_REWRITE_BYTES", threshold)
        root = project(tmp_path / str(threshold), broken)
        result = run(root, "remove", "fast-search", "--diff")
        outputs.append((result.exit_code, result.output.replace(str(root), "ROOT")))
    parallel, sequential = outputs
    assert parallel == sequential
    assert len(started) == 1 and len(started[0]) == 7 + broken  # 6 views, the helper (, broken)
    assert parallel[0] == 1  # --diff: something would change, or a blocker stands
    if broken:
        assert "app/views_broken.py" in parallel[1] and "+++ " not in parallel[1]
    else:
        assert '+    results = ["fast", query]' in parallel[1] and "+    limit = 10\n" in parallel[1]
        assert "test_slow: test deleted" in parallel[1]
