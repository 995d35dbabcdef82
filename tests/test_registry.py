"""Tests for flagdebt.registry: loading, validation messages, line numbers, archiving."""

from __future__ import annotations

import os
import stat
import textwrap
from datetime import date
from pathlib import Path

import pytest

from flagdebt.archive import archive_flag
from flagdebt.model import Flag, FlagdebtError
from flagdebt.registry import load_registry
from flagdebt.tomllines import index_keys, scan_keys

GOOD = """\
# Feature flags of the shop.
[flags.new-checkout]
type = "release"            # release | experiment | ops | permission
owner = "payments"
created = 2026-06-01
description = "New checkout flow"
rolled_out = 2026-09-01     # reached 100%
aliases = ["Feature.NEW_CHECKOUT", "NEW_CHECKOUT"]

[flags."organizations:beta"]
type = "experiment"
owner = "growth"
created = 2026-07-01
rolled_back = 2026-08-01
remove_by = 2026-10-15
archived = 2026-11-01

[flags.bare]
"""


def write(tmp_path: Path, text: str, name: str = "flags.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(FlagdebtError) as error:
        load_registry(write(tmp_path, text), "flags.toml")
    return str(error.value).splitlines()


def test_loads_every_field_in_file_order(tmp_path: Path) -> None:
    registry = load_registry(write(tmp_path, GOOD), "flags.toml")
    assert registry.path == "flags.toml"
    assert list(registry.flags) == ["new-checkout", "organizations:beta", "bare"]
    assert registry.flags["new-checkout"] == Flag(
        key="new-checkout",
        line=2,
        type="release",
        owner="payments",
        created=date(2026, 6, 1),
        description="New checkout flow",
        rolled_out=date(2026, 9, 1),
        aliases=("Feature.NEW_CHECKOUT", "NEW_CHECKOUT"),
    )
    beta = registry.flags["organizations:beta"]
    assert (beta.line, beta.rolled_back, beta.remove_by, beta.archived) == (
        10,
        date(2026, 8, 1),
        date(2026, 10, 15),
        date(2026, 11, 1),
    )
    assert registry.flags["bare"] == Flag(key="bare", line=18)
    assert registry.lookup("NEW_CHECKOUT") is registry.flags["new-checkout"]


def test_display_defaults_to_the_path(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    assert load_registry(path).path == str(path)


def test_inline_tables_and_dotted_keys_get_their_lines(tmp_path: Path) -> None:
    text = """\
    [flags]
    a = { type = "ops", owner = "sre" }

    b.type = "permission"
    b.owner = "auth"
    [flags.'literal.key']
    """
    registry = load_registry(write(tmp_path, text))
    assert {key: flag.line for key, flag in registry.flags.items()} == {
        "a": 2,
        "b": 4,
        "literal.key": 6,
    }
    assert registry.flags["b"].type == "permission"


def test_empty_file_is_an_empty_registry(tmp_path: Path) -> None:
    assert load_registry(write(tmp_path, "# nothing yet\n")).flags == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '[flags.a]\nrolled_out = "2026-09-01x"\n',
            "flags.toml:2: flag 'a': 'rolled_out' must be a date like 2026-09-01, got string \"2026-09-01x\"",
            id="string-for-date",
        ),
        pytest.param(
            "[flags.a]\ncreated = 2026-06-01T10:00:00\n",
            "flags.toml:2: flag 'a': 'created' must be a date like 2026-09-01, "
            "got datetime 2026-06-01T10:00:00",
            id="datetime-for-date",
        ),
        pytest.param(
            "[flags.a]\nremove_by = 10:00:00\n",
            "flags.toml:2: flag 'a': 'remove_by' must be a date like 2026-09-01, got time 10:00:00",
            id="time-for-date",
        ),
        pytest.param(
            "[flags.a]\narchived = 20261101\n",
            "flags.toml:2: flag 'a': 'archived' must be a date like 2026-09-01, got integer 20261101",
            id="integer-for-date",
        ),
        pytest.param(
            '[flags.a]\ntype = "relase"\n',
            "flags.toml:2: flag 'a': 'type' must be one of release, experiment, ops, permission; "
            "got string \"relase\" (did you mean 'release'?)",
            id="unknown-type",
        ),
        pytest.param(
            "[flags.a]\ntype = 1\n",
            "flags.toml:2: flag 'a': 'type' must be one of release, experiment, ops, permission; "
            "got integer 1",
            id="type-not-a-string",
        ),
        pytest.param(
            '[flags.a]\nonwer = "x"\n',
            "flags.toml:2: flag 'a': unknown field 'onwer' (did you mean 'owner'?)",
            id="unknown-field",
        ),
        pytest.param(
            '[flags.a]\nzzz = "x"\n',
            "flags.toml:2: flag 'a': unknown field 'zzz'",
            id="unknown-field-no-suggestion",
        ),
        pytest.param(
            "[flags.a]\nowner = true\n",
            "flags.toml:2: flag 'a': 'owner' must be a string, got boolean true",
            id="owner-not-a-string",
        ),
        pytest.param(
            '[flags.a]\nowner = "  "\n',
            "flags.toml:2: flag 'a': 'owner' must not be empty",
            id="owner-blank",
        ),
        pytest.param(
            "[flags.a]\ndescription = 1.5\n",
            "flags.toml:2: flag 'a': 'description' must be a string, got float 1.5",
            id="description-not-a-string",
        ),
        pytest.param(
            '[flags.a]\naliases = "A"\n',
            "flags.toml:2: flag 'a': 'aliases' must be a list of strings, got string \"A\"",
            id="aliases-not-a-list",
        ),
        pytest.param(
            '[flags.a]\naliases = ["A", 3]\n',
            "flags.toml:2: flag 'a': 'aliases' entry 2 must be a non-empty string, got integer 3",
            id="alias-not-a-string",
        ),
        pytest.param(
            "[flags.a]\nrolled_out = 2026-09-01\nrolled_back = 2026-09-02\n",
            "flags.toml:3: flag 'a': 'rolled_out' and 'rolled_back' are both set; keep only the final one",
            id="both-settled",
        ),
        pytest.param(
            "[flags.a]\ncreated = 2026-06-01\nremove_by = 2026-05-31\n",
            "flags.toml:3: flag 'a': 'remove_by' (2026-05-31) is before 'created' (2026-06-01)",
            id="date-before-created",
        ),
        pytest.param(
            '[flags]\na = "release"\n',
            "flags.toml:2: flag 'a': must be a table like [flags.a], got string \"release\"",
            id="flag-not-a-table",
        ),
        pytest.param(
            '[defaults]\nowner = "x"\n',
            "flags.toml:1: 'defaults': unknown top-level key; the registry holds only [flags.KEY] tables",
            id="unknown-top-level-table",
        ),
        pytest.param(
            '[flag.a]\nowner = "x"\n',
            "flags.toml:1: 'flag': unknown top-level key; the registry holds only "
            "[flags.KEY] tables (did you mean 'flags'?)",
            id="misspelt-flags",
        ),
        pytest.param(
            "flags = 3\n",
            "flags.toml:1: 'flags' must be a table of [flags.KEY] tables, got integer 3",
            id="flags-not-a-table",
        ),
        pytest.param(
            "[[flags]]\nkey = 1\n",
            "flags.toml:1: 'flags' must be a table of [flags.KEY] tables, got an array",
            id="flags-array-of-tables",
        ),
    ],
)
def test_validation_message(tmp_path: Path, text: str, expected: str) -> None:
    assert problems(tmp_path, text) == [expected]


def test_duplicate_aliases(tmp_path: Path) -> None:
    text = """\
    [flags.a]
    aliases = ["X", "b", "a"]
    [flags.b]
    type = "ops"
    aliases = ["X"]
    """
    assert problems(tmp_path, text) == [
        "flags.toml:2: flag 'a': alias 'b' is the key of flag 'b'",
        "flags.toml:5: flag 'b': alias 'X' is also an alias of flag 'a'",
    ]


def test_every_problem_is_reported_in_line_order(tmp_path: Path) -> None:
    text = """\
    [flags.b]
    owner = 3
    created = 2026-06-01
    rolled_out = 2026-01-01

    [other]

    [flags.a]
    type = "nope"
    """
    found = problems(tmp_path, text)
    assert [line.split(":")[1] for line in found] == ["2", "4", "6", "9"]
    assert all(line.startswith("flags.toml:") for line in found)


def test_field_lines_inside_multiline_values(tmp_path: Path) -> None:
    text = '''\
    [flags.a]
    description = """
    [flags.fake]
    owner = 1
    """
    aliases = [
      "A",  # [ not a bracket
    ]
    owner = 2
    '''
    assert problems(tmp_path, text) == ["flags.toml:9: flag 'a': 'owner' must be a string, got integer 2"]


def test_fields_of_inline_tables_report_the_flag_line(tmp_path: Path) -> None:
    text = '[flags]\n\nx = { type = "nope" }\n'
    assert problems(tmp_path, text) == [
        (
            "flags.toml:3: flag 'x': 'type' must be one of release, experiment, ops, permission; "
            'got string "nope"'
        )
    ]


def test_missing_type_owner_created_are_not_errors(tmp_path: Path) -> None:
    flag = load_registry(write(tmp_path, "[flags.a]\n")).flags["a"]
    assert (flag.type, flag.owner, flag.created) == (None, None, None)


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = "[flags.a]\ntype = \n"
    assert problems(tmp_path, text) == ["flags.toml:2: invalid TOML: Invalid value (column 8)"]


def test_syntax_error_at_end_of_file(tmp_path: Path) -> None:
    found = problems(tmp_path, '[flags.a]\nowner = "x')
    assert len(found) == 1
    assert found[0].startswith("flags.toml:2: invalid TOML: ")


def test_duplicate_key_is_a_syntax_error(tmp_path: Path) -> None:
    found = problems(tmp_path, "[flags.a]\n[flags.a]\n")
    assert found[0].startswith("flags.toml:2: invalid TOML: ")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FlagdebtError, match=r"^flags.toml: registry not found \(looked for .*"):
        load_registry(tmp_path / "flags.toml", "flags.toml")


def test_missing_file_without_display(tmp_path: Path) -> None:
    path = tmp_path / "flags.toml"
    with pytest.raises(FlagdebtError) as error:
        load_registry(path)
    assert str(error.value) == f"{path}: registry not found"


def test_folder_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "flags.toml").mkdir()
    with pytest.raises(FlagdebtError, match="^flags.toml: cannot read registry: "):
        load_registry(tmp_path / "flags.toml", "flags.toml")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "flags.toml"
    path.write_bytes(b'[flags.a]\nowner = "caf\xe9"\n')
    with pytest.raises(FlagdebtError) as error:
        load_registry(path, "flags.toml")
    assert str(error.value) == "flags.toml:2: not valid UTF-8 (byte 0xe9)"


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "flags.toml"
    path.write_bytes(b'\xef\xbb\xbf[flags.a]\nowner = "x"\n')
    assert load_registry(path).flags["a"].line == 1


def test_scan_keys_tracks_multiline_values() -> None:
    text = "a = [\n  1,\n]\n[t]\nb = '''\nx = 1\n'''\nc.d = 1\n"
    assert [(e.path, e.line, e.end, e.header) for e in scan_keys(text)] == [
        (("a",), 1, 3, False),
        (("t",), 4, 4, True),
        (("t", "b"), 5, 7, False),
        (("t", "c", "d"), 8, 8, False),
    ]


def test_index_keys_decodes_quoted_keys() -> None:
    text = '[flags."a\\u0062c"]\n"x y" = 1\n'
    assert index_keys(text) == {
        ("flags",): 1,
        ("flags", "abc"): 1,
        ("flags", "abc", "x y"): 2,
    }


# archive_flag

REGISTRY = """\
# Feature flags. Keep sorted.

[flags.new-checkout]
type = "release"   # release | experiment | ops | permission
owner = "payments"
aliases = [
  "NEW_CHECKOUT",
]   # spellings in code
# about the next flag:

[flags."organizations:beta"]
  type='experiment'
  created=2026-07-01

# the last one
[flags.last]
owner = "x"
"""


@pytest.mark.parametrize(
    ("key", "after_line"),
    [("new-checkout", 8), ("organizations:beta", 13), ("last", 17)],
)
def test_archive_adds_a_line_after_the_last_field(tmp_path: Path, key: str, after_line: int) -> None:
    path = write(tmp_path, REGISTRY)
    archive_flag(path, key, date(2026, 11, 1))
    lines = REGISTRY.splitlines(keepends=True)
    indent = "  " if key == "organizations:beta" else ""
    lines.insert(after_line, f"{indent}archived = 2026-11-01\n")
    assert path.read_text(encoding="utf-8") == "".join(lines)
    assert load_registry(path).flags[key].archived == date(2026, 11, 1)


def test_archive_exact_text(tmp_path: Path) -> None:
    path = write(tmp_path, REGISTRY)
    archive_flag(path, "new-checkout", date(2026, 11, 1))
    assert path.read_text(encoding="utf-8") == textwrap.dedent(
        """\
        # Feature flags. Keep sorted.

        [flags.new-checkout]
        type = "release"   # release | experiment | ops | permission
        owner = "payments"
        aliases = [
          "NEW_CHECKOUT",
        ]   # spellings in code
        archived = 2026-11-01
        # about the next flag:

        [flags."organizations:beta"]
          type='experiment'
          created=2026-07-01

        # the last one
        [flags.last]
        owner = "x"
        """
    )


def test_archive_replaces_an_existing_date_in_place(tmp_path: Path) -> None:
    text = '[flags.a]\narchived = 2026-01-01   # when\nowner = "x"\n'
    path = write(tmp_path, text)
    archive_flag(path, "a", date(2026, 11, 1))
    assert path.read_text() == '[flags.a]\narchived = 2026-11-01   # when\nowner = "x"\n'


def test_archive_without_final_newline(tmp_path: Path) -> None:
    path = write(tmp_path, '[flags.a]\nowner = "x"')
    archive_flag(path, "a", date(2026, 11, 1))
    assert path.read_text() == '[flags.a]\nowner = "x"\narchived = 2026-11-01'


def test_archive_empty_table(tmp_path: Path) -> None:
    path = write(tmp_path, "[flags.a]\n\n[flags.b]\n")
    archive_flag(path, "a", date(2026, 11, 1))
    assert path.read_text() == "[flags.a]\narchived = 2026-11-01\n\n[flags.b]\n"


def test_archive_keeps_crlf_and_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "flags.toml"
    path.write_bytes(b'\xef\xbb\xbf[flags.a]\r\nowner = "x"\r\n\r\n[flags.b]\r\n')
    archive_flag(path, "a", date(2026, 11, 1))
    assert path.read_bytes() == (
        b'\xef\xbb\xbf[flags.a]\r\nowner = "x"\r\narchived = 2026-11-01\r\n\r\n[flags.b]\r\n'
    )


def test_archive_inline_table(tmp_path: Path) -> None:
    path = write(tmp_path, '[flags]\na = { owner = "x" }\nb = { owner = "y" }\n')
    archive_flag(path, "a", date(2026, 11, 1))
    text = path.read_text()
    assert text.splitlines()[2] == 'b = { owner = "y" }'
    assert load_registry(path).flags["a"].archived == date(2026, 11, 1)


def test_archive_keeps_permissions(tmp_path: Path) -> None:
    path = write(tmp_path, "[flags.a]\n")
    os.chmod(path, 0o640)
    archive_flag(path, "a", date(2026, 11, 1))
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["flags.toml"]


def test_archive_unknown_key(tmp_path: Path) -> None:
    path = write(tmp_path, REGISTRY)
    with pytest.raises(FlagdebtError, match="^flags.toml: flag 'nope': not in the registry$"):
        archive_flag(path, "nope", date(2026, 11, 1), "flags.toml")
    assert path.read_text() == REGISTRY


def test_archive_invalid_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "[flags.a\n")
    with pytest.raises(FlagdebtError, match=r"flags.toml:1: invalid TOML"):
        archive_flag(path, "a", date(2026, 11, 1))
