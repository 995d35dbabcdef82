"""Tests for flagdebt.config: finding pyproject.toml, validating [tool.flagdebt], call patterns."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from flagdebt.config import (
    DEFAULT_EXCLUDE,
    DEFAULT_KEYWORDS,
    DEFAULT_MAX_SPRINTS,
    Config,
    find_config,
    load_config,
    parse_call_pattern,
    parse_call_table,
)
from flagdebt.model import CallPattern, FlagdebtError


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pyproject.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(tmp_path: Path, body: str) -> list[str]:
    write(tmp_path, "[tool.flagdebt]\n" + textwrap.dedent(body))
    with pytest.raises(FlagdebtError) as error:
        load_config(tmp_path)
    return str(error.value).splitlines()


# find_config


def test_find_config_walks_up_past_pyprojects_without_the_table(tmp_path: Path) -> None:
    project = write(tmp_path, "[tool.flagdebt]\n")
    write(tmp_path / "pkg", '[project]\nname = "pkg"\ndependencies = ["flagdebt"]\n')
    (tmp_path / "pkg" / "src" / "deep").mkdir(parents=True)
    assert find_config(tmp_path / "pkg" / "src" / "deep") == project.resolve()


def test_find_config_nearest_wins(tmp_path: Path) -> None:
    write(tmp_path, "[tool.flagdebt]\n")
    inner = write(tmp_path / "inner", "[tool.flagdebt]\nsprint-days = 7\n")
    assert find_config(tmp_path / "inner") == inner.resolve()


def test_find_config_from_a_file(tmp_path: Path) -> None:
    project = write(tmp_path, "[tool.flagdebt.max-sprints]\nrelease = 3\n")
    module = tmp_path / "mod.py"
    module.write_text("")
    assert find_config(module) == project.resolve()


def own(folder: Path, text: str) -> Path:
    """A flagdebt.toml: [tool.flagdebt]'s keys at the top level."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "flagdebt.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_flagdebt_toml_is_a_config_and_wins_in_its_folder(tmp_path: Path) -> None:
    write(tmp_path, '[project]\nrequires-python = ">=3.12"\n\n[tool.flagdebt]\nsprint-days = 7\n')
    path = own(tmp_path, 'sprint-days = 10\ncalls = ["is_on"]\n')
    inner = write(tmp_path / "pkg", "[tool.flagdebt]\n")
    assert find_config(tmp_path) == path.resolve()
    assert find_config(tmp_path / "pkg") == inner.resolve()  # the nearest folder still wins
    config = load_config(tmp_path)
    assert (config.sprint_days, config.calls, config.root) == (10, (CallPattern(("is_on",)),), tmp_path)
    assert config.target_version == (3, 12)  # requires-python of the pyproject.toml beside it
    assert load_config(tmp_path, Path("flagdebt.toml")).config_path == path.resolve()


def test_a_remembered_flagdebt_toml_follows_its_pyproject(tmp_path: Path) -> None:
    own(tmp_path, "sprint-days = 10\n")
    assert load_config(tmp_path, memo=True).target_version is None
    assert list((tmp_path / ".flagdebt_cache").glob("config-*"))
    write(tmp_path, '[project]\nrequires-python = ">=3.11"\n')
    assert load_config(tmp_path, memo=True).target_version == (3, 11)
    write(tmp_path, '[project]\nrequires-python = "oops\n')  # not flagdebt's file to report
    assert load_config(tmp_path, memo=True).target_version is None


def test_problems_in_flagdebt_toml_name_their_line_and_key(tmp_path: Path) -> None:
    own(tmp_path, 'calls = ["ok"]\nsprint-dayz = 7\n\n[max-sprints]\nrelease = "four"\n')
    with pytest.raises(FlagdebtError) as error:
        load_config(tmp_path)
    assert str(error.value).splitlines() == [
        "flagdebt.toml:2: 'sprint-dayz': unknown key (did you mean 'sprint-days'?)",
        "flagdebt.toml:5: 'max-sprints.release': must be a positive integer, got string \"four\""]


def test_a_pasted_tool_flagdebt_header_in_flagdebt_toml_is_named(tmp_path: Path) -> None:
    own(tmp_path, '# mine\n[tool.flagdebt]\npresets = ["django-waffle"]\n')
    with pytest.raises(FlagdebtError) as error:
        load_config(tmp_path)
    assert str(error.value) == ("flagdebt.toml:2: flagdebt.toml holds [tool.flagdebt]'s keys at the "
                                "top level: remove the [tool.flagdebt] header")


def test_find_config_none(tmp_path: Path) -> None:
    write(tmp_path, "[tool.other]\nflagdebt = 1\n")
    assert find_config(tmp_path) is None  # tmp_path has no such pyproject above it


def test_find_config_returns_a_broken_file_so_its_error_is_reported(
    tmp_path: Path,
) -> None:
    project = write(tmp_path, "[tool.flagdebt\n")
    assert find_config(tmp_path) == project.resolve()
    with pytest.raises(FlagdebtError, match=r"^pyproject.toml:1: invalid TOML: "):
        load_config(tmp_path)


# load_config


def test_defaults_without_any_config(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == Config(root=tmp_path.resolve())
    assert config.registry_path == tmp_path.resolve() / "flags.toml"


def test_defaults_with_an_empty_table(tmp_path: Path) -> None:
    path = write(tmp_path, "[tool.flagdebt]\n")
    (tmp_path / "src").mkdir()
    config = load_config(tmp_path / "src")
    root = tmp_path.resolve()
    assert config == Config(root=root, config_path=path.resolve())
    assert config.registry_path == root / "flags.toml"
    assert config.max_sprints == DEFAULT_MAX_SPRINTS
    assert config.calls == (CallPattern(("flag_enabled",)),)
    assert config.excludes == DEFAULT_EXCLUDE


def test_every_key(tmp_path: Path) -> None:
    write(
        tmp_path,
        """\
        [tool.flagdebt]
        registry = "config/flags.toml"
        sprint-days = 7
        warn-after-sprints = 0
        max-sprints = { release = 3, ops = 10 }
        stalled-after-sprints = 4
        calls = ["flag_enabled", "waffle.flag_is_active:1",
                 { name = "client.get_boolean_value", arg = "flag_key", keywords = [] }]
        exclude = ["build"]
        extend-exclude = ["tests/fixtures/*"]
        select = ["FD00"]
        ignore = ["FD005", "FD"]
        """,
    )
    config = load_config(tmp_path)
    root = tmp_path.resolve()
    assert config.registry_path == root / "config" / "flags.toml"
    assert (
        config.sprint_days,
        config.warn_after_sprints,
        config.stalled_after_sprints,
    ) == (7, 0, 4)
    assert config.max_sprints == {
        "release": 3,
        "experiment": 2,
        "ops": 10,
        "permission": None,
    }
    assert config.calls == (
        CallPattern(("flag_enabled",)),
        CallPattern(("waffle", "flag_is_active"), 1),
        CallPattern(("client", "get_boolean_value"), "flag_key", ()),
    )
    assert config.excludes == ("build", "tests/fixtures/*")
    assert (config.select, config.ignore) == (("FD00",), ("FD005", "FD"))


def test_explicit_config(tmp_path: Path) -> None:
    path = write(tmp_path / "conf", "[tool.flagdebt]\nsprint-days = 5\n")
    write(tmp_path, "[tool.flagdebt]\nsprint-days = 9\n")
    config = load_config(tmp_path, Path("conf/pyproject.toml"))
    assert (config.sprint_days, config.root, config.config_path) == (
        5,
        path.parent.resolve(),
        path.resolve(),
    )


def test_explicit_config_must_exist(tmp_path: Path) -> None:
    with pytest.raises(FlagdebtError, match=r"^nope.toml: config file not found$"):
        load_config(tmp_path, Path("nope.toml"))


def test_explicit_config_needs_the_table(tmp_path: Path) -> None:
    write(tmp_path, "[project]\nname = 'x'\n")
    with pytest.raises(
        FlagdebtError, match=r"^pyproject.toml: no \[tool.flagdebt\] table$"
    ):
        load_config(tmp_path, Path("pyproject.toml"))


def test_config_in_a_parent_is_shown_by_its_path(tmp_path: Path) -> None:
    write(tmp_path, "[tool.flagdebt]\nsprint-days = 0\n")
    (tmp_path / "src").mkdir()
    with pytest.raises(FlagdebtError) as error:
        load_config(tmp_path / "src")
    shown = (tmp_path / "pyproject.toml").resolve().as_posix()
    assert str(error.value).startswith(f"{shown}:2: [tool.flagdebt] 'sprint-days': ")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "sprint-days = 0",
            "'sprint-days': must be a positive integer, got integer 0",
            id="sprint-days-zero",
        ),
        pytest.param(
            "sprint-days = true",
            "'sprint-days': must be a positive integer, got boolean true",
            id="bool-is-not-int",
        ),
        pytest.param(
            'sprint-days = "14"',
            "'sprint-days': must be a positive integer, got string \"14\"",
            id="sprint-days-string",
        ),
        pytest.param(
            "warn-after-sprints = -1",
            "'warn-after-sprints': must be an integer >= 0, got integer -1",
            id="warn-negative",
        ),
        pytest.param(
            "stalled-after-sprints = 1.5",
            "'stalled-after-sprints': must be a positive integer, got float 1.5",
            id="stalled-float",
        ),
        pytest.param(
            "registry = 3",
            "'registry': must be a path to flags.toml, got integer 3",
            id="registry-not-a-string",
        ),
        pytest.param(
            "max-sprints = 4",
            "'max-sprints': must be a table like { release = 4 }, got integer 4",
            id="max-sprints-not-a-table",
        ),
        pytest.param(
            "max-sprints = { relase = 4 }",
            "'max-sprints.relase': unknown flag type (expected release, experiment, ops, "
            "permission) (did you mean 'release'?)",
            id="max-sprints-unknown-type",
        ),
        pytest.param(
            "max-sprints = { ops = 0 }",
            "'max-sprints.ops': must be a positive integer, got integer 0",
            id="max-sprints-zero",
        ),
        pytest.param(
            'calls = "flag_enabled"',
            "'calls': must be a non-empty list of call patterns, got string \"flag_enabled\"",
            id="calls-not-a-list",
        ),
        pytest.param(
            "calls = []",
            "'calls': must be a non-empty list of call patterns, got an array",
            id="calls-empty",
        ),
        pytest.param(
            'calls = ["ok", "bad pattern"]',
            "'calls[1]': invalid call pattern 'bad pattern': expected NAME[:ARG[:ON,OFF]], "
            "e.g. 'flag_enabled', 'waffle.flag_is_active:1', 'get_feature_value:0:1,2'",
            id="calls-bad-string",
        ),
        pytest.param(
            'calls = ["variant:0:1"]',
            "'calls[0]': invalid call pattern 'variant:0:1': expected NAME[:ARG[:ON,OFF]], "
            "e.g. 'flag_enabled', 'waffle.flag_is_active:1', 'get_feature_value:0:1,2'",
            id="calls-one-outcome",
        ),
        pytest.param(
            'calls = [{ name = "variant", outcomes = [1, 1] }]',
            "'calls[0]': 'outcomes' must list two different arguments (positions or keyword names) "
            "holding the values for on and off, got an array",
            id="calls-same-outcomes",
        ),
        pytest.param(
            "calls = [3]",
            "'calls[0]': must be a pattern string or a table with 'name', got integer 3",
            id="calls-bad-entry",
        ),
        pytest.param(
            'calls = [{ name = "x", arg = -1, kw = 1 }]',
            "'calls[0]': unknown key 'kw'; 'arg' must be a position (integer >= 0) "
            "or a keyword name, got integer -1",
            id="calls-bad-table",
        ),
        pytest.param(
            'exclude = "build"',
            "'exclude': must be a list of glob patterns, got string \"build\"",
            id="exclude-not-a-list",
        ),
        pytest.param(
            'extend-exclude = ["ok", ""]',
            "'extend-exclude[1]': must be a non-empty string, got string \"\"",
            id="extend-exclude-empty-string",
        ),
        pytest.param(
            'select = ["E501"]',
            "'select[0]': 'E501' is not a rule code prefix like FD001 or FD00",
            id="select-foreign-code",
        ),
        pytest.param(
            'ignore = ["FD0001"]',
            "'ignore[0]': 'FD0001' is not a rule code prefix like FD001 or FD00",
            id="ignore-too-long",
        ),
        pytest.param(
            "sprint_days = 7",
            "'sprint_days': unknown key (did you mean 'sprint-days'?)",
            id="unknown-key",
        ),
        pytest.param(
            "colour = true",
            "'colour': unknown key",
            id="unknown-key-no-suggestion",
        ),
    ],
)
def test_validation_message(tmp_path: Path, body: str, expected: str) -> None:
    assert problems(tmp_path, body + "\n") == [
        f"pyproject.toml:2: [tool.flagdebt] {expected}"
    ]


def test_all_problems_at_once_with_their_lines(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
        sprint-days = 0
        registry = "flags.toml"

        [tool.flagdebt.max-sprints]
        release = "4"
        bogus = 1
        """,
    )
    found_lines = [line.split(":")[1] for line in found]
    assert found_lines == ["2", "6", "7"]
    assert found[1] == (
        "pyproject.toml:6: [tool.flagdebt] 'max-sprints.release': "
        'must be a positive integer, got string "4"'
    )


def test_flagdebt_table_not_a_table(tmp_path: Path) -> None:
    write(tmp_path, "[tool]\nflagdebt = 1\n")
    with pytest.raises(FlagdebtError) as error:
        load_config(tmp_path)
    assert str(error.value) == (
        "pyproject.toml:2: [tool.flagdebt] must be a table, got integer 1"
    )


def test_dotted_keys_outside_the_section_get_their_lines(tmp_path: Path) -> None:
    write(tmp_path, '[project]\nname = "x"\n\n[tool]\nflagdebt.sprint-days = 0\n')
    with pytest.raises(
        FlagdebtError, match=r"^pyproject.toml:5: \[tool.flagdebt\] 'sprint-days'"
    ):
        load_config(tmp_path)


# call patterns


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("flag_enabled", CallPattern(("flag_enabled",))),
        ("waffle.flag_is_active", CallPattern(("waffle", "flag_is_active"))),
        ("waffle.flag_is_active:1", CallPattern(("waffle", "flag_is_active"), 1)),
        (
            "client.get_boolean_value:flag_key",
            CallPattern(("client", "get_boolean_value"), "flag_key"),
        ),
        (" is_on:0 ", CallPattern(("is_on",))),
    ],
)
def test_parse_call_pattern(text: str, expected: CallPattern) -> None:
    assert parse_call_pattern(text) == expected
    assert parse_call_pattern(text).keywords == DEFAULT_KEYWORDS


@pytest.mark.parametrize(
    "text",
    [
        "",
        ":1",
        "a..b",
        "a.",
        "1abc",
        "a:b:c",
        "a:-1",
        "a:1.5",
        "a:\u00b2",
        "a b",
        "a:class",
        "class.x",
        "a:",
    ],
)
def test_parse_call_pattern_rejects(text: str) -> None:
    with pytest.raises(FlagdebtError) as error:
        parse_call_pattern(text)
    assert str(error.value).startswith(
        f"invalid call pattern {text!r}: expected NAME[:ARG[:ON,OFF]]"
    )


def test_parse_call_table() -> None:
    assert parse_call_table(
        {"name": "waffle.flag_is_active", "arg": 1, "keywords": ["flag_name"]}
    ) == (CallPattern(("waffle", "flag_is_active"), 1, ("flag_name",)))
    assert parse_call_table({"name": "is_on"}) == CallPattern(("is_on",))


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({}, "'name' must be a dotted name like 'waffle.flag_is_active', got nothing"),
        (
            {"name": "a b"},
            "'name' must be a dotted name like 'waffle.flag_is_active', got string \"a b\"",
        ),
        (
            {"name": "x", "arg": True},
            "'arg' must be a position (integer >= 0) or a keyword name, got boolean true",
        ),
        (
            {"name": "x", "arg": "1"},
            "'arg' must be a position (integer >= 0) or a keyword name, got string \"1\"",
        ),
        (
            {"name": "x", "keywords": "k"},
            "'keywords' must be a list of keyword names, got string \"k\"",
        ),
        (
            {"name": "x", "keywords": ["ok", "not ok"]},
            "'keywords' must be a list of keyword names, got an array",
        ),
        ({"name": "x", "nmae": 1}, "unknown key 'nmae' (did you mean 'name'?)"),
    ],
)
def test_parse_call_table_rejects(table: dict[str, object], expected: str) -> None:
    with pytest.raises(FlagdebtError) as error:
        parse_call_table(table)
    assert str(error.value) == expected
