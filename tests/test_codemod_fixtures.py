"""Every codemod behaviour is a fixture pair under fixtures/remove/: input.py -> expected.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from flagdebt.codemod import rewrite_source
from flagdebt.config import DEFAULT_CALLS, parse_call_pattern

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FIXTURES = Path(__file__).parent.parent / "fixtures" / "remove"
CASES = sorted(path for path in FIXTURES.iterdir() if (path / "input.py").is_file())
UPDATE = os.environ.get("FLAGDEBT_UPDATE_FIXTURES") == "1"


def _run(case: Path, source: str):
    spec = tomllib.loads((case / "case.toml").read_text(encoding="utf-8"))
    calls = tuple(parse_call_pattern(text) for text in spec.get("calls", [])) or DEFAULT_CALLS
    key = spec["key"]
    aliases = {key: tuple(spec.get("aliases", ())) + (key,)}
    extra = {}
    if "fixtures" in spec:
        extra["fixtures"] = tuple(parse_call_pattern(text) for text in spec["fixtures"])
    if "wrappers" in spec:
        extra["wrappers"] = dict(spec["wrappers"])
    return rewrite_source(source, {key: spec["value"]}, calls, aliases, **extra), spec


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_fixture(case: Path) -> None:
    source = (case / "input.py").read_text(encoding="utf-8")
    expected_path = case / "expected.py"
    result, spec = _run(case, source)
    if UPDATE and result.code != source:
        expected_path.write_text(result.code, encoding="utf-8")
    expected = expected_path.read_text(encoding="utf-8") if expected_path.exists() else source
    assert result.code == expected
    assert len(result.skipped) == spec.get("skipped", 0)
    assert sorted(name for name, _ in result.tests) == sorted(spec.get("deleted", []))
    assert len(result.undecided) == spec.get("undecided", 0), result.undecided


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_fixture_is_idempotent(case: Path) -> None:
    expected_path = case / "expected.py"
    expected = (expected_path if expected_path.exists() else case / "input.py").read_text(
        encoding="utf-8")
    result, _ = _run(case, expected)
    assert result.code == expected


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 60
