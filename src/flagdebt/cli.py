"""The command line: parse options, load config and registry, call one function, print, exit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import click

from flagdebt import __version__, program
from flagdebt.model import FlagdebtError, parse_day
from flagdebt.report import FORMATS
from flagdebt.steps import OptionError, check_command


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
            ctx.exit(program.report_error(error))


class _Date(click.ParamType):  # type: ignore[type-arg]
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        day = parse_day(value)
        if day is not None:
            return day
        self.fail(f"'{value}' is not a date like 2026-11-27", param, ctx)


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
                      help="The pyproject.toml (or flagdebt.toml) to read the config from.")
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
def check(ctx: click.Context, /, **params: Any) -> None:
    """Report expired, unknown, archived and unused flags. Exit 1 on any error finding."""
    try:
        code = check_command(**params)
    except OptionError as error:
        raise click.UsageError(str(error), ctx) from None
    ctx.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """The console script (argv None: the program, which ignores Ctrl-C once its code is known)."""
    return program.run(lambda: _click_main(argv), program=argv is None)


def _click_main(argv: Sequence[str] | None) -> int:
    try:
        code = cli.main(args=argv, prog_name="flagdebt", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.ClickException as error:
        error.show()
        return 2
    except click.exceptions.Abort:
        raise KeyboardInterrupt from None
    return code if isinstance(code, int) else 0
