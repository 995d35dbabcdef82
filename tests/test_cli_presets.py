"""Presets and flag objects end to end: `--preset`, `objects = [...]`, removal of a flag object."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_tree

REGISTRY = """\
[flags."learning.outline"]
type = "release"
owner = "courses"
created = 2026-01-01
rolled_out = 2026-02-01
"""

TOGGLES = """\
from edx_toggles.toggles import WaffleFlag

NAMESPACE = "learning"
OUTLINE = WaffleFlag(f"{NAMESPACE}.outline", __name__)
OTHER = WaffleFlag("learning.other", __name__)
"""

VIEWS = """\
from app.toggles import OUTLINE, OTHER


def view(course_key):
    if OUTLINE.is_enabled(course_key):
        return "new"
    return "old"


def other():
    return OTHER.is_enabled()
"""


def _project(root: Path, config: str) -> Path:
    return write_tree(root, {"pyproject.toml": "[tool.flagdebt]\n" + config, "flags.toml": REGISTRY,
                             "app/__init__.py": "", "app/toggles.py": TOGGLES, "app/views.py": VIEWS})


def test_preset_option_finds_flag_objects(run, tmp_path: Path) -> None:
    _project(tmp_path, "")
    plain = run(tmp_path, "check", "--today", "2026-11-27")
    assert "app/views.py" not in plain.output
    result = run(tmp_path, "check", "--today", "2026-11-27", "--preset", "edx-toggles")
    assert result.exit_code == 1
    assert result.output.splitlines()[:2] == [
        "app/views.py:5:8: FD001 flag 'learning.outline' expired on 2026-03-29, 243 days ago "
        "(release flag, fully rolled out 2026-02-01, owner: courses)",
        "app/views.py:11:12: FD003 flag 'learning.other' is not in the registry (flags.toml); "
        "did you mean 'learning.outline'?",
    ]


def test_unknown_preset_option_is_a_usage_error(run, tmp_path: Path) -> None:
    _project(tmp_path, "")
    result = run(tmp_path, "check", "--preset", "waffle")
    assert result.exit_code == 2
    assert "unknown preset 'waffle'" in result.output


def test_remove_folds_a_flag_object_and_deletes_its_definition(run, tmp_path: Path) -> None:
    _project(tmp_path, 'objects = ["WaffleFlag:0:is_enabled"]\n')
    result = run(tmp_path, "remove", "learning.outline")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "app/views.py").read_text() == VIEWS.replace(
        "OUTLINE, OTHER", "OTHER").replace(
        '    if OUTLINE.is_enabled(course_key):\n        return "new"\n    return "old"\n',
        '    return "new"\n')
    assert (tmp_path / "app/toggles.py").read_text() == TOGGLES.replace(
        'OUTLINE = WaffleFlag(f"{NAMESPACE}.outline", __name__)\n', "")


@pytest.mark.parametrize(("files", "expected"), [
    ({"pyproject.toml": '[project]\nname = "a"\ndependencies = ["Django_Waffle>=4", "requests"]\n'},
     ("django-waffle",)),
    ({"requirements/base.txt": "launchdarkly-server-sdk==9.1  # flags\n-r other.txt\n"},
     ("launchdarkly",)),
    ({"setup.cfg": "[options]\ninstall_requires =\n    UnleashClient>=5\n    posthog\n"},
     ("unleash", "posthog")),
    ({"app/flags.py": "from openfeature import api\n"}, ("openfeature",)),
    ({"pyproject.toml": '[tool.poetry.dependencies]\nflagsmith = "^3"\n'}, ("flagsmith",)),
    ({"requirements.txt": "waffle-ish\nstatsig-helpers\n"}, ()),
], ids=["pyproject", "requirements-folder", "setup-cfg", "import", "poetry", "near-names"])
def test_detect_presets(tmp_path: Path, files: dict[str, str], expected: tuple[str, ...]) -> None:
    from flagdebt.detect import detect_presets

    write_tree(tmp_path, files)
    assert detect_presets(tmp_path, sorted(tmp_path.rglob("*.py"))) == expected


def test_init_writes_the_detected_presets(run, tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": '[project]\nname = "a"\ndependencies = ["django-waffle"]\n',
                          "app/views.py": 'import waffle\nwaffle.switch_is_active("sale")\n'})
    result = run(tmp_path, "init")
    assert result.exit_code == 0, result.output
    assert 'presets = ["django-waffle"]' in (tmp_path / "pyproject.toml").read_text()
    assert "[flags.sale]" in (tmp_path / "flags.toml").read_text()


def test_init_call_adds_to_an_existing_table(run, tmp_path: Path) -> None:
    original = ('[tool.flagdebt]\n# our flags\nregistry = "flags.toml"   # keep\n\n'
                '[tool.other]\nx = 1\n')
    write_tree(tmp_path, {"pyproject.toml": original, "flags.toml": ""})
    result = run(tmp_path, "init", "--call", "project.has_feature:0", "--preset", "posthog")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "pyproject.toml").read_text() == (
        '[tool.flagdebt]\n# our flags\nregistry = "flags.toml"   # keep\n'
        'calls = ["flag_enabled", "project.has_feature"]\npresets = ["posthog"]\n\n'
        '[tool.other]\nx = 1\n')
    again = run(tmp_path, "init", "--call", "project.has_feature:0")
    assert "already exists" in again.output and again.exit_code == 2


def test_extend_include_reads_more_files_for_the_calls(run, tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "pyproject.toml": '[tool.flagdebt]\nextend-include = ["assets/*.js", "emails/*.txt"]\n',
        "flags.toml": '[flags.old]\ntype = "ops"\nowner = "x"\ncreated = 2026-01-01\n',
        "assets/app.js": 'if (flag_enabled("old")) { go(); }\nflag_enabled("new");\n',
        "emails/body.txt": "{% if flag_enabled('old') %}hi{% endif %}\n",
        "other/skip.js": 'flag_enabled("skipped");\n',
    })
    result = run(tmp_path, "check", "--today", "2026-11-27", "--no-cache")
    assert result.output.splitlines()[:1] == [
        "assets/app.js:2:1: FD003 flag 'new' is not in the registry (flags.toml)"]
    assert "skipped" not in result.output and "FD007" not in result.output
