"""`flagdebt check [OPTION…] PATH…`, the command pre-commit runs on every commit, parsed
without importing click (a quarter of such a run's time).

Only the plain forms are taken: `check` first, then paths and the long options of `check`
(`--name value` or `--name=value`). Anything else (another command, `-h`, `--help`,
`--version`, an unknown option, a value that is empty or starts with `-`, a date or format
click would refuse, a `--baseline` with `--write-baseline`, a bad rule code) is declined,
and click parses the command line as always, with its messages. A test compares the
parameters of every accepted command line with click's (`tests/test_quickcheck.py`), and
another that the options below are exactly `check`'s.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

# option -> (parameter, kind): "flag" takes no value, "many" may repeat (a tuple)
OPTIONS: dict[str, tuple[str, str]] = {
    "--today": ("today", "day"),
    "--registry": ("registry", "path"),
    "--config": ("config_path", "path"),
    "--call": ("calls", "many"),
    "--preset": ("presets", "many"),
    "--select": ("select", "many"),
    "--ignore": ("ignore", "many"),
    "--exit-zero": ("exit_zero", "flag"),
    "--format": ("fmt", "format"),
    "--output": ("output", "path"),
    "--statistics": ("statistics", "flag"),
    "--baseline": ("baseline_file", "path"),
    "--write-baseline": ("write_baseline", "path"),
    "--no-cache": ("no_cache", "flag"),
}
DEFAULTS: dict[str, object] = {"fmt": "text"}


def parse(argv: Sequence[str]) -> dict[str, object] | None:
    """The parameters of `check` as click would pass them, or None to let click parse."""
    if not argv or argv[0] != "check":
        return None
    values: dict[str, object] = {}
    many: dict[str, list[str]] = {}
    paths: list[Path] = []
    tokens = iter(argv[1:])
    for token in tokens:
        if token == "--":
            rest = list(tokens)
            if not all(rest):
                return None
            paths.extend(map(Path, rest))
            break
        if token == "-" or not token.startswith("-"):
            if not token:
                return None
            paths.append(Path(token))
            continue
        name, equals, value = token.partition("=")
        parameter, kind = OPTIONS.get(name, ("", ""))
        if not parameter:
            return None
        if kind == "flag":
            if equals:
                return None
            values[parameter] = True
            continue
        if not equals:
            value = next(tokens, "")
            if value.startswith("-"):
                return None
        converted = _convert(kind, value)
        if converted is None:
            return None
        if kind == "many":
            many.setdefault(parameter, []).append(value)
        else:
            values[parameter] = converted
    if "baseline_file" in values and "write_baseline" in values:
        return None
    params: dict[str, object] = {"paths": tuple(paths)}
    for parameter, kind in OPTIONS.values():
        if kind == "flag":
            params[parameter] = values.get(parameter, False)
        elif kind == "many":
            params[parameter] = tuple(many.get(parameter, ()))
        else:
            params[parameter] = values.get(parameter, DEFAULTS.get(parameter))
    return params if _codes_valid(params) else None


def _convert(kind: str, value: str) -> object | None:
    if not value:
        return None
    if kind == "day":
        from flagdebt.model import parse_day

        return parse_day(value)
    if kind == "format":
        from flagdebt.report import FORMATS

        return value if value in FORMATS else None
    if kind == "path":  # click.Path refuses a path that exists but cannot be read
        return None if os.path.exists(value) and not os.access(value, os.R_OK) else Path(value)
    return value


def _codes_valid(params: dict[str, object]) -> bool:
    from flagdebt.steps import OptionError, rule_codes

    try:
        for option in ("select", "ignore"):
            codes = params[option]
            assert isinstance(codes, tuple)
            rule_codes(codes, f"--{option}")
    except OptionError:
        return False
    return True


def run(params: dict[str, object], program: bool = False) -> int:
    """`check` with the parameters `parse` gave, in `flagdebt.program`'s care."""
    from flagdebt import program as around
    from flagdebt.steps import check_command

    return around.run(lambda: check_command(**params), program)  # type: ignore[arg-type]


def main(argv: Sequence[str]) -> int | None:
    """Run `check` if `parse` takes the command line; None if click must parse it."""
    params = parse(argv)
    return None if params is None else run(params)
