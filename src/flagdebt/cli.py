"""The command line: parse options, load config and registry, call one function, print, exit."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, Sequence

import click

from flagdebt import __version__
from flagdebt.config import Config, load_config, parse_call_pattern
from flagdebt.files import discover, display_path, is_whole_project
from flagdebt.model import FlagdebtError, Registry
from flagdebt.registry import load_registry
from flagdebt.report import FORMATS, renderer

CODE_PREFIX = re.compile(r"^FD\d{0,3}$")


class _Group(click.Group):
    """Turns a FlagdebtError anywhere below into a clean message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FlagdebtError as error:
            for line in str(error).splitlines() or ["error"]:
                click.echo(f"flagdebt: error: {line}", err=True)
            ctx.exit(2)


class _Date(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"'{value}' is not a date like 2026-11-27", param, ctx)


def _codes(values: Sequence[str], option: str) -> tuple[str, ...]:
    from flagdebt.rules import RULES

    codes = tuple(code.strip().upper() for value in values for code in value.split(",") if code.strip())
    for code in codes:
        if not CODE_PREFIX.match(code) or not any(r.code.startswith(code) for r in RULES):
            raise click.UsageError(f"{option}: '{code}' matches no rule code (see `flagdebt explain`)")
    return codes


def _configure(config_path: Path | None, registry: Path | None, calls: Sequence[str],
               select: Sequence[str] = (), ignore: Sequence[str] = ()) -> Config:
    config = load_config(Path.cwd(), config_path)
    extra = tuple(parse_call_pattern(text) for text in calls)
    return replace(
        config,
        registry=registry.absolute() if registry else config.registry,
        calls=config.calls + tuple(p for p in extra if p not in config.calls),
        select=_codes(select, "--select") or config.select,
        ignore=config.ignore + _codes(ignore, "--ignore"),
    )


def _registry(config: Config) -> Registry:
    path = config.registry_path
    return load_registry(path, display_path(path, Path.cwd()))


def _use_color(output: Path | None) -> bool:
    return output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flagdebt")
def cli() -> None:
    """Find and remove feature-flag debt in Python code."""


PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
TODAY = click.option("--today", type=_Date(), help="The date rules compare with (default: today).")
REGISTRY = click.option("--registry", type=click.Path(path_type=Path), help="The flags.toml to use.")
CONFIG = click.option("--config", "config_path", type=click.Path(path_type=Path),
                      help="The pyproject.toml to read [tool.flagdebt] from.")
CALL = click.option("--call", "calls", multiple=True, metavar="NAME[:ARG]",
                    help="Another function that reads a flag (repeatable).")


@cli.command()
@PATHS
@TODAY
@REGISTRY
@CONFIG
@CALL
@click.option("--select", multiple=True, help="Only these rule codes or prefixes (comma-separated).")
@click.option("--ignore", multiple=True, help="Skip these rule codes or prefixes (comma-separated).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when errors are found.")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="text", show_default=True)
@click.option("--output", type=click.Path(path_type=Path), help="Write the report to this file.")
@click.pass_context
def check(ctx: click.Context, paths: tuple[Path, ...], today: date | None, registry: Path | None,
          config_path: Path | None, calls: tuple[str, ...], select: tuple[str, ...],
          ignore: tuple[str, ...], exit_zero: bool, fmt: str, output: Path | None) -> None:
    """Report expired, unknown, archived and unused flags. Exit 1 on any error finding."""
    from flagdebt.check import run_check

    config = _configure(config_path, registry, calls, select, ignore)
    flags = _registry(config)
    cwd = Path.cwd()
    files = discover(paths or (config.root,), config)
    displays = [display_path(path, cwd) for path in files]
    outcome = run_check(config, flags, files, displays, today or date.today(),
                        is_whole_project(paths, config))
    summary = replace(outcome.summary, color=fmt == "text" and _use_color(output))
    _emit(renderer(fmt)(outcome.findings, summary), output)
    ctx.exit(0 if exit_zero or outcome.summary.errors == 0 else 1)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise FlagdebtError(f"{output}: cannot write report: {error.strerror}") from None


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


def main(argv: Sequence[str] | None = None) -> int:
    """The console script."""
    try:
        code = cli.main(args=argv, prog_name="flagdebt", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        error.show()
        return 2
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    return code if isinstance(code, int) else 0
