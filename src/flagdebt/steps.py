"""What the commands do with their options, without click: group the paths by project, load
each project's config and registry, run `check`, write the report.

`flagdebt.cli` parses the command line with click and calls these. A plain pre-commit
`flagdebt check FILE…` is parsed by `flagdebt.quickcheck` instead and calls the same
`check_command`, so that it need not import click (a quarter of a pre-commit run).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from flagdebt.config import Config, load_config, parse_call_pattern, with_presets
from flagdebt.files import PYTHON_SUFFIXES, discover_text, is_whole_project, text_suffixes
from flagdebt.model import Finding, FlagdebtError, Registry
from flagdebt.paths import display_path, display_paths
from flagdebt.printable import printable
from flagdebt.registry import load_registry

if TYPE_CHECKING:
    from flagdebt.check import Outcome

CODE_PREFIX = re.compile(r"^FD\d{0,3}$")
PROGRESS_MIN_FILES = 2000


class OptionError(FlagdebtError):
    """An option value no command can run with; click shows it with the command's usage."""


def echo(text: str = "", err: bool = False, nl: bool = True) -> None:
    """Write a line to stdout (or stderr) and flush, as `click.echo` does for text."""
    stream = sys.stderr if err else sys.stdout
    stream.write(f"{text}\n" if nl else text)
    stream.flush()


def rule_codes(values: Sequence[str], option: str) -> tuple[str, ...]:
    """The comma-separated rule codes or prefixes of an option, upper-cased and checked."""
    from flagdebt.rules import RULES

    codes = tuple(code.strip().upper() for value in values for code in value.split(",") if code.strip())
    for code in codes:
        if not CODE_PREFIX.match(code) or not any(r.code.startswith(code) for r in RULES):
            raise OptionError(f"{option}: '{code}' matches no rule code (see `flagdebt explain`)")
    return codes


def configure(config_path: Path | None, registry: Path | None, calls: Sequence[str],
              select: Sequence[str] = (), ignore: Sequence[str] = (),
              paths: Sequence[Path] = (), presets: Sequence[str] = (), memo: bool = False) -> Config:
    """The project's config with the command line's options applied (`memo`: see load_config)."""
    config = load_config(Path.cwd(), config_path, memo)
    if config.config_path is None and config_path is None and paths:
        # pre-commit runs from the repository root; a project may live in a subfolder.
        start = paths[0] if paths[0].is_dir() else paths[0].parent
        config = load_config(start.absolute(), None, memo)
    extra = tuple(parse_call_pattern(text) for text in calls)
    config = with_presets(config, preset_names(presets))
    return replace(
        config,
        registry=registry.absolute() if registry else config.registry,
        calls=config.calls + tuple(p for p in extra if p not in config.calls),
        select=rule_codes(select, "--select") or config.select,
        ignore=config.ignore + rule_codes(ignore, "--ignore"),
    )


Group = tuple[Path | None, tuple[Path, ...]]


def projects(config_path: Path | None, paths: tuple[Path, ...], memo: bool = False) -> list[Group]:
    """The paths by the project each lies in (its nearest flagdebt.toml or [tool.flagdebt],
    None outside any), so that each is checked with its own config and registry: pre-commit
    in a monorepo passes files of several projects. One group with --config or no path."""
    if config_path is not None or not paths:
        return [(config_path, paths)]
    from flagdebt.config import find_config

    by_folder: dict[Path, Path | None] = {}
    known: dict[str, Path | None] = {}
    groups: dict[Path | None, list[Path]] = {}
    for path in paths:
        folder = path.absolute() if os.path.isdir(path) else path.absolute().parent
        if folder not in by_folder:
            try:
                by_folder[folder] = find_config(folder, known, memo) if os.path.isdir(folder) else None
            except OSError:  # a folder we may not enter: reading the path reports it
                by_folder[folder] = None
        groups.setdefault(by_folder[folder], []).append(path)
    return [(found, tuple(group)) for found, group in groups.items()]


def one_project(config_path: Path | None, paths: tuple[Path, ...], command: str) -> Path | None:
    """The config of the one project the paths lie in; an error when they span several."""
    groups = projects(config_path, paths)
    if len(groups) == 1:
        return groups[0][0]
    cwd = Path.cwd()
    names = ", ".join(display_path(found, cwd) if found else "no project" for found, _ in groups)
    raise FlagdebtError(f"the paths lie in {len(groups)} projects ({names}): run {command} once "
                        "per project (each has its own registry), or name one with --config")


def preset_names(values: Sequence[str]) -> tuple[str, ...]:
    """The comma-separated preset names of `--preset`, each checked."""
    names = tuple(name.strip() for value in values for name in value.split(",") if name.strip())
    if not names:
        return names
    from flagdebt.presets import get_preset

    for name in names:
        get_preset(name)
    return names


def suffixes(config: Config, docs: bool = False) -> tuple[str, ...]:
    """The file endings to collect: Python's, plus templates, scripts (and docs) when asked."""
    if not (config.presets or config.extend_include):
        return PYTHON_SUFFIXES
    return text_suffixes(bool(config.presets), config.extend_include, docs)


def load_flags(config: Config, today: date | None, use_cache: bool = False) -> Registry:
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
        echo(f"flagdebt: warning: {printable(warning)}", err=True)
    return registry


def use_color(output: Path | None) -> bool:
    """Colour for a text report on a terminal, unless NO_COLOR is set."""
    return output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


def emit(text: str, output: Path | None) -> None:
    """The report on stdout, or in the `--output` file."""
    if output is None:
        echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8", errors="backslashreplace")
    except OSError as error:
        raise FlagdebtError(f"{output}: cannot write report: {error.strerror}") from None


@contextmanager
def progress(total: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for large scans on a terminal; nothing when piped or in CI."""
    if total < PROGRESS_MIN_FILES or not sys.stderr.isatty() or os.environ.get("CI"):
        yield None
        return
    import click

    with click.progressbar(length=total, label="Scanning", file=sys.stderr) as bar:
        yield bar.update


# ------------------------------------------------------------------------------ check


def check_command(paths: tuple[Path, ...], today: date | None, registry: Path | None,
                  config_path: Path | None, calls: tuple[str, ...], presets: tuple[str, ...],
                  select: tuple[str, ...], ignore: tuple[str, ...], exit_zero: bool, fmt: str,
                  output: Path | None, statistics: bool, baseline_file: Path | None,
                  write_baseline: Path | None, no_cache: bool) -> int:
    """`flagdebt check` with its options parsed; the exit code.

    An `OptionError` is raised before anything is printed or written."""
    from flagdebt.report import renderer, summarize

    if baseline_file is not None and write_baseline is not None:
        raise OptionError("--baseline and --write-baseline cannot be used together")
    cwd = Path.cwd()
    groups = projects(config_path, paths, memo=not no_cache)
    configs = [(configure(found, registry, calls, select, ignore, group, presets, not no_cache), group)
               for found, group in groups]
    runs = [_check_project(config, group, today, not no_cache) for config, group in configs
            if len(groups) == 1 or _in_a_project(config, group)]
    findings = sorted({finding for run in runs for finding in run.outcome.findings})
    whole = all(run.whole for run in runs)
    if write_baseline is not None:
        _record_baseline(write_baseline, findings, cwd)
        return 0
    if baseline_file is not None:
        findings = _apply_baseline(baseline_file, findings, cwd, whole)
    registries = {run.registry: run.outcome.summary.flags for run in runs}
    counted = [run.outcome.summary for run in runs]
    summary = replace(summarize(findings, sum(registries.values()),
                                sum(one.call_sites for one in counted),
                                sum(one.files for one in counted),
                                sum(one.suppressed for one in counted)),
                      color=fmt == "text" and use_color(output))
    if not statistics or output is not None:
        emit(renderer(fmt)(findings, summary), output)
    if statistics:
        from flagdebt.report.statistics import render_statistics

        echo(render_statistics(findings, summary), nl=False)
    return 0 if exit_zero or summary.errors == 0 else 1


def _in_a_project(config: Config, paths: tuple[Path, ...]) -> bool:
    """False, with a note, for files in no project and with no registry, among files of
    projects (pre-commit in a monorepo passes every changed file, scripts outside too)."""
    if config.config_path is not None or config.registry_path.exists():
        return True
    plural = "s" if len(paths) > 1 else ""
    echo(printable(f"flagdebt: note: not checked: {len(paths)} path{plural} in no project "
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

    flags = load_flags(config, today, use_cache=use_cache)
    files = discover_text(paths or (config.root,), config.root, config.excludes, suffixes(config))
    whole = is_whole_project(paths, config.root)
    with progress(len(files)) as advance:
        outcome = run_check(config, flags, files, display_paths(files, Path.cwd()),
                            today or date.today(), whole, advance, use_cache=use_cache)
    return _ProjectCheck(outcome, config.registry_path, whole)


def _record_baseline(path: Path, findings: Sequence[Finding], cwd: Path) -> None:
    from flagdebt.baseline import write_baseline

    count = write_baseline(path, findings, cwd)
    plural = "" if count == 1 else "s"
    echo(f"Wrote {count} finding{plural} to {display_path(path, cwd)}.", err=True)


def _apply_baseline(path: Path, findings: Sequence[Finding], cwd: Path, whole: bool) -> list[Finding]:
    from flagdebt.baseline import apply_baseline, describe_fixed, load_baseline

    shown = display_path(path, cwd)
    kept, fixed = apply_baseline(findings, load_baseline(path, shown), cwd)
    if fixed and whole:
        echo(describe_fixed(fixed, shown), err=True)
    return kept
