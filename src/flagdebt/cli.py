"""The command line: parse options, load config and registry, call one function, print, exit."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from flagdebt import __version__
from flagdebt.config import Config, load_config, parse_call_pattern, with_presets
from flagdebt.files import PYTHON_SUFFIXES, discover_text, is_whole_project, text_suffixes
from flagdebt.model import Finding, FlagdebtError, Registry
from flagdebt.paths import display_path, display_paths
from flagdebt.printable import printable
from flagdebt.registry import load_registry
from flagdebt.report import FORMATS, renderer

if TYPE_CHECKING:
    from flagdebt.check import Outcome

CODE_PREFIX = re.compile(r"^FD\d{0,3}$")


class _Group(click.Group):
    """Turns a FlagdebtError anywhere below into a clean message and exit code 2.

    Only `check` is defined here; the other commands live in `flagdebt.commands`, imported
    when one of them is asked for (building every command's options costs a pre-commit run
    more than the check of its few files)."""

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands:
            import flagdebt.commands  # noqa: F401  adds its commands to this group
        return super().get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        import flagdebt.commands  # noqa: F401

        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FlagdebtError as error:
            for line in str(error).split("\n") or ["error"]:
                click.echo(f"flagdebt: error: {printable(line)}", err=True)
            ctx.exit(2)


class _Date(click.ParamType):  # type: ignore[type-arg]
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:  # fromisoformat alone would also take 20261127 and 2026-W01
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                return date.fromisoformat(value)
        except ValueError:
            pass
        self.fail(f"'{value}' is not a date like 2026-11-27", param, ctx)


def _codes(values: Sequence[str], option: str) -> tuple[str, ...]:
    from flagdebt.rules import RULES

    codes = tuple(code.strip().upper() for value in values for code in value.split(",") if code.strip())
    for code in codes:
        if not CODE_PREFIX.match(code) or not any(r.code.startswith(code) for r in RULES):
            raise click.UsageError(f"{option}: '{code}' matches no rule code (see `flagdebt explain`)")
    return codes


def _configure(config_path: Path | None, registry: Path | None, calls: Sequence[str],
               select: Sequence[str] = (), ignore: Sequence[str] = (),
               paths: Sequence[Path] = (), presets: Sequence[str] = ()) -> Config:
    config = load_config(Path.cwd(), config_path)
    if config.config_path is None and config_path is None and paths:
        # pre-commit runs from the repository root; a project may live in a subfolder.
        start = paths[0] if paths[0].is_dir() else paths[0].parent
        config = load_config(start.absolute(), None)
    extra = tuple(parse_call_pattern(text) for text in calls)
    config = with_presets(config, _preset_names(presets))
    return replace(
        config,
        registry=registry.absolute() if registry else config.registry,
        calls=config.calls + tuple(p for p in extra if p not in config.calls),
        select=_codes(select, "--select") or config.select,
        ignore=config.ignore + _codes(ignore, "--ignore"),
    )


Group = tuple[Path | None, tuple[Path, ...]]


def _projects(config_path: Path | None, paths: tuple[Path, ...]) -> list[Group]:
    """The paths by the project each lies in (its nearest pyproject.toml with [tool.flagdebt],
    None outside any), so that each is checked with its own config and registry: pre-commit
    in a monorepo passes files of several projects. One group with --config or no path."""
    if config_path is not None or not paths:
        return [(config_path, paths)]
    from flagdebt.config import find_config

    by_folder: dict[Path, Path | None] = {}
    groups: dict[Path | None, list[Path]] = {}
    for path in paths:
        folder = path.absolute() if os.path.isdir(path) else path.absolute().parent
        if folder not in by_folder:
            try:
                by_folder[folder] = find_config(folder) if os.path.isdir(folder) else None
            except OSError:  # a folder we may not enter: reading the path reports it
                by_folder[folder] = None
        groups.setdefault(by_folder[folder], []).append(path)
    return [(found, tuple(group)) for found, group in groups.items()]


def _one_project(config_path: Path | None, paths: tuple[Path, ...], command: str) -> Path | None:
    """The config of the one project the paths lie in; an error when they span several."""
    groups = _projects(config_path, paths)
    if len(groups) == 1:
        return groups[0][0]
    cwd = Path.cwd()
    names = ", ".join(display_path(found, cwd) if found else "no project" for found, _ in groups)
    raise FlagdebtError(f"the paths lie in {len(groups)} projects ({names}): run {command} once "
                        "per project (each has its own registry), or name one with --config")


def _preset_names(values: Sequence[str]) -> tuple[str, ...]:
    names = tuple(name.strip() for value in values for name in value.split(",") if name.strip())
    if not names:
        return names
    from flagdebt.presets import get_preset

    for name in names:
        get_preset(name)
    return names


def _suffixes(config: Config, docs: bool = False) -> tuple[str, ...]:
    """The file endings to collect: Python's, plus templates, scripts (and docs) when asked."""
    if not (config.presets or config.extend_include):
        return PYTHON_SUFFIXES
    return text_suffixes(bool(config.presets), config.extend_include, docs)


def _registry(config: Config, today: date | None, use_cache: bool = False) -> Registry:
    """The validated registry; a flag created after `today` is a warning on stderr."""
    from flagdebt.registry import future_created

    path = config.registry_path
    shown = display_path(path, Path.cwd())
    if use_cache:
        from flagdebt.cache import cached_registry

        registry = cached_registry(config, path, shown, load_registry)
    else:
        registry = load_registry(path, shown)
    for warning in future_created(registry, today or date.today()):
        click.echo(f"flagdebt: warning: {printable(warning)}", err=True)
    return registry


def _use_color(output: Path | None) -> bool:
    return output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flagdebt")
def cli() -> None:
    """Find and remove feature-flag debt in Python code."""


class _SourceChoice(click.Choice):  # type: ignore[type-arg]
    """The registry sources' names, read from `flagdebt.sources` only when an option needs them."""

    def __init__(self) -> None:
        super().__init__(())

    @property  # type: ignore[override]
    def choices(self) -> list[str]:
        from flagdebt.sources import SOURCES

        return list(SOURCES)

    @choices.setter
    def choices(self, value: object) -> None:
        pass


class _PathArg(click.ParamType):  # type: ignore[type-arg]
    """A file or folder argument; "" is refused (pathlib would read it as ".")."""

    name = "PATH"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Path:
        if isinstance(value, Path):
            return value
        if not value:
            raise FlagdebtError("path '' is empty: name a file or folder ('.' for this folder)")
        return Path(value)


PATHS = click.argument("paths", nargs=-1, type=_PathArg())
TODAY = click.option("--today", type=_Date(), help="The date rules compare with (default: today).")
IMPORT_TODAY = click.option("--today", type=_Date(),
                            help="The day for archives the source gives no date for (default: today).")
REGISTRY = click.option("--registry", type=click.Path(path_type=Path), help="The flags.toml to use.")
CONFIG = click.option("--config", "config_path", type=click.Path(path_type=Path),
                      help="The pyproject.toml to read [tool.flagdebt] from.")
CALL = click.option("--call", "calls", multiple=True, metavar="NAME[:ARG]",
                    help="Another function that reads a flag (repeatable).")
NO_CACHE = click.option("--no-cache", is_flag=True,
                        help="Scan every file, neither reading nor writing the result cache.")
PRESET = click.option("--preset", "presets", multiple=True, metavar="NAME",
                      help="Also find an SDK's reads, e.g. django-waffle (repeatable).")


@cli.command()
@PATHS
@TODAY
@REGISTRY
@CONFIG
@CALL
@PRESET
@click.option("--select", multiple=True, help="Only these rule codes or prefixes (comma-separated).")
@click.option("--ignore", multiple=True, help="Skip these rule codes or prefixes (comma-separated).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when errors are found.")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True)
@click.option("--output", type=click.Path(path_type=Path), help="Write the report to this file.")
@click.option("--statistics", is_flag=True,
              help="Print a count per rule instead of the report (--output still gets the report).")
@click.option("--baseline", "baseline_file", type=click.Path(path_type=Path),
              help="Report only findings not recorded in this baseline file.")
@click.option("--write-baseline", type=click.Path(path_type=Path),
              help="Record the current findings in this file and exit 0.")
@NO_CACHE
@click.pass_context
def check(ctx: click.Context, paths: tuple[Path, ...], today: date | None, registry: Path | None,
          config_path: Path | None, calls: tuple[str, ...], presets: tuple[str, ...],
          select: tuple[str, ...], ignore: tuple[str, ...], exit_zero: bool, fmt: str,
          output: Path | None, statistics: bool, baseline_file: Path | None,
          write_baseline: Path | None, no_cache: bool) -> None:
    """Report expired, unknown, archived and unused flags. Exit 1 on any error finding."""
    from flagdebt.report import summarize

    if baseline_file is not None and write_baseline is not None:
        raise click.UsageError("--baseline and --write-baseline cannot be used together")
    cwd = Path.cwd()
    projects = _projects(config_path, paths)
    configs = [(_configure(found, registry, calls, select, ignore, group, presets), group)
               for found, group in projects]
    runs = [_check_project(config, group, today, not no_cache) for config, group in configs
            if len(projects) == 1 or _in_a_project(config, group)]
    findings = sorted({finding for run in runs for finding in run.outcome.findings})
    whole = all(run.whole for run in runs)
    if write_baseline is not None:
        _record_baseline(write_baseline, findings, cwd)
        ctx.exit(0)
    if baseline_file is not None:
        findings = _apply_baseline(baseline_file, findings, cwd, whole)
    registries = {run.registry: run.outcome.summary.flags for run in runs}
    counted = [run.outcome.summary for run in runs]
    summary = replace(summarize(findings, sum(registries.values()),
                                sum(one.call_sites for one in counted),
                                sum(one.files for one in counted),
                                sum(one.suppressed for one in counted)),
                      color=fmt == "text" and _use_color(output))
    if not statistics or output is not None:
        _emit(renderer(fmt)(findings, summary), output)
    if statistics:
        from flagdebt.report.statistics import render_statistics

        click.echo(render_statistics(findings, summary), nl=False)
    ctx.exit(0 if exit_zero or summary.errors == 0 else 1)


def _in_a_project(config: Config, paths: tuple[Path, ...]) -> bool:
    """False, with a note, for files in no project and with no registry, among files of
    projects (pre-commit in a monorepo passes every changed file, scripts outside too)."""
    if config.config_path is not None or config.registry_path.exists():
        return True
    plural = "s" if len(paths) > 1 else ""
    click.echo(printable(f"flagdebt: note: not checked: {len(paths)} path{plural} in no project "
                         f"with [tool.flagdebt] and no registry ({', '.join(map(str, paths[:3]))}"
                         f"{', …' if len(paths) > 3 else ''})"), err=True)
    return False


@dataclass(frozen=True)
class _ProjectCheck:
    outcome: Outcome
    registry: Path
    whole: bool


def _check_project(config: Config, paths: tuple[Path, ...], today: date | None,
                   use_cache: bool) -> _ProjectCheck:
    """`check` of the paths of one project, with its config and registry."""
    from flagdebt.check import run_check

    flags = _registry(config, today, use_cache=use_cache)
    files = discover_text(paths or (config.root,), config.root, config.excludes, _suffixes(config))
    whole = is_whole_project(paths, config.root)
    with _progress(len(files)) as progress:
        outcome = run_check(config, flags, files, display_paths(files, Path.cwd()),
                            today or date.today(), whole, progress, use_cache=use_cache)
    return _ProjectCheck(outcome, config.registry_path, whole)


PROGRESS_MIN_FILES = 2000


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for large scans on a terminal; nothing when piped or in CI."""
    if total < PROGRESS_MIN_FILES or not sys.stderr.isatty() or os.environ.get("CI"):
        yield None
        return
    with click.progressbar(length=total, label="Scanning", file=sys.stderr) as bar:
        yield bar.update


def _record_baseline(path: Path, findings: Sequence[Finding], cwd: Path) -> None:
    from flagdebt.baseline import write_baseline

    count = write_baseline(path, findings, cwd)
    plural = "" if count == 1 else "s"
    click.echo(f"Wrote {count} finding{plural} to {display_path(path, cwd)}.", err=True)


def _apply_baseline(path: Path, findings: Sequence[Finding], cwd: Path, whole: bool) -> list[Finding]:
    from flagdebt.baseline import apply_baseline, describe_fixed, load_baseline

    shown = display_path(path, cwd)
    kept, fixed = apply_baseline(findings, load_baseline(path, shown), cwd)
    if fixed and whole:
        click.echo(describe_fixed(fixed, shown), err=True)
    return kept


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8", errors="backslashreplace")
    except OSError as error:
        raise FlagdebtError(f"{output}: cannot write report: {error.strerror}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """The console script (argv None: the program, which ignores Ctrl-C once its code is known)."""
    from flagdebt.interrupts import safe_interrupts

    if sys.stdout is None or sys.stderr is None:
        return _closed_stream()
    _escape_unencodable()
    try:
        with safe_interrupts(ignore_after=argv is None):
            code = cli.main(args=argv, prog_name="flagdebt", standalone_mode=False)
            sys.stdout.flush()
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        error.show()
        return 2
    except (click.exceptions.Abort, KeyboardInterrupt):  # Ctrl-C or SIGTERM outside a write
        click.echo("Aborted.", err=True)
        return 130
    except OSError as error:  # output closed or full, current folder deleted, ...
        return _os_error(error)
    return code if isinstance(code, int) else 0


def _cwd_exists() -> bool:
    try:
        os.getcwd()
    except FileNotFoundError:
        return False
    return True


def _silence_stdout() -> None:
    """After a failed write, point stdout at /dev/null so the exit flush cannot fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def _escape_unencodable() -> None:
    """A key with a lone surrogate or a file name with a non-UTF-8 byte prints as `\\udcff`."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _closed_stream() -> int:
    if sys.stderr is not None:
        sys.stderr.write("flagdebt: error: standard output is closed\n")
    return 2


def _os_error(error: OSError) -> int:
    """One line on stderr (if it still works) for an OSError no command turned into a message."""
    if isinstance(error, FileNotFoundError) and not _cwd_exists():
        what = "the current folder no longer exists"
    elif error.filename is None:
        what = f"cannot write the output: {error.strerror or error}"
    else:
        what = f"{error.filename}: {error.strerror or error}"
    _silence_stdout()
    try:
        sys.stderr.write(f"flagdebt: error: {what}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return 2
