"""`remove` and `fix` find every read or change nothing: blocking sites, --partial, no read found."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_tree

REGISTRY = """\
[flags.one-click]
type = "release"
created = 2026-06-01
rolled_out = 2026-09-01

[flags.dark-mode]
type = "release"
created = 2026-06-01
rolled_back = 2026-09-01
"""

FEATURES = 'class Feature:\n    ONE_CLICK = "one-click"\n    DARK_MODE = "dark-mode"\n'

VIEWS = """\
from app.flags import flag_enabled


def checkout(cart):
    from app.features import Feature
    if flag_enabled(Feature.ONE_CLICK):
        return cart.one_click()
    return cart.classic()


def theme(user):
    if flag_enabled("dark-mode"):
        return "dark"
    return "light"
"""

TESTS = """\
from app.flags import flag_enabled


def test_one_click():
    assert flag_enabled("one-click")
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_tree(tmp_path, {
        "pyproject.toml": "[tool.flagdebt]\n", "flags.toml": REGISTRY,
        "app/__init__.py": "", "app/flags.py": "def flag_enabled(key):\n    return True\n",
        "app/features.py": FEATURES, "app/views.py": VIEWS, "tests/test_views.py": TESTS,
    })


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


BLOCKERS = {
    "unparsable-file": ("app/broken.py", 'def f(:\n    return flag_enabled("one-click")\n',
                        "app/broken.py:2:26: cannot remove 'one-click': not rewritten: cannot parse"),
    "unparsable-constants-module": ("app/keys.py", 'ONE = "one-click"\nTWO = (\n',
                                    "app/keys.py:1:8: cannot remove 'one-click': not rewritten"),
    "dynamic-read-of-the-constant": (
        "app/menu.py",
        "from app.features import Feature\nfrom app.flags import flag_enabled\n\n\n"
        "def menu(beta):\n    return flag_enabled(Feature.ONE_CLICK if beta else Feature.DARK_MODE)\n",
        "app/menu.py:6:12: cannot remove 'one-click': a read whose key is computed at run time"),
    "dynamic-read-by-name": (
        "app/lookup.py",
        "from app.flags import flag_enabled\n\n\ndef on(flags):\n    return flag_enabled(flags['one-click'])\n",
        "app/lookup.py:5:12: cannot remove 'one-click': a read whose key is computed"),
    "override-with-runtime-value": (
        "tests/test_checkout.py",
        "from waffle.testutils import override_flag\n\n\n@override_flag('one-click', active=ON)\n"
        "def test_checkout():\n    pass\n",
        "tests/test_checkout.py:4:2: cannot remove 'one-click': an override whose `active`"),
}


@pytest.mark.parametrize(("path", "text", "message"), BLOCKERS.values(), ids=BLOCKERS.keys())
def test_a_blocking_read_writes_nothing_and_exits_one(run, project: Path, path: str, text: str,
                                                      message: str) -> None:
    write_tree(project, {path: text})
    before = snapshot(project)
    result = run(project, "remove", "one-click")
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Nothing written for 'one-click'" in result.output
    assert "--partial" in result.output
    assert snapshot(project) == before


def test_a_decorator_read_when_off_blocks(run, project: Path) -> None:
    write_tree(project, {"app/admin.py": "from app.flags import flag_enabled\n\n\n"
                                         "@flag_enabled('dark-mode')\ndef panel(request):\n"
                                         "    return 1\n"})
    before = snapshot(project)
    result = run(project, "remove", "dark-mode")
    assert result.exit_code == 1
    assert "app/admin.py:4:2: cannot remove 'dark-mode': a decorator that gates on a flag" \
        in result.output
    assert snapshot(project) == before


def test_diff_of_a_blocked_flag_prints_no_diff(run, project: Path) -> None:
    write_tree(project, {"app/broken.py": 'flag_enabled("one-click"\n'})
    result = run(project, "remove", "one-click", "--diff")
    assert result.exit_code == 1
    assert "+++" not in result.output and "app/broken.py:1:" in result.output


def test_partial_rewrites_what_it_can_but_not_the_tests(run, project: Path) -> None:
    write_tree(project, {"app/broken.py": 'def f(:\n    return flag_enabled("one-click")\n'})
    result = run(project, "remove", "one-click", "--partial")
    assert result.exit_code == 1
    assert "def checkout(cart):\n    return cart.one_click()\n" in (project / "app/views.py").read_text()
    assert (project / "tests/test_views.py").read_text() == TESTS
    assert "Test files still read 'one-click'" in result.output


def test_partial_with_a_blocked_test_still_rewrites_the_code_and_other_tests(run, project: Path) -> None:
    blocked = ("from app.flags import flag_enabled\n\n\n"
               "def test_beta(flags):\n    assert flag_enabled(flags['one-click'])\n")
    write_tree(project, {"tests/test_beta.py": blocked})
    result = run(project, "remove", "one-click", "--partial")
    assert result.exit_code == 1
    assert "tests/test_beta.py:5:12: cannot remove 'one-click'" in result.output
    assert "return cart.one_click()" in (project / "app/views.py").read_text()
    assert "flag_enabled" not in (project / "tests/test_views.py").read_text()
    assert (project / "tests/test_beta.py").read_text() == blocked


def test_without_blockers_everything_goes_including_the_tests(run, project: Path) -> None:
    result = run(project, "remove", "one-click")
    assert result.exit_code == 0, result.output
    assert "def checkout(cart):\n    return cart.one_click()\n" in (project / "app/views.py").read_text()
    assert "flag_enabled" not in (project / "tests/test_views.py").read_text()
    # The class attribute that held the key goes too, once nothing reads it.
    assert (project / "app/features.py").read_text() == 'class Feature:\n    DARK_MODE = "dark-mode"\n'
    assert "of 'one-click' in 3 files." in result.output


def test_fix_leaves_a_blocked_flag_whole_and_removes_the_others(run, project: Path) -> None:
    write_tree(project, {"app/broken.py": 'def f(:\n    return flag_enabled("one-click")\n'})
    result = run(project, "fix")
    assert result.exit_code == 1
    views = (project / "app/views.py").read_text()
    assert "flag_enabled(Feature.ONE_CLICK)" in views
    assert 'def theme(user):\n    return "light"\n' in views
    assert (project / "tests/test_views.py").read_text() == TESTS
    # The removed flag's own definition goes with it; the blocked flag's stays.
    assert (project / "app/features.py").read_text() == 'class Feature:\n    ONE_CLICK = "one-click"\n'
    assert "Removed 1 call site of 'dark-mode' in 2 files." in result.output


def test_no_read_found_exits_one_and_suggests_near_keys(run, project: Path) -> None:
    before = snapshot(project)
    result = run(project, "remove", "one-clik", "--value", "on")
    assert result.exit_code == 1
    assert "no read of 'one-clik' found in the project (did you mean 'one-click'" in result.output
    assert "0 call sites" not in result.output
    assert snapshot(project) == before


def test_no_read_found_suggests_spellings_seen_in_code(run, project: Path) -> None:
    result = run(project, "remove", "Feature.ONE_CLIK", "--value", "on")
    assert result.exit_code == 1
    assert "did you mean 'Feature.ONE_CLICK'" in result.output


def test_no_read_found_in_the_given_paths(run, project: Path) -> None:
    result = run(project, "remove", "dark-mode", "tests")
    assert result.exit_code == 1
    assert "no read of 'dark-mode' found in tests" in result.output


@pytest.mark.parametrize("registry", [True, False], ids=["registry", "no-registry"])
def test_key_given_as_a_code_spelling(run, project: Path, registry: bool) -> None:
    if not registry:
        (project / "flags.toml").unlink()
    args = ("remove", "Feature.ONE_CLICK") if registry else ("remove", "Feature.ONE_CLICK", "--value", "on")
    result = run(project, *args)
    assert result.exit_code == 0, result.output
    assert "def checkout(cart):\n    return cart.one_click()\n" in (project / "app/views.py").read_text()
    if registry:  # the spelling names the registry flag: every read of it goes
        assert "flag_enabled" not in (project / "tests/test_views.py").read_text()


def test_function_local_and_relative_imports_resolve_in_remove(run, project: Path) -> None:
    write_tree(project, {"app/sub/__init__.py": "", "app/sub/pages.py": (
        "from ..flags import flag_enabled\n\n\ndef page():\n"
        "    import app.features as f\n    return 'new' if flag_enabled(f.Feature.ONE_CLICK) else 'old'\n")})
    result = run(project, "remove", "one-click")
    assert result.exit_code == 0, result.output
    assert "def page():\n    return 'new'\n" in (project / "app/sub/pages.py").read_text()


def test_check_resolves_a_function_local_import(run, project: Path) -> None:
    result = run(project, "check", "--today", "2026-11-27", "--format", "json")
    assert "FD006" not in result.output


def test_archive_of_a_flag_whose_code_is_gone_archives_it(run, project: Path) -> None:
    (project / "app/views.py").write_text("def theme(user):\n    return 'light'\n")
    result = run(project, "remove", "dark-mode", "--archive", "--today", "2026-11-27")
    assert result.exit_code == 0, result.output
    assert "No read of 'dark-mode' left in the project." in result.output
    assert "archived = 2026-11-27" in (project / "flags.toml").read_text()


def test_a_read_of_an_unknown_name_like_the_flag_blocks(run, project: Path) -> None:
    write_tree(project, {"app/vendor.py": "from vendor.toggles import Toggle\nfrom app.flags import flag_enabled\n\n\n"
                                          "def vend():\n    return flag_enabled(Toggle.ONE_CLICK)\n"})
    before = snapshot(project)
    result = run(project, "remove", "one-click")
    assert result.exit_code == 1
    assert ("app/vendor.py:6:12: cannot remove 'one-click': a read of 'Toggle.ONE_CLICK', whose value "
            "flagdebt cannot find, named like this flag") in result.output
    assert snapshot(project) == before
    (project / "flags.toml").write_text(REGISTRY.replace(
        'rolled_out = 2026-09-01\n', 'rolled_out = 2026-09-01\naliases = ["Toggle.ONE_CLICK"]\n', 1))
    assert run(project, "remove", "one-click").exit_code == 0
    assert "return True" in (project / "app/vendor.py").read_text()


def test_star_imports_resolve_in_remove(run, project: Path) -> None:
    write_tree(project, {"app/again.py": "from app.features import *\nfrom app.flags import flag_enabled\n\n\n"
                                         "def again():\n    return flag_enabled(Feature.ONE_CLICK)\n"})
    result = run(project, "remove", "one-click")
    assert result.exit_code == 0, result.output
    assert "return True" in (project / "app/again.py").read_text()


@pytest.mark.parametrize(("path", "is_test"), [
    ("tests/test_views.py", True), ("app/tests/helpers.py", True), ("test/unit/a.py", True),
    ("app/test_models.py", True), ("app/models_test.py", True), ("app/views_tests.py", True),
    ("app/tests.py", True), ("conftest.py", True), ("app/sub/conftest.py", True),
    ("app/views.py", False), ("app/testing.py", False), ("app/contest.py", False),
    ("latest/views.py", False), ("app/attest_x.py", False),
])
def test_test_files_are_told_by_their_path(path: str, is_test: bool) -> None:
    from flagdebt.removal import is_test_path

    assert is_test_path(path) is is_test


def test_fix_partial_rewrites_the_blocked_flag_where_it_can(run, project: Path) -> None:
    write_tree(project, {"app/broken.py": 'def f(:\n    return flag_enabled("one-click")\n'})
    result = run(project, "fix", "--partial")
    assert result.exit_code == 1
    views = (project / "app/views.py").read_text()
    assert "flag_enabled" not in views
    assert (project / "tests/test_views.py").read_text() == TESTS
