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


# ---------------------------------------------------------------- jobs claimed from a pipe


def test_claimed_runs_every_job_exactly_once_in_children_and_here() -> None:
    import os
    import time

    from flagdebt.workers import claimed, forks

    if not forks():
        pytest.skip("needs fork")
    here = os.getpid()

    def job(number: int) -> tuple[int, int]:
        time.sleep(0.002)
        return number * number, os.getpid()

    waited = []
    done = claimed(job, list(range(300)), 2, lambda: waited.append(time.sleep(0.05)))
    assert sorted(index for index, _ in done) == list(range(300))
    assert all(square == index * index for index, (square, _) in done)
    pids = {pid for _, (_, pid) in done}
    assert here in pids and len(pids) >= 2 and waited  # children and this process


def test_claimed_raises_what_a_job_raised() -> None:
    from flagdebt.workers import claimed, forks

    if not forks():
        pytest.skip("needs fork")

    def job(number: int) -> int:
        if number == 7:
            raise ValueError("job 7 failed")
        return number

    with pytest.raises(ValueError, match="job 7 failed"):
        claimed(job, list(range(20)), 1, lambda: None)


def test_the_read_phase_finds_the_same_files_claimed_or_split(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"pkg/m{n:04}.py": ("x = 'needle'\n" if n % 7 == 0 else "x = 1\n") for n in range(700)}
    files.update({f"tests/test_{n}.py": "def test_needle_word(): pass\n" for n in range(30)})
    root = write_tree(tmp_path, files)
    pairs = sorted((str(path), str(path.relative_to(root))) for path in root.rglob("*.py"))
    monkeypatch.setattr(flagdebt.removal, "POOL_THRESHOLD", 10)
    claimed_found = flagdebt.removal._read_matching(pairs, {"needle"}, test_words={"needle_word"})
    monkeypatch.setattr(flagdebt.workers, "forks", lambda: False)
    split_found = flagdebt.removal._read_matching(pairs, {"needle"}, test_words={"needle_word"})
    assert claimed_found == split_found and len(claimed_found) == 100 + 30


# ---------------------------------------------------------------- many words: shared parts first

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from flagdebt.flagcall import shared_parts  # noqa: E402

WORDS = st.lists(st.text(alphabet="ab-_.x1", min_size=1, max_size=12), min_size=1, max_size=30)


@given(WORDS)
def test_every_word_contains_one_of_its_shared_parts(words: list[str]) -> None:
    encoded = [word.encode() for word in words]
    parts = shared_parts(encoded)
    assert all(any(part in word for part in parts) for word in encoded)
    assert len(parts) <= len(set(encoded))


def test_shared_parts_of_a_registry_with_a_common_prefix() -> None:
    keys = [f"checkout.step-{n}".encode() for n in range(40)] + [b"other-flag"]
    assert set(shared_parts(keys)) == {b"checkout.step-", b"other-flag"}


@settings(max_examples=40, deadline=None)
@given(WORDS, st.lists(st.text(alphabet="ab-_.x1 \n", max_size=40), min_size=1, max_size=8))
def test_the_read_phase_finds_what_a_plain_search_finds(tmp_path_factory: pytest.TempPathFactory,
                                                        words: list[str], texts: list[str]) -> None:
    root = tmp_path_factory.mktemp("read")
    pairs = []
    for number, text in enumerate(texts):
        path = root / ("tests" if number % 2 else "app") / f"m{number}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        pairs.append((str(path), str(path.relative_to(root))))
    general, for_tests = set(words[::2]), set(words[1::2])
    found = {file.display for file in flagdebt.removal._read_matching(pairs, general,
                                                                      test_words=for_tests)}
    expected = {display for path, display in pairs
                if any(w in Path(path).read_text() for w in general)
                or (display.startswith("tests") and any(w in Path(path).read_text() for w in for_tests))}
    assert found == expected
