"""`flagdebt init`: a starter flags.toml and [tool.flagdebt] (or flagdebt.toml) for a project
that already reads flags."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from flagdebt.config import DEFAULT_MAX_SPRINTS, OWN_FILE, Config, load_config, with_presets
from flagdebt.fileio import new_file_beside
from flagdebt.files import discover
from flagdebt.model import FLAG_TYPES, CallPattern, CallSite, Finding, FlagdebtError
from flagdebt.paths import display_path
from flagdebt.registry import read_toml
from flagdebt.sources import SourceFlag, SourceInput

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SHOWN_READS = 3
TYPES = ", ".join(FLAG_TYPES[:-1]) + f" or {FLAG_TYPES[-1]}"

REGISTRY_HEADER = f"""\
# The feature-flag registry that `flagdebt check` reads, written by `flagdebt init`
# from the flag reads found in the code. Review every entry: correct its type
# ({TYPES}), then add owner and created. Until then
# `flagdebt check` reports FD005 (incomplete-flag). Record the day a flag is fully
# rolled out (rolled_out = 2026-09-01) or rolled back (rolled_back = ...).
"""

EXAMPLE = """
# No flag reads were found. Register each flag like this:
#
# [flags.new-checkout]
# type = "release"
# owner = "payments"
# created = 2026-06-01
"""


@dataclass
class Found:
    """A project's flag reads, grouped the way the registry lists them."""

    keys: dict[str, list[CallSite]] = field(default_factory=dict)
    unresolved: dict[str, list[CallSite]] = field(default_factory=dict)
    dynamic: list[CallSite] = field(default_factory=list)


def group_sites(sites: Iterable[CallSite]) -> Found:
    """Sort reads into string keys, names that did not resolve, and runtime values."""
    found = Found()
    for site in sorted(sites):
        if site.dynamic:
            found.dynamic.append(site)
        elif site.key is None:
            found.unresolved.setdefault(site.spelling, []).append(site)
        else:
            found.keys.setdefault(site.key, []).append(site)
    return found


def toml_key(key: str) -> str:
    """A TOML key: bare when it can be, else a quoted basic string."""
    if _BARE_KEY.fullmatch(key):
        return key
    return json.dumps(key, ensure_ascii=False).replace("\x7f", "\\u007f")


def _comment(text: str) -> str:
    """Text safe inside a `#` comment: one line, no control characters."""
    return "".join(char if char.isprintable() else " " for char in text)


def _where(site: CallSite) -> str:
    return f"{site.path}:{site.line}" + (f" ({site.scope})" if site.scope else "")


def _reads(sites: Sequence[CallSite]) -> str:
    shown = ", ".join(_where(site) for site in sites[:_SHOWN_READS])
    more = len(sites) - _SHOWN_READS
    return shown + (f" and {more} more" if more > 0 else "")


def render_entry(key: str, sites: Sequence[CallSite], known: SourceFlag | None = None) -> str:
    """One `[flags.KEY]` table: what a source knows, placeholders for what a reviewer must fix."""
    values = known.values() if known is not None else {}
    kind = values.pop("type", None)
    lines = [f"\n[flags.{toml_key(key)}]",
             f'type = "{kind}"' if kind else f'type = "release"  # TODO: review ({TYPES})']
    lines += [f"{name} = {_toml_value(value)}" for name, value in values.items()]
    todo = [name for name in ("owner", "created") if name not in values]
    if todo:
        lines.append(f"# TODO: {', '.join(todo)}")
    where = f"read at {_reads(sites)}" if sites else "not read in the code"
    lines.append(f"# {_comment(where)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    import tomlkit

    return tomlkit.item(value).as_string()


def render_unresolved(unresolved: dict[str, list[CallSite]]) -> str:
    """Comments for keys written as names that did not resolve to a string."""
    if not unresolved:
        return ""
    lines = [
        "\n# Keys written as names flagdebt could not resolve to a string. Register each",
        '# under its real key with the name as an alias, e.g. aliases = ["Feature.NAME"]:',
    ]
    for spelling, sites in sorted(unresolved.items()):
        lines.append(f"#   {_comment(spelling)}, read at {_comment(_reads(sites))}")
    return "\n".join(lines) + "\n"


def render_dynamic(dynamic: Sequence[CallSite]) -> str:
    """Comments for reads whose key is a runtime value (FD006)."""
    if not dynamic:
        return ""
    lines = [
        "\n# Reads whose key is a runtime value (FD006); register their flags by hand:"
    ]
    for site in dynamic:
        read = f"{site.callee}(...): no {site.missing_argument}" if site.missing_argument \
            else f"{site.callee}({site.spelling})"
        lines.append(f"#   {_comment(_where(site))}: {_comment(read)}")
    return "\n".join(lines) + "\n"


def render_registry(found: Found, known: Mapping[str, SourceFlag] | None = None) -> str:
    """The starter flags.toml: keys sorted, then unresolved names and dynamic reads as comments.

    `known` holds what a source (`init --from`) knows about keys, read in the code or not.
    """
    known = known or {}
    every = sorted(set(found.keys) | set(known))
    keys = [key for key in every if _writable_key(key)]
    entries = "".join(render_entry(key, found.keys.get(key, []), known.get(key)) for key in keys)
    example = "" if keys else EXAMPLE
    unwritable = "".join(f"# not a valid TOML key, left out: {ascii(key)}\n"
                         for key in every if not _writable_key(key))
    return (
        REGISTRY_HEADER
        + entries
        + unwritable
        + example
        + render_unresolved(found.unresolved)
        + render_dynamic(found.dynamic)
    )


def _writable_key(key: str) -> bool:
    """TOML keys are Unicode text: a lone surrogate (from a `"\\ud800"` escape) cannot be one."""
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def render_config(calls: Sequence[CallPattern], presets: Sequence[str] = (),
                  header: str = "[tool.flagdebt]\n") -> str:
    """The [tool.flagdebt] table (`header` "" for flagdebt.toml): the presets and call
    patterns init scanned with, other defaults shown."""
    spelled = ", ".join(json.dumps(pattern.spelled) for pattern in calls)
    chosen = ", ".join(json.dumps(name) for name in presets)
    preset_line = f"presets = [{chosen}]  # found in the dependencies or imports\n" if presets else ""
    lifetimes = ", ".join(
        f"{name} = {sprints}"
        for name, sprints in DEFAULT_MAX_SPRINTS.items()
        if sprints is not None
    )
    return (
        f"{header}"
        "# Written by `flagdebt init`; the registry is flags.toml next to this file.\n"
        f"{preset_line}"
        f"calls = [{spelled}]\n"
        f"# sprint-days = {Config(Path()).sprint_days}\n"
        f"# max-sprints = {{ {lifetimes} }}\n"
    )


def appended(text: str, snippet: str) -> str:
    """What to add to the end of `text` so that `snippet` follows it after a blank line."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lead = (
        "" if not text.strip() else ("" if text.endswith("\n") else newline) + newline
    )
    return lead + snippet.replace("\n", newline)


@dataclass(frozen=True)
class Plan:
    """What init will write, decided before anything is written."""

    config: Config
    calls: tuple[CallPattern, ...]
    pyproject: Path
    has_table: bool
    addition: str | None
    presets: tuple[str, ...] = ()
    update: str | None = None  # the whole new pyproject text when an existing table gains entries
    create: str | None = None  # the text of a new flagdebt.toml (a project without pyproject.toml)


def plan(root: Path, extra_calls: Sequence[CallPattern], cwd: Path,
         presets: Sequence[str] = ()) -> Plan:
    """Read the project's pyproject.toml and decide where the registry and config go.

    A new table gets the presets of the SDKs the project depends on (and `presets`); an
    existing one gains `extra_calls` and `presets`, written back style-preserving.
    """
    if not root.is_dir():
        raise FlagdebtError(f"{display_path(root, cwd)}: not a folder")
    own, pyproject = root / OWN_FILE, root / "pyproject.toml"
    if own.is_file() or not pyproject.is_file():
        return _plan_own(own, extra_calls, cwd, presets)
    text, data = _read_pyproject(pyproject, display_path(pyproject, cwd))
    tool = data.get("tool")
    has_table = isinstance(tool, dict) and "flagdebt" in tool
    config = load_config(cwd, pyproject) if has_table else Config(root=root)
    calls = config.calls + tuple(p for p in extra_calls if p not in config.calls)
    chosen = _chosen(config, has_table, presets)
    addition = (
        None if has_table or text is None else appended(text, render_config(calls, chosen))
    )
    if addition is not None and text is not None and not _adds_table(text + addition):
        addition = None
    fresh = [p for p in extra_calls if p not in config.calls]
    update = None
    if has_table and text is not None and (fresh or set(chosen) - set(config.presets)):
        table = tool.get("flagdebt") if isinstance(tool, dict) else None
        update = updated_table(text, fresh, chosen, isinstance(table, dict) and "calls" in table)
    config = with_presets(replace(config, calls=calls), chosen)
    return Plan(config, config.calls, pyproject, has_table, addition, chosen, update)


def _plan_own(own: Path, extra_calls: Sequence[CallPattern], cwd: Path,
              presets: Sequence[str]) -> Plan:
    """The plan with flagdebt.toml: a new one for a project without pyproject.toml (creating
    pyproject.toml would change how pip builds a setup.py project), or the existing one."""
    exists = own.is_file()
    config = load_config(cwd, own) if exists else Config(root=own.parent)
    calls = config.calls + tuple(p for p in extra_calls if p not in config.calls)
    chosen = _chosen(config, exists, presets)
    fresh = [p for p in extra_calls if p not in config.calls]
    update = create = None
    if exists and (fresh or set(chosen) - set(config.presets)):
        text, data = read_toml(own, display_path(own, cwd), OWN_FILE)
        update = updated_table(text, fresh, chosen, "calls" in data, within=())
    elif not exists:
        create = render_config(_own_calls(calls, chosen), chosen, header="")
    config = with_presets(replace(config, calls=calls), chosen)
    return Plan(config, config.calls, own, exists, None, chosen, update, create)


def _own_calls(calls: Sequence[CallPattern], presets: tuple[str, ...]) -> list[CallPattern]:
    """The call patterns the config must list itself: those no preset brings."""
    from flagdebt.presets import preset_calls

    added = set(preset_calls(presets))
    return [pattern for pattern in calls if pattern not in added]


def _chosen(config: Config, has_table: bool, presets: Sequence[str]) -> tuple[str, ...]:
    """The presets to add: those asked for, and for a new table those the project's
    dependencies and imports show."""
    chosen = tuple(dict.fromkeys(presets))
    if has_table:
        return chosen
    from flagdebt.detect import detect_presets

    files = discover((config.root,), config.root, config.excludes)
    return tuple(dict.fromkeys((*detect_presets(config.root, files), *chosen)))


def updated_table(text: str, calls: Sequence[CallPattern], presets: Sequence[str],
                  has_calls: bool, within: tuple[str, ...] = ("tool", "flagdebt")) -> str:
    """`text` with the calls and presets added to its [tool.flagdebt] (`within` () for
    flagdebt.toml's top level); tomlkit keeps the rest."""
    import tomlkit

    document = tomlkit.parse(text)
    table: Any = document
    for part in within:
        table = table[part]
    if calls:
        if not has_calls:  # the table relied on the default calls: keep them
            from flagdebt.config import DEFAULT_CALLS

            table["calls"] = [pattern.spelled for pattern in DEFAULT_CALLS]
        table["calls"].extend(pattern.spelled for pattern in calls)
    new = [name for name in presets if name not in table.get("presets", [])]
    if new:
        if "presets" not in table:
            table["presets"] = []
        table["presets"].extend(new)
    return tomlkit.dumps(document)


def _read_pyproject(path: Path, shown: str) -> tuple[str | None, dict[str, object]]:
    if not path.is_file():
        return None, {}
    return read_toml(path, shown, "pyproject.toml")


def _adds_table(text: str) -> bool:
    """True when `text` is valid TOML with a [tool.flagdebt] table (it may not be: `tool = {}`)."""
    try:
        tool = tomllib.loads(text.removeprefix("\ufeff")).get("tool")
    except tomllib.TOMLDecodeError:
        return False
    return isinstance(tool, dict) and isinstance(tool.get("flagdebt"), dict)


def scan_project(
    config: Config, calls: tuple[CallPattern, ...]
) -> tuple[Found, list[Finding]]:
    """The project's flag reads, and the files that could not be parsed."""
    from flagdebt.check import project_index
    from flagdebt.scanner import scan_paths

    files = discover((config.root,), config.root, config.excludes)
    displays = [display_path(path, config.root) for path in files]
    scan = scan_paths(files, displays, calls, project_index(config), target=config.target_version)
    return group_sites(scan.sites), scan.errors


def write_new(path: Path, text: str, shown: str, what: str = "registry") -> None:
    """Create `path` with `text`, all or nothing; never overwrite.

    The text is encoded first and written to a temporary file that is then linked into
    place, so a failure at any point leaves no empty or partial flags.toml behind.
    """
    try:
        temp = new_file_beside(path, text.encode("utf-8", "backslashreplace"))
    except OSError as error:
        raise FlagdebtError(f"{shown}: cannot write {what}: {error.strerror}") from None
    try:
        os.link(temp, path)  # fails if path exists: never overwrite
    except FileExistsError:
        raise FlagdebtError(_exists(shown)) from None
    except OSError as error:
        raise FlagdebtError(f"{shown}: cannot write {what}: {error.strerror}") from None
    finally:
        Path(temp).unlink(missing_ok=True)


def append_text(path: Path, text: str, shown: str) -> None:
    """Add `text` to the end of `path`, leaving every existing byte as it was."""
    try:
        with path.open("a", encoding="utf-8", newline="") as stream:
            stream.write(text)
    except OSError as error:
        raise FlagdebtError(
            f"{shown}: cannot add [tool.flagdebt]: {error.strerror}"
        ) from None


def replace_text(path: Path, text: str, shown: str) -> None:
    """Write `text` over `path` atomically (a temporary file renamed over it)."""
    import os
    import tempfile

    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temp, path)
    except OSError as error:
        Path(temp).unlink(missing_ok=True)
        raise FlagdebtError(f"{shown}: cannot update [tool.flagdebt]: {error.strerror}") from None


def _exists(shown: str) -> str:
    return f"{shown}: already exists; flagdebt init does not overwrite it"


def init_project(
    root: Path, extra_calls: Sequence[CallPattern] = (), cwd: Path | None = None,
    source: SourceInput | None = None,
    presets: Sequence[str] = (),
) -> list[str]:
    """Write flags.toml and [tool.flagdebt] for the project in `root`; return what to print."""
    here = (cwd or Path.cwd()).resolve()
    decided = plan((here / root).resolve(), extra_calls, here, presets)
    registry = decided.config.registry_path
    shown_pyproject = display_path(decided.pyproject, here)
    if decided.update is not None:
        replace_text(decided.pyproject, decided.update, shown_pyproject)
        if registry.exists():
            where = "" if decided.pyproject.name == OWN_FILE else "[tool.flagdebt] in "
            return [f"Added to {where}{shown_pyproject}; "
                    f"{display_path(registry, here)} already exists, left as it was."]
    if registry.exists():
        raise FlagdebtError(_exists(display_path(registry, here)))
    found, errors = scan_project(decided.config, decided.calls)
    known = _from_source(source, decided)
    write_new(registry, render_registry(found, known), display_path(registry, here))
    if decided.addition is not None:
        append_text(
            decided.pyproject, decided.addition, display_path(decided.pyproject, here)
        )
    if decided.create is not None:
        write_new(decided.pyproject, decided.create, shown_pyproject, "config")
    return (
        _registry_report(found, display_path(registry, here))
        + _source_report(source, known, found)
        + [f"{e.path}:{e.line}: {e.message}" for e in errors]
        + _config_report(decided, display_path(decided.pyproject, here))
    )


def _from_source(source: SourceInput | None, decided: Plan) -> dict[str, SourceFlag]:
    """What `init --from SOURCE` knows, by key (the git source looks at this project)."""
    if source is None:
        return {}
    from dataclasses import replace

    from flagdebt.sources import SOURCES

    config = replace(decided.config, calls=decided.calls)
    given = replace(source, root=decided.config.root, config=config)
    return {record.key: record for record in SOURCES[source.source].read(given)}


def _source_report(source: SourceInput | None, known: Mapping[str, SourceFlag],
                   found: Found) -> list[str]:
    if source is None:
        return []
    unread = sum(1 for key in known if key not in found.keys)
    return [f"Filled {len(known)} flag{'' if len(known) == 1 else 's'} from {source.source}"
            + (f" ({unread} not read in the code)." if unread else ".")]


def _registry_report(found: Found, shown: str) -> list[str]:
    count = len(found.keys)
    lines = [
        f"Wrote {shown} with {count} flag{'' if count == 1 else 's'} found in the code."
    ]
    skipped = sum(map(len, found.unresolved.values())) + len(found.dynamic)
    if skipped:
        lines.append(
            f"{skipped} read{'' if skipped == 1 else 's'} without a string key: see the "
            f"comments at the end of {shown} and register those flags by hand."
        )
    if count:
        lines.append(
            "Review each entry: correct its type, add owner and created "
            "(`flagdebt check` reports FD005 until then)."
        )
    return lines


def _config_report(decided: Plan, shown: str) -> list[str]:
    own = decided.pyproject.name == OWN_FILE
    found = f" with presets {', '.join(decided.presets)}" if decided.presets else ""
    if decided.update is not None:
        return [f"Added to {shown}." if own else f"Added to [tool.flagdebt] in {shown}."]
    if decided.has_table:
        return [f"{shown} already holds the config; left it unchanged." if own
                else f"{shown} already has [tool.flagdebt]; left it unchanged."]
    if decided.create is not None:
        return [f"Wrote the config to {shown}{found} (not to a new pyproject.toml, which "
                "would change how pip builds the project)."]
    if decided.addition is not None:
        return [f"Added [tool.flagdebt]{found} to {shown}."]
    why = (
        "could not add [tool.flagdebt] to it safely"
        if decided.pyproject.exists()
        else "does not exist"
    )
    snippet = render_config(_own_calls(decided.calls, decided.presets), decided.presets).rstrip("\n")
    return [f"{shown} {why}; add this to your project's pyproject.toml:", "", snippet]
