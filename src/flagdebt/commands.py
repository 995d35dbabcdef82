"""The commands other than `check`: loaded when one of them runs or `--help` lists them,
so that a pre-commit `check` does not build their options (see `cli._Group`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from flagdebt.cli import CALL, CONFIG, IMPORT_TODAY, PATHS, PRESET, REGISTRY, TODAY, _SourceChoice, cli
from flagdebt.config import Config, load_config, parse_call_pattern
from flagdebt.files import PYTHON_SUFFIXES, discover_text, split_files
from flagdebt.model import CallSite, FlagdebtError, Registry
from flagdebt.paths import display_path, display_paths
from flagdebt.printable import printable
from flagdebt.registry import did_you_mean
from flagdebt.steps import configure, emit, load_flags, one_project, preset_names, suffixes

if TYPE_CHECKING:
    from flagdebt.archive import ArchivePlan
    from flagdebt.removal import Change, Removal
    from flagdebt.textfiles import OutsidePython
    from flagdebt.writing import Written


@cli.command()
@CONFIG
def clean(config_path: Path | None) -> None:
    """Remove the result cache of the project (.flagdebt_cache or the configured cache-dir)."""
    from flagdebt.cache import cache_folder, clean_cache

    folder = cache_folder(load_config(Path.cwd(), config_path))
    shown = display_path(folder, Path.cwd())
    removed = clean_cache(folder)
    if folder in removed:
        click.echo(f"Removed {shown}.")
    elif removed:
        click.echo(f"Removed {len(removed)} cache file(s); {shown} also holds other files.")
    else:
        click.echo(f"No cache in {shown}.")


@cli.command()
@click.argument("code", required=False)
def explain(code: str | None) -> None:
    """Print a rule's documentation (FD001 or expired-flag); without CODE, list the rules."""
    from flagdebt.rules import RULES, rule_doc

    if code is None:
        for rule in RULES:
            click.echo(f"{rule.code}  {rule.name:<20} {rule.severity}")
        return
    wanted = code.strip()
    for rule in RULES:
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            click.echo(f"# {rule.code} {rule.name} ({rule.severity})\n\n{rule_doc(rule)}")
            return
    raise FlagdebtError(f"unknown rule '{code}' (run `flagdebt explain` for the list)")


@cli.command()
@click.argument("args", nargs=-1, metavar="[FILE] [PATH]")
@CALL
@click.option("--from", "source", type=_SourceChoice(),
              help="Fill entries from this source; file sources take FILE before PATH.")
@IMPORT_TODAY
@PRESET
def init(args: tuple[str, ...], calls: tuple[str, ...], source: str | None,
         today: date | None, presets: tuple[str, ...]) -> None:
    """Write a starter flags.toml and [tool.flagdebt] for the project in PATH (default: .)."""
    from flagdebt.init import init_project
    from flagdebt.sources import SOURCES, SourceInput

    takes_file = source is not None and SOURCES[source].reads != "tree"
    if takes_file and not args:
        raise click.UsageError(f"--from {source} needs the exported FILE")
    location, rest = (args[0], args[1:]) if takes_file else (None, args)
    if len(rest) > 1:
        raise click.UsageError(f"got unexpected extra argument ({rest[1]})")
    given = None if source is None else SourceInput(source, today or date.today(), location,
                                                    environ=dict(os.environ))
    extra = tuple(parse_call_pattern(text) for text in calls)
    for line in init_project(Path(rest[0] if rest else "."), extra, source=given,
                             presets=preset_names(presets)):
        click.echo(line)


@cli.command("report")
@PATHS
@click.option("--owner", help="Only the flags of this owner ('(no owner)': flags without one).")
@click.option("--format", "fmt", type=click.Choice(("html", "json", "markdown", "text")),
              default="text", show_default=True)
@TODAY
@REGISTRY
@CONFIG
@CALL
@PRESET
@click.option("--output", type=click.Path(path_type=Path), help="Write the report to this file.")
def owner_report(paths: tuple[Path, ...], owner: str | None, fmt: str, today: date | None,
                 registry: Path | None, config_path: Path | None, calls: tuple[str, ...],
                 presets: tuple[str, ...], output: Path | None) -> None:
    """Every flag by owner: state, age, deadline, call sites and the command that removes it."""
    from flagdebt.check import project_index
    from flagdebt.owners import RemoveCommand, build_owner_report
    from flagdebt.report.owners import owner_renderer
    from flagdebt.scanner import scan_paths

    config = configure(one_project(config_path, paths, "report"), registry, calls, presets=presets)
    flags = load_flags(config, today)
    cwd = Path.cwd()
    every = discover_text(paths or (config.root,), config.root, config.excludes,
                          suffixes(config, docs=True))
    files, displays, others = _split(every, display_paths(every, cwd))
    scan = scan_paths(files, displays, config.calls, project_index(config),
                      target=config.target_version)
    mentions = _add_outside_python(config, flags, scan, others)
    typed = (("--config", config_path), ("--registry", registry), *(("--call", c) for c in calls),
             *(("--preset", p) for p in presets))
    how = RemoveCommand(tuple(str(part) for pair in typed if pair[1] for part in pair))
    data = build_owner_report(flags, scan.sites, config, today or date.today(), owner, how,
                              [error.path for error in scan.errors], mentions)
    emit(owner_renderer(fmt)(data), output)


VALUES = {"on": True, "true": True, "off": False, "false": False}


def _optional_registry(config: Config, required: bool, today: date | None) -> Registry | None:
    if not required and not config.registry_path.exists():
        return None
    return load_flags(config, today)


def _targets(key: str, registry: Registry | None, value: str | None,
             from_code: Callable[[], str | None]) -> tuple[dict[str, bool], dict[str, tuple[str, ...]], str]:
    flag = registry.lookup(key) if registry else None
    if flag is None and registry is not None:
        found = from_code()  # a code spelling the registry does not list, like Feature.X
        flag = registry.lookup(found) if found else None
    name = flag.key if flag else key
    spellings = tuple(dict.fromkeys((*(flag.aliases if flag else ()), key)))
    if value is not None:
        return {name: VALUES[value.lower()]}, {name: spellings}, name
    if flag is None:
        raise FlagdebtError(f"flag '{key}' is not in the registry: give its value with --value on|off")
    final = flag.final_value
    if final is None:
        raise FlagdebtError(f"{registry.path if registry else 'flags.toml'}:{flag.line}: flag "
                            f"'{flag.key}': neither rolled_out nor rolled_back is set: "
                            "give its value with --value on|off")
    return {name: final}, {name: spellings}, name


DIFF = click.option("--diff", is_flag=True, help="Print a unified diff and write nothing.")
PARTIAL = click.option("--partial", is_flag=True,
                       help="Rewrite the reads that can be, even when others of the flag cannot.")


@cli.command()
@click.argument("key")
@PATHS
@click.option("--value", type=click.Choice(sorted(VALUES), case_sensitive=False),
              help="The flag's final value (default: from the registry).")
@CALL
@PRESET
@DIFF
@PARTIAL
@click.option("--archive", is_flag=True, help="Set archived = <today> on the flag in flags.toml.")
@TODAY
@REGISTRY
@CONFIG
@click.pass_context
def remove(ctx: click.Context, key: str, paths: tuple[Path, ...], value: str | None,
           calls: tuple[str, ...], presets: tuple[str, ...], diff: bool, partial: bool,
           archive: bool, today: date | None, registry: Path | None,
           config_path: Path | None) -> None:
    """Remove flag KEY (registry key or code spelling) from the code, keeping its live branch.

    All or nothing: when a read of the flag cannot be rewritten, nothing is written and
    each such read is listed (exit 1), unless --partial.
    """
    config = configure(one_project(config_path, paths, "remove"), registry, calls, presets=presets)
    flags = _optional_registry(config, required=value is None or archive, today=today)
    work = _Work(config, paths)
    values, aliases, name = _targets(key, flags, value, lambda: work.key_of_spelling(key))
    run = _Run(diff, partial, [name] if archive else [], today)
    code = _apply(work, values, aliases, run)
    if code is None and archive:  # the code is gone already: only the registry entry is left
        click.echo(f"No read of '{key}' left in {work.where()}.")
        _archive(config, [name], today or date.today(), click.echo)
        code = 0
    elif code is None:
        near = [known for known in work.known_names(flags) if known not in (key, name)]
        click.echo(printable(f"flagdebt: no read of '{key}' found in {work.where()}"
                             f"{did_you_mean(key, near, n=3)}"), err=True)
        code = 1
    ctx.exit(code)


@cli.command()
@PATHS
@click.option("--only-expired", is_flag=True, help="Only flags past their removal deadline.")
@DIFF
@PARTIAL
@click.option("--archive", is_flag=True, help="Set archived = <today> on each removed flag.")
@CALL
@PRESET
@TODAY
@REGISTRY
@CONFIG
@click.pass_context
def fix(ctx: click.Context, paths: tuple[Path, ...], only_expired: bool, diff: bool, partial: bool,
        archive: bool, calls: tuple[str, ...], presets: tuple[str, ...], today: date | None,
        registry: Path | None, config_path: Path | None) -> None:
    """Remove every flag whose final value the registry knows, in one pass.

    All or nothing per flag: a flag with a read that cannot be rewritten is left whole.
    """
    from flagdebt.rules import is_expired

    config = configure(one_project(config_path, paths, "fix"), registry, calls, presets=presets)
    flags = load_flags(config, today)
    day = today or date.today()
    chosen = [flag for flag in flags.flags.values() if flag.final_value is not None
              and (not only_expired or is_expired(flag, config, day))]
    values = {flag.key: bool(flag.final_value) for flag in chosen}
    aliases = {flag.key: flag.aliases for flag in chosen}
    if not values:
        click.echo("No expired flag to remove." if only_expired
                   else "No flag has a final value to remove.")
        ctx.exit(0)
    run = _Run(diff, partial, list(values) if archive else [], today)
    code = _apply(_Work(config, paths), values, aliases, run)
    if code is None:
        click.echo(f"No read of {_names(list(values))} found.")
        code = 0
    ctx.exit(code)


class _Work:
    """The files a removal runs on, found once; and the keys their code reads, scanned on demand."""

    def __init__(self, config: Config, paths: Sequence[Path]) -> None:
        self.config = config
        self.paths = paths
        every = discover_text(paths or (config.root,), config.root, config.excludes,
                              suffixes(config, docs=True))
        self.files, self.displays, self.others = _split(every, display_paths(every, Path.cwd()))
        self._sites: list[CallSite] | None = None

    def outside(self, aliases: dict[str, tuple[str, ...]]) -> OutsidePython | None:
        """Templates, scripts and docs of this run (None when there are none)."""
        if not self.others:
            return None
        from flagdebt.textfiles import OutsidePython

        return OutsidePython(self.config, self.others, aliases)

    def where(self) -> str:
        return ", ".join(str(path) for path in self.paths) if self.paths else "the project"

    def sites(self) -> list[CallSite]:
        if self._sites is None:
            from flagdebt.check import project_index
            from flagdebt.scanner import scan_paths

            scan = scan_paths(self.files, self.displays, self.config.calls,
                              project_index(self.config),
                              target=self.config.target_version)
            self._sites = scan.sites
        return self._sites

    def key_of_spelling(self, spelling: str) -> str | None:
        """The key the code reads where it spells it `spelling`, when that is one key."""
        keys = {site.key for site in self.sites() if site.spelling == spelling and site.key}
        return keys.pop() if len(keys) == 1 else None

    def known_names(self, registry: Registry | None) -> list[str]:
        names = [name for flag in (registry.flags.values() if registry else ())
                 for name in (flag.key, *flag.aliases)]
        return names + [name for site in self.sites() for name in site.names if not site.dynamic]


@dataclass(frozen=True)
class _Run:
    diff: bool
    partial: bool
    archive: list[str]
    today: date | None


def _apply(work: _Work, values: dict[str, bool], aliases: dict[str, tuple[str, ...]],
           run: _Run) -> int | None:
    """Remove the flags and report; None when no read of any of them was found."""
    from flagdebt.check import project_index
    from flagdebt.interrupts import raise_pending
    from flagdebt.removal import plan_removal

    config = work.config
    day = run.today or date.today()
    plan = _plan_archive(config, run.archive, day) if run.archive and not run.diff else None
    outside = work.outside(aliases)
    try:
        removal = plan_removal(work.files, work.displays, values, aliases, config.calls,
                               project_index(config), config.overrides, config.fixtures,
                               partial=run.partial,
                               root=config.root, registry=config.registry_path,
                               outside=outside.blockers if outside else None)
        if outside is not None:
            _add_outside(removal, outside, values, run.partial)
        raise_pending()
    except KeyboardInterrupt:
        click.echo("flagdebt: interrupted before writing; no file was changed.", err=True)
        return 130
    if not removal.found and not removal.removed and not removal.failures:
        return None  # at most a definition left: not worth a run

    def say(text: str) -> None:  # a key or file name could hold ESC or a newline
        click.echo(printable(text), err=run.diff)

    done = _write(removal, run.diff, config.root)
    problems = _report_blockers(removal, run.partial, say)
    written = removal.changes if run.diff else done.written
    removed = sum(change.removed for change in written)
    read = [key for key in values if removal.found[key] and key not in removal.blocked]
    if read or written:
        verb = "Would remove" if run.diff else "Removed"
        say(f"{verb} {removed} call site{'s' if removed != 1 else ''} of "
            f"{_names(read or list(values))} in {len(written)} "
            f"file{'s' if len(written) != 1 else ''}.")
    for mention in outside.mentions(values) if outside else ():
        say(f"'{mention.key}' still mentioned in {mention.path}:{mention.line}")
    if done.interrupted:
        _say_interrupted(done.written, len(removal.changes))
        return 130
    if plan is not None and not problems:
        _write_archive(config, plan, say)
    elif plan is not None:
        say(f"Not archived in {display_path(config.registry_path, Path.cwd())}: "
            "some reads were not removed.")
    if run.diff:
        return 1 if removal.changes or problems else 0
    return 1 if problems else 0


def _add_outside(removal: Removal, outside: OutsidePython, values: dict[str, bool],
                 partial: bool) -> None:
    """Add the template rewrites of the flags being removed, and the reads found outside Python."""
    every = outside.plan(values)
    live = values if partial else {k: v for k, v in values.items() if k not in removal.blocked}
    removal.changes.extend((every if live == values else outside.plan(live)).changes)
    removal.found.update(every.found)


def _write(removal: Removal, diff: bool, root: Path) -> Written:
    """Print the diffs, or write the files (see `writing.write_changes`)."""
    from flagdebt.removal import unified_diff
    from flagdebt.writing import Written, write_changes

    if diff:
        for change in removal.changes:
            click.echo(unified_diff(change), nl=False)
        return Written()
    done = write_changes(removal.changes, root)
    removal.failures.extend(done.failures)
    return done


def _say_interrupted(written: Sequence[Change], planned: int) -> None:
    left = planned - len(written)
    click.echo(f"flagdebt: interrupted: {len(written)} of {planned} files written, "
               f"{left} left unchanged.", err=True)
    for change in written:
        click.echo(f"written: {printable(change.source.display)}", err=True)


def _report_blockers(removal: Removal, partial: bool, say: Callable[[str], object]) -> bool:
    """Print what blocked which flag, and what else went wrong; True when anything did."""
    for blocker in removal.blockers:
        say(f"{blocker.path}:{blocker.line}:{blocker.col}: cannot remove '{blocker.key}': "
            f"{blocker.reason}")
    for display, skip in removal.notes:
        say(f"{display}:{skip.line}:{skip.col}: note: {skip.reason}")
    shown = {blocker.path for blocker in removal.blockers}
    for display, reason in removal.failures:
        if display not in shown:
            say(f"{display}: not rewritten: {reason}")
    for kept in removal.kept:
        say(kept)
    for test, why in removal.tests:
        say(f"{test}: test deleted: {why}")
    for display, skip in removal.undecided:
        say(f"{display}:{skip.line}:{skip.col}: test left as it is: {skip.reason}")
    blocked = sorted(removal.blocked)
    if blocked and not partial:
        say(f"Nothing written for {_names(blocked)}: {len(removal.blockers)} "
            f"read{'s' if len(removal.blockers) != 1 else ''} cannot be rewritten (listed above); "
            "rewrite them by hand, or run again with --partial.")
    elif blocked:
        say(f"Test files still read {_names(blocked)}: left as they are while production "
            "code keeps a read.")
    return bool(removal.blockers or removal.failures or removal.undecided)


def _split(files: list[str], displays: list[str]) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Python files and their displays, and the other files as (path, display) pairs."""
    if all(path.endswith(PYTHON_SUFFIXES) for path in files):
        return files, displays, []

    return split_files(files, displays)


def _add_outside_python(config: Config, registry: Registry, scan: Any,
                        others: Sequence[tuple[str, str]]) -> list[Any]:
    """Add template and script reads to `scan`; return the docs mentions of registry flags."""
    if not others:
        return []
    from flagdebt.textfiles import find_mentions, scan_texts, text_forms

    forms = text_forms(config)
    sites, count = scan_texts(others, forms)
    scan.sites = sorted([*scan.sites, *sites])
    scan.files_scanned += count
    spellings = {s: flag.key for flag in registry.flags.values() for s in (flag.key, *flag.aliases)}
    return [(m.key, m.path, m.line) for m in find_mentions(others, spellings, forms)]


def _names(keys: list[str]) -> str:
    """`'a', 'b'` for a few flags, `12 flags` for many."""
    return ", ".join(repr(key) for key in keys) if len(keys) <= 3 else f"{len(keys)} flags"


def _plan_archive(config: Config, keys: list[str], day: date) -> ArchivePlan:
    from flagdebt.archive import plan_archive

    return plan_archive(config.registry_path, keys, day,
                        display_path(config.registry_path, Path.cwd()))


def _write_archive(config: Config, plan: ArchivePlan, say: Callable[[str], object]) -> None:
    from flagdebt.archive import write_archive

    shown = display_path(config.registry_path, Path.cwd())
    write_archive(plan, shown)
    for key in plan.keys:
        say(f"Archived '{key}' in {shown} ({plan.day.isoformat()}).")


def _archive(config: Config, keys: list[str], day: date, say: Callable[[str], object]) -> None:
    _write_archive(config, _plan_archive(config, keys, day), say)


@cli.group("registry")
def registry_group() -> None:
    """Fill flags.toml from where flags already live, and keep it in step."""


def _source_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = (
        click.argument("location", required=False, metavar="[FILE_OR_URL]"),
        click.option("--from", "source", required=True, type=_SourceChoice(),
                     help="Where the flags live."),
        click.option("--url", help="Unleash server URL (token from UNLEASH_API_TOKEN)."),
        click.option("--project", default="default", show_default=True, help="Unleash project."),
        click.option("--overwrite", is_flag=True, help="Let the source replace values flags.toml has."),
        click.option("--dry-run", is_flag=True, help="Print what would change; write nothing."),
        IMPORT_TODAY, REGISTRY, CONFIG,
    )
    for option in reversed(options):
        command = option(command)
    return command


def _import(check: bool, sync: bool, options: dict[str, Any]) -> int:
    from flagdebt.registry_import import ImportRequest, import_registry
    from flagdebt.sources import SourceInput

    config = configure(options["config_path"], options["registry"], ())
    location = options["location"]
    root = Path(location) if options["source"] in ("git", "annotations") and location else config.root
    given = SourceInput(options["source"], options["today"] or date.today(), location,
                        options["url"], options["project"], root, None, dict(os.environ), config)
    path = config.registry_path
    request = ImportRequest(given, path, display_path(path, Path.cwd()), options["overwrite"],
                            options["dry_run"], check, sync)
    lines, code = import_registry(request)
    for line in lines:
        click.echo(line)
    return code


@registry_group.command("import")
@_source_options
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when flags.toml and the source disagree.")
@click.pass_context
def registry_import(ctx: click.Context, /, check: bool, **options: Any) -> None:
    """Merge flags from a source into flags.toml; values people wrote stay unless --overwrite."""
    ctx.exit(_import(check, False, options))


@registry_group.command("sync")
@_source_options
@click.pass_context
def registry_sync(ctx: click.Context, /, **options: Any) -> None:
    """Import, then exit 1 if flags.toml differed from the source (for CI)."""
    ctx.exit(_import(False, True, options))
