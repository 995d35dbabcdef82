"""[tool.flagdebt] in the nearest pyproject.toml (or flagdebt.toml) -> a validated, frozen Config."""

from __future__ import annotations

import keyword
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from flagdebt.grammar import TARGET_HELP, Version, from_requires_python, parse_target
from flagdebt.model import FLAG_TYPES, CallPattern, FlagdebtError
from flagdebt.paths import SIMPLE_GLOB, display_path
from flagdebt.registry import Problems, decode_text, describe, did_you_mean, parse_toml, read_file

DEFAULT_CALLS = (CallPattern(("flag_enabled",)),)
# Test helpers that force a flag on or off (`@override_flag("x", active=True)`): not reads,
# but `remove` drops them (or the tests of the dead path) with the flag.
DEFAULT_OVERRIDES = tuple(CallPattern((name,)) for name in
                          ("override_flag", "override_switch", "override_sample"))
# Test fixtures that create a flag (`Flag.objects.create(name="x", everyone=True)`): `remove`
# drops them with the flag, and the tests that create it with its dead value.
DEFAULT_FIXTURES = tuple(CallPattern((model, "objects", method), "name")
                         for model in ("Flag", "Switch", "Sample")
                         for method in ("create", "get_or_create", "update_or_create"))
DEFAULT_KEYWORDS = DEFAULT_CALLS[0].keywords
DEFAULT_MAX_SPRINTS: dict[str, int | None] = {
    "release": 4,
    "experiment": 2,
    "ops": None,
    "permission": None,
}
DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", ".tox", ".nox",
    "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", "build",
    "dist", "node_modules", "site-packages", "*.egg-info", "__pypackages__",
)  # fmt: skip
CALL_PATTERN_HELP = ("expected NAME[:ARG[:ON,OFF]], e.g. 'flag_enabled', 'waffle.flag_is_active:1', "
                     "'get_feature_value:0:1,2'")
_CODE_PREFIX = re.compile(r"FD\d{0,3}")
_CALL_KEYS = ("name", "arg", "keywords", "outcomes")


@dataclass(frozen=True)
class Config:
    """Everything a run needs to know besides the registry and today's date."""

    root: Path
    config_path: Path | None = None
    registry: Path | None = None
    sprint_days: int = 14
    warn_after_sprints: int = 2
    max_sprints: dict[str, int | None] = field(default_factory=lambda: dict(DEFAULT_MAX_SPRINTS))
    stalled_after_sprints: int = 6
    calls: tuple[CallPattern, ...] = DEFAULT_CALLS
    overrides: tuple[CallPattern, ...] = DEFAULT_OVERRIDES
    fixtures: tuple[CallPattern, ...] = DEFAULT_FIXTURES
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    cache_dir: Path | None = None  # relative to root; see flagdebt.cache.cache_folder
    target_version: Version | None = None  # the grammar files are parsed with (None: newest)
    presets: tuple[str, ...] = ()
    extend_include: tuple[str, ...] = ()

    @property
    def registry_path(self) -> Path:
        return self.registry if self.registry is not None else self.root / "flags.toml"

    @property
    def excludes(self) -> tuple[str, ...]:
        return self.exclude + self.extend_exclude


OWN_FILE = "flagdebt.toml"  # [tool.flagdebt]'s keys at the top level, for a project without pyproject.toml


def find_config(start: Path, known: dict[str, Path | None] | None = None,
                memo: bool = False) -> Path | None:
    """The nearest flagdebt.toml, or pyproject.toml with a [tool.flagdebt] table (in one
    folder, flagdebt.toml wins), from `start` up to the root.

    `known`: the answers for folders already walked, filled in on the way (pre-commit's
    files share most of their folders). `memo`: see `load_config`."""
    folder = os.path.realpath(start)
    if not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    known = {} if known is None else known
    walked: list[str] = []
    found: Path | None = None
    while folder not in known:
        walked.append(folder)
        own = Path(folder, OWN_FILE)
        if os.path.isfile(own):
            found = own
            break
        pyproject = Path(folder, "pyproject.toml")
        if _has_flagdebt_table(pyproject, memo):
            found = pyproject
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    else:
        found = known[folder]
    known.update(dict.fromkeys(walked, found))
    return found


def _has_flagdebt_table(pyproject: Path, memo: bool) -> bool:
    """True when the file has the table, or mentions flagdebt but is not valid TOML."""
    from flagdebt.fileio import NotRegularFile, read_regular

    try:
        data = read_regular(pyproject)
    except NotRegularFile as error:
        raise FlagdebtError(f"{pyproject}: cannot read: {error.strerror}") from None
    except OSError:
        return False
    if b"flagdebt" not in data:
        return False
    try:
        return "tool" in _document(pyproject, str(pyproject), memo, data)[1]
    except FlagdebtError:
        return True  # load_config reports the error with its line


def load_config(cwd: Path, explicit: Path | None = None, memo: bool = False) -> Config:
    """The Config from `--config PATH`, else from the nearest config file, else defaults.

    `memo`: what a pyproject.toml holds for flagdebt is kept beside the result cache while
    its bytes stay the same, so that a warm check parses no TOML (`cache.remembered`)."""
    cwd = cwd.resolve()
    if explicit is not None:
        path = (cwd / explicit).resolve()
        if not path.is_file():
            raise FlagdebtError(f"{explicit}: config file not found")
    else:
        found = find_config(cwd, memo=memo)
        if found is None:
            return Config(root=cwd)
        path = found
    return _read_config(path, display_path(path, cwd), memo)


def _document(path: Path, shown: str, memo: bool, data: bytes | None = None
              ) -> tuple[str, dict[str, Any]]:
    """The text of a config file, and the parts of it a Config is read from: [tool.flagdebt]
    as `tool`, and [project] requires-python (for flagdebt.toml, its pyproject.toml's)."""
    if data is None:
        data = read_file(path, shown, "config file")
    text = decode_text(data, shown)
    own = path.name == OWN_FILE
    beside = _sibling(path) if own else b""

    def parse() -> dict[str, Any]:
        if not own:
            return _flagdebt_parts(parse_toml(text, shown))
        return {"tool": {"flagdebt": parse_toml(text, shown)}, **_project_part(beside)}

    if not memo:
        return text, parse()
    from flagdebt.cache import remembered

    return text, remembered(path, data + b"\0" + beside if own else data, parse)


def _sibling(own: Path) -> bytes:
    """The bytes of the pyproject.toml next to a flagdebt.toml (b"" when there is none)."""
    from flagdebt.fileio import read_regular

    try:
        return read_regular(own.parent / "pyproject.toml")
    except OSError:
        return b""


def _project_part(pyproject: bytes) -> dict[str, Any]:
    """[project] requires-python of pyproject.toml bytes, if it parses and has one."""
    if b"requires-python" not in pyproject:
        return {}
    try:
        parsed = parse_toml(decode_text(pyproject, "pyproject.toml"), "pyproject.toml")
    except FlagdebtError:  # not flagdebt's file: its own tools report it
        return {}
    project = _flagdebt_parts(parsed).get("project")
    return {"project": project} if project else {}


def _flagdebt_parts(document: dict[str, Any]) -> dict[str, Any]:
    """[tool.flagdebt] (as `tool`, only when present) and [project] requires-python."""
    parts: dict[str, Any] = {}
    tool, project = document.get("tool"), document.get("project")
    if isinstance(tool, dict) and "flagdebt" in tool:
        parts["tool"] = {"flagdebt": tool["flagdebt"]}
    if isinstance(project, dict) and "requires-python" in project:
        parts["project"] = {"requires-python": project["requires-python"]}
    return parts


def _read_config(path: Path, shown: str, memo: bool = False) -> Config:
    text, data = _document(path, shown, memo)
    tool = data.get("tool")
    table = tool.get("flagdebt") if isinstance(tool, dict) else None
    if table is None:
        raise FlagdebtError(f"{shown}: no [tool.flagdebt] table")
    problems = Problems(shown, text)
    if not isinstance(table, dict):
        message = f"[tool.flagdebt] must be a table, got {describe(table)}"
        problems.add(("tool", "flagdebt"), message)
        problems.raise_if_any()
    own = path.name == OWN_FILE
    if own and isinstance(table.get("tool"), dict) and "flagdebt" in table["tool"]:
        problems.add(("tool",), "flagdebt.toml holds [tool.flagdebt]'s keys at the top level: "
                                "remove the [tool.flagdebt] header")
        problems.raise_if_any()
    values = _read_values(table, problems, path.parent, () if own else ("tool", "flagdebt"))
    problems.raise_if_any()
    if "target_version" not in values:
        values["target_version"] = _requires_python(data)
    return Config(root=path.parent, config_path=path, **values)


def _requires_python(data: Mapping[str, Any]) -> Version | None:
    project = data.get("project")
    spec = project.get("requires-python") if isinstance(project, dict) else None
    return from_requires_python(spec) if isinstance(spec, str) else None


@dataclass(frozen=True)
class _Section:
    """Reports a problem with one key of [tool.flagdebt] (or flagdebt.toml) at that key's line."""

    problems: Problems
    key: str = ""
    table: tuple[str, ...] = ("tool", "flagdebt")  # () in flagdebt.toml

    def bad(self, problem: str, *below: str | int) -> None:
        """Record `problem` for this key, or for an entry below it (`max-sprints.x`, `calls[2]`)."""
        shown = self.key + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in below)
        path = (*self.table, self.key, *(p for p in below if isinstance(p, str)))
        where = "[tool.flagdebt] " if self.table else ""
        self.problems.add(path, f"{where}'{shown}': {problem}")


Reader = Callable[[Any, _Section], Any]


def _read_values(table: dict[str, Any], problems: Problems, root: Path,
                 where: tuple[str, ...] = ("tool", "flagdebt")) -> dict[str, Any]:
    """Config fields from the [tool.flagdebt] table (at key path `where`; () for
    flagdebt.toml); each problem goes to `problems`."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        known = _KEYS.get(key)
        here = _Section(problems, key, where)
        if known is None:
            here.bad(f"unknown key{did_you_mean(key, _KEYS)}")
            continue
        result = known[1](value, here)
        if result is not None:
            values[known[0]] = result
    if "registry" in values:
        values["registry"] = root / values["registry"]
    if "cache_dir" in values:
        values["cache_dir"] = root / values["cache_dir"]
    return _with_presets(values)


def _with_presets(values: dict[str, Any]) -> dict[str, Any]:
    """Add the presets' and flag objects' patterns to `calls` and `overrides`."""
    names = values.get("presets", ())
    if not names and not values.get("objects"):
        return values
    from flagdebt.presets import preset_calls, preset_overrides

    extra = (*preset_calls(names), *values.pop("objects", ()))
    if extra:
        calls = values.get("calls", DEFAULT_CALLS)
        values["calls"] = calls + tuple(p for p in dict.fromkeys(extra) if p not in calls)
    overrides = preset_overrides(names)
    if overrides:
        base = values.get("overrides", DEFAULT_OVERRIDES)
        values["overrides"] = base + tuple(p for p in overrides if p not in base)
    return values


def with_presets(config: Config, names: Sequence[str]) -> Config:
    """`config` with more presets (`--preset`): their patterns join calls and overrides."""
    fresh = tuple(name for name in dict.fromkeys(names) if name not in config.presets)
    if not fresh:
        return config
    values = _with_presets({"presets": fresh, "calls": config.calls,
                            "overrides": config.overrides})
    return replace(config, presets=config.presets + fresh, calls=values["calls"],
                   overrides=values["overrides"])


MAX_COUNT = 10_000  # sprints or days: beyond this a date computed from it leaves the calendar


def _read_int(value: Any, section: _Section, minimum: int) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= MAX_COUNT:
        return value
    wanted = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_COUNT:
        wanted = f"at most {MAX_COUNT}"
    section.bad(f"must be {wanted}, got {describe(value)}")
    return None


def _read_positive(value: Any, section: _Section) -> int | None:
    return _read_int(value, section, 1)


def _read_count(value: Any, section: _Section) -> int | None:
    return _read_int(value, section, 0)


def _read_registry(value: Any, section: _Section) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    section.bad(f"must be a path to flags.toml, got {describe(value)}")
    return None


def _read_folder(value: Any, section: _Section) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    section.bad(f"must be a path to a folder, got {describe(value)}")
    return None


def _read_max_sprints(value: Any, section: _Section) -> dict[str, int | None] | None:
    if not isinstance(value, dict):
        section.bad(f"must be a table like {{ release = 4 }}, got {describe(value)}")
        return None
    merged = dict(DEFAULT_MAX_SPRINTS)
    for name, sprints in value.items():
        if name not in FLAG_TYPES:
            expected = ", ".join(FLAG_TYPES)
            section.bad(
                f"unknown flag type (expected {expected}){did_you_mean(name, FLAG_TYPES)}",
                name,
            )
        elif isinstance(sprints, int) and not isinstance(sprints, bool) and 0 < sprints <= MAX_COUNT:
            merged[name] = sprints
        else:
            huge = isinstance(sprints, int) and not isinstance(sprints, bool) and sprints > MAX_COUNT
            wanted = f"at most {MAX_COUNT}" if huge else "a positive integer"
            section.bad(f"must be {wanted}, got {describe(sprints)}", name)
    return merged


def _read_strings(value: Any, section: _Section, what: str) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        section.bad(f"must be a list of {what}, got {describe(value)}")
        return None
    good = True
    for number, entry in enumerate(value):
        if not isinstance(entry, str) or not entry.strip():
            section.bad(f"must be a non-empty string, got {describe(entry)}", number)
            good = False
    return tuple(value) if good else None


def _read_globs(value: Any, section: _Section) -> tuple[str, ...] | None:
    globs = _read_strings(value, section, "glob patterns")
    if globs is None:
        return None
    for number, glob in enumerate(globs):
        if SIMPLE_GLOB.fullmatch(glob):
            continue  # always valid; keeps pathspec out of the start-up
        from pathspec import GitIgnoreSpec

        try:
            GitIgnoreSpec.from_lines([glob])
        except ValueError as error:
            section.bad(f"invalid glob {glob!r}: {error}", number)
            globs = None
    return globs


def _read_codes(value: Any, section: _Section) -> tuple[str, ...] | None:
    codes = _read_strings(value, section, "rule code prefixes")
    if codes is None:
        return None
    for number, code in enumerate(codes):
        if not _CODE_PREFIX.fullmatch(code):
            section.bad(f"'{code}' is not a rule code prefix like FD001 or FD00", number)
            codes = None
    return codes


def _read_target(value: Any, section: _Section) -> Version | None:
    target = parse_target(value) if isinstance(value, str) else None
    if target is None:
        section.bad(f"{TARGET_HELP}, got {describe(value)}")
    return target


def _read_presets(value: Any, section: _Section) -> tuple[str, ...] | None:
    from flagdebt.presets import PRESETS

    names = _read_strings(value, section, "preset names")
    for number, name in enumerate(names or ()):
        if name not in PRESETS:
            known = ", ".join(PRESETS)
            section.bad(f"unknown preset '{name}' (known: {known}){did_you_mean(name, PRESETS)}",
                        number)
            names = None
    return names


def _read_objects(value: Any, section: _Section) -> tuple[CallPattern, ...] | None:
    entries = _read_strings(value, section, "flag-object patterns")
    patterns: list[CallPattern] = []
    for number, entry in enumerate(entries or ()):
        try:
            patterns.extend(parse_object_pattern(entry))
        except FlagdebtError as error:
            section.bad(str(error), number)
            entries = None
    return tuple(patterns) if entries is not None else None


def _read_calls(value: Any, section: _Section) -> tuple[CallPattern, ...] | None:
    if not isinstance(value, list) or not value:
        section.bad(f"must be a non-empty list of call patterns, got {describe(value)}")
        return None
    calls: list[CallPattern] = []
    for number, entry in enumerate(value):
        try:
            calls.append(_read_call(entry))
        except FlagdebtError as error:
            section.bad(str(error), number)
    return tuple(calls) if len(calls) == len(value) else None


def _read_call(entry: object) -> CallPattern:
    if isinstance(entry, str):
        return parse_call_pattern(entry)
    if isinstance(entry, dict):
        return parse_call_table(entry)
    raise FlagdebtError(f"must be a pattern string or a table with 'name', got {describe(entry)}")


_KEYS: dict[str, tuple[str, Reader]] = {
    "registry": ("registry", _read_registry),
    "sprint-days": ("sprint_days", _read_positive),
    "warn-after-sprints": ("warn_after_sprints", _read_count),
    "max-sprints": ("max_sprints", _read_max_sprints),
    "stalled-after-sprints": ("stalled_after_sprints", _read_positive),
    "calls": ("calls", _read_calls),
    "overrides": ("overrides", _read_calls),
    "fixtures": ("fixtures", _read_calls),
    "exclude": ("exclude", _read_globs),
    "extend-exclude": ("extend_exclude", _read_globs),
    "target-version": ("target_version", _read_target),
    "select": ("select", _read_codes),
    "ignore": ("ignore", _read_codes),
    "cache-dir": ("cache_dir", _read_folder),
    "presets": ("presets", _read_presets),
    "objects": ("objects", _read_objects),
    "extend-include": ("extend_include", _read_globs),
}


def _is_identifier(text: str) -> bool:
    return text.isidentifier() and not keyword.iskeyword(text)


def _dotted_name(text: str) -> tuple[str, ...] | None:
    parts = tuple(text.split("."))
    return parts if all(_is_identifier(part) for part in parts) else None


def parse_call_pattern(text: str) -> CallPattern:
    """`NAME[:ARG[:ON,OFF]]` -> CallPattern; ARG is a 0-based position or the keyword carrying
    the key; ON and OFF, the arguments holding what the call returns when the flag is on / off."""
    name_text, colon, rest = text.strip().partition(":")
    arg_text, outcome_colon, outcome_text = rest.partition(":")
    name = _dotted_name(name_text)
    arg = _call_arg(arg_text) if colon else 0
    outcomes = _outcomes(outcome_text.split(",")) if outcome_colon else None
    if name is None or arg is None or (outcome_colon and outcomes is None):
        raise FlagdebtError(f"invalid call pattern {text!r}: {CALL_PATTERN_HELP}")
    return CallPattern(name, arg, outcomes=outcomes)


def _outcomes(items: Sequence[object]) -> tuple[int | str, int | str] | None:
    """Two distinct arguments (positions or keyword names), or None."""
    found = [_call_arg(item.strip()) if isinstance(item, str) else
             item if isinstance(item, int) and not isinstance(item, bool) and item >= 0 else None
             for item in items]
    if len(found) != 2 or found[0] is None or found[1] is None or found[0] == found[1]:
        return None
    return found[0], found[1]


OBJECT_PATTERN_HELP = ("expected CONSTRUCTOR:ARG:METHOD[,METHOD...], "
                       "e.g. 'WaffleFlag:0:is_enabled'")


def parse_object_pattern(text: str) -> tuple[CallPattern, ...]:
    """`CONSTRUCTOR:ARG:METHOD[,METHOD]` -> one pattern per reading method of such objects."""
    fields = text.strip().split(":")
    constructor = _dotted_name(fields[0]) if fields else None
    arg = _call_arg(fields[1]) if len(fields) == 3 else None
    methods = [m.strip() for m in fields[2].split(",")] if len(fields) == 3 else []
    if constructor is None or arg is None or not methods \
            or not all(_is_identifier(m) for m in methods):
        raise FlagdebtError(f"invalid flag-object pattern {text!r}: {OBJECT_PATTERN_HELP}")
    return tuple(CallPattern((method,), arg, objects=(".".join(constructor),))
                 for method in methods)


def _call_arg(text: str) -> int | str | None:
    if text.isascii() and text.isdigit():
        return int(text)
    return text if _is_identifier(text) else None


def parse_call_table(table: Mapping[str, object]) -> CallPattern:
    """`{name = "...", arg = 1, keywords = [...]}` -> CallPattern; all problems in one error."""
    problems = [
        f"unknown key '{key}'{did_you_mean(key, _CALL_KEYS)}" for key in table if key not in _CALL_KEYS
    ]
    name = _table_name(table.get("name"), problems)
    arg = _table_arg(table.get("arg", 0), problems)
    keywords = _table_keywords(table.get("keywords", DEFAULT_KEYWORDS), problems)
    given = table.get("outcomes")
    outcomes = _outcomes(given) if isinstance(given, list) else None
    if given is not None and outcomes is None:
        problems.append("'outcomes' must list two different arguments (positions or keyword names) "
                        f"holding the values for on and off, got {_shown(given)}")
    if problems:
        raise FlagdebtError("; ".join(problems))
    return CallPattern(name, arg, keywords, outcomes)


def _table_name(value: object, problems: list[str]) -> tuple[str, ...]:
    name = _dotted_name(value) if isinstance(value, str) else None
    if name is None:
        problems.append(f"'name' must be a dotted name like 'waffle.flag_is_active', got {_shown(value)}")
    return name or ()


def _table_arg(value: object, problems: list[str]) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _is_identifier(value):
        return value
    problems.append(f"'arg' must be a position (integer >= 0) or a keyword name, got {_shown(value)}")
    return 0


def _table_keywords(value: object, problems: list[str]) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)) and all(isinstance(k, str) and _is_identifier(k) for k in value):
        return tuple(value)
    problems.append(f"'keywords' must be a list of keyword names, got {_shown(value)}")
    return ()


def _shown(value: object) -> str:
    return "nothing" if value is None else describe(value)
