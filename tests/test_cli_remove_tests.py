"""`flagdebt remove` on tests that pin the flag: the summary, and imports that tests patch."""

from __future__ import annotations

from pathlib import Path

from conftest import write_tree

CONFIG = '[tool.flagdebt]\ncalls = ["waffle.switch_is_active"]\n'
TASKS = """\
import waffle


def sync():
    if waffle.switch_is_active("fast-sync"):
        return "fast"
    return "slow"
"""
UNRELATED_PATCH = """\
from unittest.mock import patch

from app.tasks import sync


@patch("app.tasks.waffle.switch_is_active", return_value=True)
def test_sync_returns_something(switch):
    assert sync()
"""
PINNING_PATCHES = """\
from unittest.mock import patch

from app.tasks import sync


@patch("app.tasks.waffle.switch_is_active", return_value=True)
def test_fast_sync(switch):
    assert sync() == "fast"


@patch("app.tasks.waffle.switch_is_active", return_value=False)
def test_fast_sync_off(switch):
    assert sync() == "slow"
"""


def _project(tmp_path: Path, test: str) -> Path:
    return write_tree(tmp_path, {"pyproject.toml": CONFIG, "app/__init__.py": "",
                                 "app/tasks.py": TASKS, "tests/test_tasks.py": test})


def test_a_patch_the_module_no_longer_needs_goes_with_the_import(run, tmp_path: Path) -> None:
    project = _project(tmp_path, UNRELATED_PATCH)
    result = run(project, "remove", "fast-sync", "--value", "on")
    assert result.exit_code == 0, result.output
    assert (project / "app" / "tasks.py").read_text() == 'def sync():\n    return "fast"\n'
    assert (project / "tests" / "test_tasks.py").read_text() == (
        "from app.tasks import sync\n\n\ndef test_sync_returns_something():\n    assert sync()\n")


def test_import_patched_through_the_module_is_kept(run, tmp_path: Path) -> None:
    test = UNRELATED_PATCH.replace("return_value=True", "side_effect=fake_switch")
    project = _project(tmp_path, test)
    result = run(project, "remove", "fast-sync", "--value", "on")
    assert result.exit_code == 1, result.output
    assert (project / "app" / "tasks.py").read_text() == \
        'import waffle\n\n\ndef sync():\n    return "fast"\n'
    assert (project / "tests" / "test_tasks.py").read_text() == test


def test_import_goes_with_the_last_patch_and_deleted_tests_are_listed(run, tmp_path: Path) -> None:
    project = _project(tmp_path, PINNING_PATCHES)
    result = run(project, "remove", "fast-sync", "--value", "on")
    assert result.exit_code == 0, result.output
    assert (project / "app" / "tasks.py").read_text() == 'def sync():\n    return "fast"\n'
    assert (project / "tests" / "test_tasks.py").read_text() == (
        "from app.tasks import sync\n\n\ndef test_fast_sync():\n    assert sync() == \"fast\"\n")
    assert "tests/test_tasks.py::test_fast_sync_off: test deleted" in result.output


def test_undecided_tests_are_listed_and_left_alone(run, tmp_path: Path) -> None:
    test = PINNING_PATCHES.replace('"fast"\n', '"fast"\n    switch.assert_called()\n', 1)
    project = _project(tmp_path, test)
    result = run(project, "remove", "fast-sync", "--value", "on", "--diff")
    assert result.exit_code == 1
    assert ("tests/test_tasks.py:7:1: test left as it is: test_fast_sync: the test uses the mock "
            "of 'switch_is_active' (switch)") in result.output
    assert "tests/test_tasks.py::test_fast_sync_off: test deleted" in result.output


def test_fixtures_are_configurable(run, tmp_path: Path) -> None:
    config = CONFIG + 'fixtures = ["SwitchFactory:name"]\n'
    test = ('from app.tasks import sync\nfrom tests.factories import SwitchFactory\n\n\n'
            'def test_fast_sync():\n    SwitchFactory(name="fast-sync", active=True)\n'
            '    assert sync() == "fast"\n')
    project = write_tree(tmp_path, {"pyproject.toml": config, "app/__init__.py": "",
                                    "app/tasks.py": TASKS, "tests/test_tasks.py": test})
    assert run(project, "remove", "fast-sync", "--value", "on").exit_code == 0
    assert (project / "tests" / "test_tasks.py").read_text() == (
        'from app.tasks import sync\n\n\ndef test_fast_sync():\n    assert sync() == "fast"\n')


SPENT_PATCHES = """\
from unittest.mock import patch

from app.tasks import sync


@patch("app.tasks.log")
@patch("app.tasks.waffle.switch_is_active", return_value=True)
def test_sync_result(switch, log):
    assert sync() == "fast"


@patch("app.tasks.waffle.switch_is_active", return_value=False)
def test_sync_slow_path(switch):
    assert sync() == "slow"


@patch("app.tasks.waffle.switch_is_active")
def test_sync_by_hand(switch):
    switch.return_value = False
    assert sync() == "slow"
"""


def test_patches_of_a_function_the_module_no_longer_reads_pin_the_removed_flag(
        run, tmp_path: Path) -> None:
    project = _project(tmp_path, SPENT_PATCHES)
    result = run(project, "remove", "fast-sync", "--value", "on")
    assert result.exit_code == 1, result.output
    assert (project / "tests" / "test_tasks.py").read_text() == SPENT_PATCHES.replace(
        '@patch("app.tasks.waffle.switch_is_active", return_value=True)\n'
        "def test_sync_result(switch, log):", "def test_sync_result(log):").replace(
        '@patch("app.tasks.waffle.switch_is_active", return_value=False)\n'
        'def test_sync_slow_path(switch):\n    assert sync() == "slow"\n\n\n', "")
    assert "tests/test_tasks.py::test_sync_slow_path: test deleted" in result.output
    assert "test_sync_by_hand: a mock of 'app.tasks.waffle.switch_is_active'" in result.output
    assert (project / "app" / "tasks.py").read_text().startswith("import waffle\n")


def test_a_test_that_reaches_a_folded_wrapper_by_name_is_listed(run, tmp_path: Path) -> None:
    """A property that only returned the flag now returns a constant: a test that reaches it
    through `getattr` with its name, under states flagdebt cannot read, may break."""
    features = ('import waffle\n\n\nclass Features:\n    @property\n'
                '    def fast_sync_enabled(self):\n        return waffle.switch_is_active("fast-sync")\n')
    tasks = ('from app.features import Features\n\n\ndef sync():\n'
             '    return "fast" if Features().fast_sync_enabled else "slow"\n')
    test = ('from app.features import Features\n\n\ndef check_toggle(name, expected):\n'
            '    assert getattr(Features(), name) is expected\n\n\n'
            'def test_fast_sync_toggle():\n    check_toggle("fast_sync_enabled", False)\n\n\n'
            'def test_unrelated():\n    assert Features() is not None\n')
    project = write_tree(tmp_path, {"pyproject.toml": CONFIG, "app/__init__.py": "",
                                    "app/features.py": features, "app/tasks.py": tasks,
                                    "tests/test_features.py": test})
    result = run(project, "remove", "fast-sync", "--value", "on")
    assert result.exit_code == 1, result.output  # as for every test left as it is
    assert ("tests/test_features.py:8:1: test left as it is: test_fast_sync_toggle: it uses "
            "'fast_sync_enabled', which now always returns True, in a way flagdebt cannot "
            "follow: check it by hand") in result.output
    assert "test_unrelated" not in result.output
    assert (project / "tests" / "test_features.py").read_text() == test
    assert (project / "app" / "features.py").read_text() == \
        'class Features:\n    @property\n    def fast_sync_enabled(self):\n        return True\n'


def test_setting_a_folded_wrapper_attribute(run, tmp_path: Path) -> None:
    """`block.fast_sync_enabled = True` is what the wrapper now returns: the line goes. Set
    to False, the test is listed; an attribute that only shares a generic wrapper's name,
    in a test that names no removed flag, is nobody's business."""
    features = ('from functools import cached_property\n\nimport waffle\n\n\nclass Features:\n'
                '    @cached_property\n    def fast_sync_enabled(self):\n'
                '        return waffle.switch_is_active("fast-sync")\n\n'
                '    @cached_property\n    def enabled(self):\n'
                '        return waffle.switch_is_active("fast-sync")\n')
    test = ('from app.features import Features\n\n\n'
            'def test_live():\n    block = Features()\n    block.fast_sync_enabled = True\n'
            '    assert block.fast_sync_enabled\n\n\n'
            'def test_dead():\n    block = Features()\n    block.fast_sync_enabled = False\n'
            '    assert not block.fast_sync_enabled\n\n\n'
            'def test_other_object(settings):\n    settings.enabled = True\n'
            '    assert settings.enabled\n')
    project = write_tree(tmp_path, {"pyproject.toml": CONFIG, "app/__init__.py": "",
                                    "app/features.py": features, "tests/test_features.py": test})
    result = run(project, "remove", "fast-sync", "--value", "on")
    assert result.exit_code == 1, result.output
    assert ("tests/test_features.py:10:1: test left as it is: test_dead: it sets "
            "'fast_sync_enabled' to False, the removed flag's dead value: check it by hand"
            ) in result.output
    assert "test_live" not in result.output and "test_other_object" not in result.output
    assert (project / "tests" / "test_features.py").read_text() == test.replace(
        "    block.fast_sync_enabled = True\n", "", 1)
